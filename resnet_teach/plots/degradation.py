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


def plot_gradient_norms(norms: Mapping[str, Mapping[str, float]], title: str | None = None):
    """One line per network: the gradient norm of each weighted layer, input (left) to output (right).

    ``norms`` maps a network's name (e.g. ``"plain-32"``) to ``gradient_norms_at_init(...)``.
    Log scale, because the point is the ratio between layers.
    """
    if not norms:
        raise ValueError("norms={} must name at least one network")
    fig, ax = plt.subplots(figsize=(8, 3.5))
    for name, per_layer in norms.items():
        layers = range(1, len(per_layer) + 1)
        style = {"color": _DEEP if name.startswith("plain") else "tab:green"}
        ax.plot(layers, list(per_layer.values()), marker="o", markersize=3, label=name, **style)
    ax.set_yscale("log")
    ax.set_xlabel("weighted layer (1 = first conv, last = fc)")
    ax.set_ylabel("gradient norm at initialization")
    ax.grid(alpha=0.3, which="both")
    ax.legend()
    if title:
        ax.set_title(title)
    fig.tight_layout()
    return fig
