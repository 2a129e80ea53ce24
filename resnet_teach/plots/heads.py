"""Notebook 06 plots: which head runs at which input size; class activation maps over digits."""
from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import ListedColormap
from matplotlib.patches import Patch, Rectangle
from torch import Tensor

from ..lessons.heads import HEADS, explore_input_size

__all__ = ["plot_head_support", "plot_digits_with_boxes", "plot_cams"]

# 0: fails with an error, 1: runs but averages only part of the map (or mixes up positions),
# 2: runs as intended.
_STATUS_COLORS = ListedColormap(["#d1495b", "#edae49", "#66a182"])
_STATUS_LABELS = ("fails (RuntimeError)", "runs, but wrongly (silent)", "runs correctly")


def _status(check) -> int:
    if not check.runs:
        return 0
    silent = check.covered < 1 or "by accident" in check.detail
    return 1 if silent else 2


def plot_head_support(sides: Sequence[int], depth: int = 18, flatten_built_for: int = 224):
    """One row per head, one column per square input side: does the head run there?"""
    sides = list(sides)
    if not sides:
        raise ValueError("sides=[] must list at least one input side")
    reports = [explore_input_size(n, n, depth=depth, flatten_built_for=flatten_built_for) for n in sides]
    grid = np.array([[_status(r.head(h)) for r in reports] for h in HEADS])  # (3, len(sides))
    fig, ax = plt.subplots(figsize=(10, 2.6))
    step = sides[1] - sides[0] if len(sides) > 1 else 1
    ax.imshow(grid, aspect="auto", cmap=_STATUS_COLORS, vmin=0, vmax=2, interpolation="nearest",
              extent=(sides[0] - step / 2, sides[-1] + step / 2, len(HEADS) - 0.5, -0.5))
    ax.set_yticks(range(len(HEADS)))
    ax.set_yticklabels([reports[0].head(h).label for h in HEADS])
    ax.set_xlabel("input side (square images), pixels")
    ax.set_title(f"ResNet-{depth}: which head runs at which input size")
    ax.legend(handles=[Patch(color=_STATUS_COLORS(i), label=_STATUS_LABELS[i]) for i in range(3)],
              loc="upper center", bbox_to_anchor=(0.5, -0.35), ncol=3, frameon=False)
    fig.tight_layout()
    return fig


def _draw_box(ax, box: Tensor, color: str) -> None:
    x0, y0, x1, y1 = [float(v) for v in box]
    # Pixel i covers [i - 0.5, i + 0.5] in imshow's coordinates.
    ax.add_patch(Rectangle((x0 - 0.5, y0 - 0.5), x1 - x0, y1 - y0, fill=False, edgecolor=color, linewidth=1.5))


def plot_digits_with_boxes(images: Tensor, boxes: Tensor, labels: Tensor, count: int = 6):
    """A few canvases with the digit's true box drawn in green."""
    count = min(count, len(images))
    fig, axes = plt.subplots(1, count, figsize=(1.8 * count, 2.1), squeeze=False)
    for i, ax in enumerate(axes[0]):
        ax.imshow(images[i, 0].numpy(), cmap="gray_r", vmin=0, vmax=1)
        _draw_box(ax, boxes[i], "#1a7f37")
        ax.set_title(f"label {int(labels[i])}", fontsize=9)
        ax.axis("off")
    fig.tight_layout()
    return fig


def plot_cams(images: Tensor, maps: Tensor, boxes: Tensor, peaks: Tensor, labels: Tensor,
              predicted: Tensor, indices: Sequence[int] | None = None):
    """Two rows: the raw image (top), and below it the class activation map on top of the
    image, with the true box (green) and the map's peak (x)."""
    indices = list(range(min(6, len(images)))) if indices is None else list(indices)
    if not indices or not all(0 <= i < len(images) for i in indices):
        raise ValueError(f"indices={indices} must name at least one image, each in 0..{len(images) - 1}")
    fig, axes = plt.subplots(2, len(indices), figsize=(1.9 * len(indices), 4.3), squeeze=False)
    for column, i in enumerate(indices):
        raw, overlay = axes[0][column], axes[1][column]
        raw.imshow(images[i, 0].numpy(), cmap="gray_r", vmin=0, vmax=1)
        raw.set_title(f"label {int(labels[i])}, predicted {int(predicted[i])}", fontsize=8)
        overlay.imshow(images[i, 0].numpy(), cmap="gray_r", vmin=0, vmax=1)
        overlay.imshow(maps[i].numpy(), cmap="jet", alpha=0.45)
        _draw_box(overlay, boxes[i], "#1a7f37")
        overlay.plot(float(peaks[i, 0]), float(peaks[i, 1]), "wx", markersize=9, markeredgewidth=2.5)
        overlay.plot(float(peaks[i, 0]), float(peaks[i, 1]), "kx", markersize=7, markeredgewidth=1.2)
        inside = bool(boxes[i, 0] <= peaks[i, 0] < boxes[i, 2] and boxes[i, 1] <= peaks[i, 1] < boxes[i, 3])
        overlay.set_title("peak in the box" if inside else "peak outside", fontsize=8)
        raw.axis("off")
        overlay.axis("off")
    fig.tight_layout()
    return fig
