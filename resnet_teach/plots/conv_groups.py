"""Drawings of grouped convolutions and of the receptive field (notebook 01)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from matplotlib.figure import Figure

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
from matplotlib import colormaps

if TYPE_CHECKING:  # only for the type hints

    from ..lessons.conv import GroupsFacts
from .conv import Drawing, Panel, _cell_size, render


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


def draw_receptive_fields(fields: Mapping[str, Sequence[int]]) -> Figure:
    """Receptive field after each layer, one line per stack (matplotlib; end the cell with plt.show())."""
    import matplotlib.pyplot as plt

    if not fields:
        raise ValueError("fields={} must name at least one stack")
    fig, ax = plt.subplots(figsize=(6.0, 3.2))
    styles = [("o", "-"), ("s", "--"), ("^", ":"), ("d", "-.")]
    drawn: dict[tuple[int, ...], str] = {}
    for i, (name, values) in enumerate(fields.items()):
        key = tuple(values)
        if key in drawn:  # the same numbers: one line, both names in the legend
            ax.plot([], [], " ", label=f"{name}: the same values as {drawn[key]}")
            continue
        drawn[key] = name
        marker, line = styles[i % len(styles)]
        ax.plot(range(1, len(values) + 1), values, marker=marker, linestyle=line, label=name)
    ax.set_xlabel("number of layers")
    ax.set_ylabel("receptive field (pixels)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig
