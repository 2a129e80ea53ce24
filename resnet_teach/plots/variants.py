"""Which input pixels a strided projection shortcut reads: v1.5's 1x1/2 conv vs ResNet-D."""
from __future__ import annotations

from collections.abc import Mapping

import matplotlib.pyplot as plt
from matplotlib.colors import ListedColormap
from torch import Tensor

__all__ = ["draw_projection_pixels"]


def draw_projection_pixels(masks: Mapping[str, Tensor]):
    """One panel per (title -> (H, W) bool mask): read pixels dark, ignored pixels pale."""
    if not masks:
        raise ValueError("masks={} must contain at least one (title -> mask) entry")
    for title, mask in masks.items():
        if not isinstance(mask, Tensor) or mask.dim() != 2:
            raise TypeError(f"masks[{title!r}] must be a 2-D bool tensor (from projection_pixels)")
    fig, axes = plt.subplots(1, len(masks), figsize=(3.2 * len(masks), 3.4), squeeze=False)
    cmap = ListedColormap(["#fde7c7", "#1e3a8a"])
    for ax, (title, mask) in zip(axes[0], masks.items()):
        h, w = mask.shape
        ax.imshow(mask.int().numpy(), cmap=cmap, vmin=0, vmax=1)
        ax.set_xticks([x - 0.5 for x in range(1, w)], minor=True)
        ax.set_yticks([y - 0.5 for y in range(1, h)], minor=True)
        ax.grid(which="minor", color="white", linewidth=1.5)
        ax.tick_params(which="both", length=0, labelbottom=False, labelleft=False)
        ax.set_title(f"{title}\nreads {int(mask.sum())} of {h * w} pixels", fontsize=9)
    fig.tight_layout()
    return fig
