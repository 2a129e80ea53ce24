"""Notebook 05's figures: the four training curves, and gradient norms per layer at initialization."""
from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt

from .training import plot_histories

__all__ = ["plot_degradation", "plot_gradient_norms"]

_SHALLOW, _DEEP = "tab:blue", "tab:red"


def _style(name: str, deepest: int) -> dict:
    kind, depth = name.split("-")
    return {"color": _DEEP if int(depth) == deepest else _SHALLOW,
            "linestyle": "--" if kind == "plain" else "-", "linewidth": 2,
            "marker": "o", "markersize": 4}  # markers: a 1-epoch run is a single point


def plot_degradation(results: Mapping[str, Mapping[str, list]],
                     metrics: Sequence[str] = ("train_loss", "train_error"), title: str | None = None):
    """The experiment's curves: plain dashed, residual solid; shallow blue, deep red."""
    if not results:
        raise ValueError("results={} must hold the runs of run_degradation")
    deepest = max(int(name.split("-")[1]) for name in results)
    styles: dict[str, dict] = {name: _style(name, deepest) for name in results}
    return plot_histories(results, metrics=metrics, styles=styles, title=title)


def _stage_starts(layer_names: Sequence[str]) -> dict[str, int]:
    """The 1-based position of the first layer of each stage (``layer2.0.conv1`` starts layer2)."""
    starts: dict[str, int] = {}
    for position, name in enumerate(layer_names, start=1):
        stage = name.split(".")[0]
        if stage.startswith("layer") and stage not in starts:
            starts[stage] = position
    return starts


def plot_gradient_norms(norms: Mapping[str, Mapping[str, float]], title: str | None = None,
                        weight_norms: Mapping[str, Mapping[str, float]] | None = None):
    """One line per network: the gradient norm of each weighted layer, input (left) to output (right).

    ``norms`` maps a network's name (e.g. ``"plain-32"``) to ``gradient_norms_at_init(...)``.
    With ``weight_norms`` (the same keys, each layer's weight norm) a second panel shows the
    relative gradient ||g|| / ||W||: with BN after a conv, scaling the conv's weights by a
    scales its gradient by 1/a, so the raw norm alone also reflects the weights' size.
    Dotted lines mark where each stage begins. Log scale: the point is the ratio between layers.
    """
    if not norms:
        raise ValueError("norms={} must name at least one network")
    if weight_norms is not None and set(weight_norms) != set(norms):
        raise ValueError(f"weight_norms names {sorted(weight_norms)}, norms names {sorted(norms)}: "
                         f"they must name the same networks")
    panels = 1 if weight_norms is None else 2
    fig, axes = plt.subplots(1, panels, figsize=(6 * panels, 3.6), squeeze=False)
    for p, ax in enumerate(axes[0]):
        for name, per_layer in norms.items():
            values = list(per_layer.values())
            if p == 1:
                values = [g / weight_norms[name][layer] for layer, g in per_layer.items()]
            style = {"color": _DEEP if name.startswith("plain") else "tab:green"}
            ax.plot(range(1, len(values) + 1), values, marker="o", markersize=3, label=name, **style)
        layer_names = list(next(iter(norms.values())))
        for stage, position in _stage_starts(layer_names).items():
            ax.axvline(position - 0.5, color="gray", linestyle=":", linewidth=1)
            ax.annotate(stage, (position - 0.3, 1.0), xycoords=("data", "axes fraction"),
                        va="top", fontsize=8, color="gray")
        ax.set_yscale("log")
        ax.set_xlabel("weighted layer (1 = first conv, last = fc)")
        ax.set_ylabel("gradient norm ||g||" if p == 0 else "relative gradient ||g|| / ||W||")
        ax.grid(alpha=0.3, which="both")
    axes[0][0].legend(loc="lower left")
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig
