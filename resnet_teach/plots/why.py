"""Notebook 07's figures: gradient signals along a line, lesion bars, path lengths, loss slices."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import torch

__all__ = ["plot_signals", "plot_lesions", "plot_path_lengths", "plot_surfaces",
           "plot_layer_norms"]

COLORS = {"plain": "tab:red", "resnet": "tab:green", "preact": "tab:purple", "pre-activation": "tab:purple"}


def _color(name: str) -> str:
    return next((c for key, c in COLORS.items() if name.startswith(key)), "tab:blue")


def plot_signals(results: Mapping[str, Mapping[str, object]], title: str | None = None):
    """Left: each network's d logit / dt along the line, scaled to its own largest value and drawn
    in its own lane; right: the autocorrelation against the lag."""
    if not results:
        raise ValueError("results={} must name at least one network")
    fig, axes = plt.subplots(1, 2, figsize=(11, 1.2 + 1.1 * max(len(results), 2)))
    names = list(results)
    for lane, name in enumerate(names):
        r = results[name]
        signal = r["signal"]
        offset = 2.2 * (len(names) - 1 - lane)
        axes[0].plot(r["t"], signal / signal.abs().max() + offset, linewidth=1, color=_color(name))
        axes[0].axhline(offset, color="black", linewidth=0.4)
        axes[1].plot(
            range(len(r["autocorrelation"])),
            r["autocorrelation"],
            marker="o",
            markersize=3,
            label=name,
            color=_color(name),
            alpha=0.5 if name.startswith("plain-8") else 1.0,
        )
    axes[0].set_yticks([2.2 * (len(names) - 1 - lane) for lane in range(len(names))], names)
    axes[0].set_xlabel("t (0 = first image, 1 = second)")
    axes[0].set_title("d logit / dt, each scaled to its largest value", fontsize=10)
    axes[1].set_xlabel("lag (steps of t)")
    axes[1].set_ylabel("autocorrelation")
    axes[1].axhline(0, color="black", linewidth=0.8)
    for ax in axes:
        ax.grid(alpha=0.3)
    axes[1].legend()
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def plot_lesions(lesions: Mapping[str, Mapping[str, float]]):
    """One bar per deleted block, one panel per network; the dashed line is the intact network."""
    if not lesions:
        raise ValueError("lesions={} must name at least one network")
    fig, axes = plt.subplots(1, len(lesions), figsize=(5.5 * len(lesions), 3.5), squeeze=False)
    for ax, (name, result) in zip(axes[0], lesions.items()):
        blocks = [k for k in result if k != "none"]
        ax.bar(range(len(blocks)), [result[b] for b in blocks], color=_color(name))
        ax.axhline(result["none"], color="black", linestyle="--", linewidth=1, label="no block deleted")
        ax.axhline(0.1, color="grey", linestyle=":", linewidth=1, label="chance (ten classes)")
        ax.set_xticks(range(len(blocks)), [b.replace("layer", "") for b in blocks], rotation=90)
        ax.set_ylim(0, 1.2)
        ax.set_yticks([0, 0.2, 0.4, 0.6, 0.8, 1.0])
        ax.set_xlabel("deleted block (stage.index)")
        ax.set_ylabel("test accuracy")
        ax.set_title(name)
        ax.legend(loc="upper left", fontsize=9)
    fig.tight_layout()
    return fig


def plot_path_lengths(counts: Sequence[int], contributions: Sequence[float] | None = None):
    """The share of paths of each length (binomial), and, if given, their share of the gradient."""
    n = len(counts) - 1
    total = sum(counts)
    fig, ax = plt.subplots(figsize=(7, 3.5))
    k = list(range(n + 1))
    width = 0.4 if contributions is not None else 0.8
    ax.bar(
        [x - width / 2 if contributions is not None else x for x in k],
        [c / total for c in counts],
        width=width,
        color="tab:gray",
        label="share of the paths",
    )
    if contributions is not None:
        s = sum(contributions)
        ax.bar(
            [x + width / 2 for x in k],
            [c / s for c in contributions],
            width=width,
            color="tab:green",
            label="share of the gradient (measured)",
        )
    ax.set_xlabel(f"path length k (residual branches passed, of n = {n})")
    ax.set_ylabel("share")
    ax.grid(alpha=0.3, axis="y")
    ax.legend()
    fig.tight_layout()
    return fig


def plot_surfaces(surfaces: Mapping[str, torch.Tensor], coords: Sequence[float]):
    """Contour plots of loss slices side by side, on one colour scale."""
    if not surfaces:
        raise ValueError("surfaces={} must name at least one network")
    fig, axes = plt.subplots(1, len(surfaces), figsize=(5 * len(surfaces), 4.2), squeeze=False,
                             layout="constrained")
    top = max(float(s.max()) for s in surfaces.values())
    levels = torch.linspace(0, top, 16).tolist()
    for ax, (name, s) in zip(axes[0], surfaces.items()):
        cs = ax.contourf(coords, coords, s.numpy(), levels=levels, cmap="viridis")
        ax.contour(coords, coords, s.numpy(), levels=levels, colors="white", linewidths=0.4)
        ax.plot([0], [0], marker="x", color="red", markersize=8)
        ax.set_title(name)
        ax.set_xlabel("step along direction 1")
        ax.set_aspect("equal")
    axes[0][0].set_ylabel("step along direction 2")
    fig.colorbar(cs, ax=axes[0].tolist(), label="training loss (batch statistics)")
    return fig


def plot_layer_norms(norms: Mapping[str, Mapping[str, float]], title: str | None = None):
    """One line per network: the gradient norm of each weighted layer at initialization, input
    (left) to output (right), on a log scale."""
    if not norms:
        raise ValueError("norms={} must name at least one network")
    fig, ax = plt.subplots(figsize=(8, 3.5))
    for name, per_layer in norms.items():
        ax.plot(range(1, len(per_layer) + 1), list(per_layer.values()), marker="o", markersize=3,
                label=name, color=_color(name))
    ax.set_yscale("log")
    ax.set_xlabel("weighted layer (1 = first conv, last = fc)")
    ax.set_ylabel("gradient norm at initialization")
    ax.grid(alpha=0.3, which="both")
    ax.legend()
    if title:
        ax.set_title(title)
    fig.tight_layout()
    return fig
