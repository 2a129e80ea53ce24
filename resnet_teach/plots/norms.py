"""Which values share one mean and variance in each norm (after Wu & He 2018, Figure 2).

A grid per norm: rows are the samples of the batch, columns the channels; each cell stands
for one channel's H x W map. Cells of one colour are normalized together.
"""
from __future__ import annotations

import numpy as np
from matplotlib import colormaps

from ..lessons.norms import NORMS, statistics_groups
from .conv import Drawing, Panel, render

__all__ = ["draw_norm_axes"]


def draw_norm_axes(batch: int = 4, channels: int = 6, groups: int = 2, cell: int = 22) -> Drawing:
    """Four panels, BatchNorm, LayerNorm, InstanceNorm, GroupNorm (``groups`` groups)."""
    palette = colormaps["tab20"].colors
    panels = []
    for name, (axes, _) in NORMS.items():
        ids = statistics_groups(name, batch, channels, groups).numpy()
        colors = np.array([[palette[(2 * i) % 20 if i < 10 else (2 * i + 1) % 20] for i in row] for row in ids])
        title = f"{name}{f' (G={groups})' if name == 'GroupNorm' else ''}\nover {axes}"
        panels.append(Panel(colors, title, cell,
                            col_labels=[(c, f"c{c}") for c in range(channels)],
                            row_labels=[(n, f"n{n}") for n in range(batch)]))
    return render(panels, caption="rows: samples n; columns: channels c; each cell: one channel's "
                                  "H x W map; one colour = one mean and variance")
