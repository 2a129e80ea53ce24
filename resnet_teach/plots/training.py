"""Training curves: several runs side by side, one panel per metric."""
from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
from matplotlib.ticker import MaxNLocator

__all__ = ["plot_histories"]

LABELS = {"train_loss": "training loss", "train_error": "training error",
          "test_loss": "test loss", "test_error": "test error",
          "train_accuracy": "training accuracy", "test_accuracy": "test accuracy"}


def plot_histories(histories: Mapping[str, Mapping[str, list[float]]],
                   metrics: Sequence[str] = ("train_loss", "train_error"),
                   styles: dict[str, dict] | None = None, title: str | None = None):
    """One panel per metric, one line per run; ``histories`` maps a run's name to its history
    (as returned by ``resnet_teach.train``). ``styles`` maps a run name to plot keywords."""
    if not histories:
        raise ValueError("histories={} must name at least one run")
    for name, h in histories.items():
        for m in metrics:
            if m not in h:
                raise ValueError(f"histories[{name!r}] has no {m!r}; it has {sorted(h)}")
    fig, axes = plt.subplots(1, len(metrics), figsize=(5 * len(metrics), 3.5), squeeze=False)
    for ax, metric in zip(axes[0], metrics):
        for name, h in histories.items():
            epochs = range(1, len(h[metric]) + 1)
            ax.plot(epochs, h[metric], label=name, **(styles or {}).get(name, {}))
        ax.set_xlabel("epoch")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # no "epoch 1.25" ticks on short runs
        ax.set_ylabel(LABELS.get(metric, metric))
        ax.grid(alpha=0.3)
    # The legend sits below the panels, so it never hides a point of a curve.
    handles, labels = axes[0][0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=min(len(labels), 4), frameon=False)
    if title:
        fig.suptitle(title)
    fig.tight_layout(rect=(0, 0.1, 1, 1))
    return fig
