"""Which input channels feed which output channels: the drawing of grouped convolutions (notebook 01)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
from matplotlib import colormaps

from .conv import Drawing, Panel, _cell_size, render

if TYPE_CHECKING:  # only for the type hints
    from ..lessons.conv import GroupsFacts


def draw_groups(facts: Sequence[GroupsFacts]) -> Drawing:
    """Which input channels feed which output channels, one panel per convolution.

    A coloured cell (row = output channel, column = input channel) is one k x k slice of the
    weight; each colour is one group. Dense fills the square; depthwise is a diagonal.
    """
    if not facts:
        raise ValueError("facts=[] must hold at least one GroupsFacts")
    tab10 = colormaps["tab10"]
    panels = []
    for f in facts:
        rows = np.arange(f.out_channels)[:, None] // f.out_per_group  # group of each output channel
        cols = np.arange(f.in_channels)[None, :] // f.in_per_group  # group of each input channel
        colors = np.ones((f.out_channels, f.in_channels, 3))
        palette = np.array([tab10(g % 10)[:3] for g in range(f.groups)])
        same = rows == cols  # (out, in): connected
        colors[same] = palette[np.broadcast_to(rows, same.shape)[same]]
        c = _cell_size(max(f.in_channels, f.out_channels), room=170, low=2, high=14)
        panels.append(Panel(colors, f"groups={f.groups} ({f.kind})\nweight {list(f.weight_shape)}",
                            c, lines=c >= 6))
    return render(panels, caption="row: output channel · column: input channel · colour: group",
                  gap=20)
