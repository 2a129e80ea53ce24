"""Notebook 01's line plot: the receptive field after each layer, one line per stack."""
from __future__ import annotations

from collections.abc import Mapping, Sequence

from matplotlib.figure import Figure

__all__ = ["draw_receptive_fields"]


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
