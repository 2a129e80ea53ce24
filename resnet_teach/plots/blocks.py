"""Residual blocks drawn from their traces: the branch F(x) on the left, the shortcut on the
right, the addition, the last ReLU, and the traced shape after every step."""
from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt

from ..diagram import BlockDiagram, Step

__all__ = ["draw_blocks"]

BRANCH_COLOR, SHORTCUT_COLOR, IO_COLOR = "#dbeafe", "#fde7c7", "#eeeeee"


def _groups(steps: Sequence[Step]) -> list[tuple[str, tuple[int, ...]]]:
    """Merge each conv with the BN/ReLU after it: ("3x3 conv, 64→64 + BN + ReLU", shape)."""
    groups: list[tuple[list[str], tuple[int, ...]]] = []
    for s in steps:
        if "conv" in s.label or s.label.startswith("zero-pad") or not groups:
            groups.append(([s.label], s.output_shape))
        else:
            groups[-1][0].append(s.label.split("(")[0])  # "BN(64)" -> "BN"
            groups[-1] = (groups[-1][0], s.output_shape)
    return [(parts[0] + ("\n+ " + " + ".join(parts[1:]) if parts[1:] else ""), shape)
            for parts, shape in groups]


def _box(ax, x: float, y: float, text: str, color: str) -> None:
    ax.text(x, y, text, ha="center", va="center", fontsize=8.5, zorder=3,
            bbox=dict(boxstyle="round,pad=0.45", fc=color, ec="#555555"))


def _arrow(ax, start: tuple[float, float], end: tuple[float, float],
           shrink_start: float = 24, shrink_end: float = 24) -> None:
    """An arrow between two box centres, shortened (in points) so it stops at the boxes' edges."""
    ax.annotate("", xy=end, xytext=start, zorder=2,
                arrowprops=dict(arrowstyle="-|>", color="#555555", shrinkA=shrink_start,
                                shrinkB=shrink_end))


def _shape(shape: tuple[int, ...]) -> str:
    return "(" + ", ".join(map(str, shape)) + ")"


def _draw(ax, diagram: BlockDiagram, title: str) -> None:
    branch = _groups(diagram.main)
    y_in, y_add = 0.0, -(len(branch) + 1.0)
    x_main, x_short = 0.0, 2.6
    _box(ax, x_main, y_in, f"x  {_shape(diagram.input_shape)}", IO_COLOR)
    previous = (x_main, y_in)
    for i, (label, shape) in enumerate(branch, start=1):
        _box(ax, x_main, -i, f"{label}\n→ {_shape(shape)}", BRANCH_COLOR)
        _arrow(ax, previous, (x_main, -i), 12 if i == 1 else 24)
        previous = (x_main, -i)
    # the addition, then the last ReLU and the output
    ax.text(x_main, y_add, "+", ha="center", va="center", fontsize=14, zorder=3,
            bbox=dict(boxstyle="circle,pad=0.2", fc="white", ec="#555555"))
    _arrow(ax, previous, (x_main, y_add), 24, 12)
    _box(ax, x_main, y_add - 1, f"ReLU\n→ {_shape(diagram.output_shape)}", IO_COLOR)
    _arrow(ax, (x_main, y_add), (x_main, y_add - 1), 12, 18)
    # the shortcut: right from x, down, back left into the addition
    ax.plot([x_main, x_short, x_short], [y_in, y_in, y_add], color="#555555", zorder=1)
    _arrow(ax, (x_short, y_add), (x_main, y_add), 0, 12)
    if diagram.shortcut:
        text = "\n".join(label for label, _ in _groups(diagram.shortcut))
        text += f"\n→ {_shape(diagram.shortcut[-1].output_shape)}"
    else:
        text = "identity\n(x itself)"
    _box(ax, x_short, (y_in + y_add) / 2, text, SHORTCUT_COLOR)
    ax.text(x_short, y_in + 0.35, "shortcut", ha="center", fontsize=8, color="#7c2d12")
    ax.text(x_main - 1.45, -1, "F(x)", ha="center", fontsize=10, color="#1e3a8a", rotation=90)
    ax.set_title(title, fontsize=10)
    ax.set_xlim(-1.7, 3.9)
    ax.set_ylim(y_add - 1.6, y_in + 0.7)
    ax.axis("off")


def draw_blocks(diagrams: Sequence[BlockDiagram], titles: Sequence[str] | None = None):
    """Draw each traced block side by side; returns the figure."""
    diagrams = list(diagrams)
    if not diagrams:
        raise ValueError("diagrams=[] must contain at least one BlockDiagram")
    for i, d in enumerate(diagrams):
        if not isinstance(d, BlockDiagram):
            raise TypeError(f"diagrams[{i}] must be a BlockDiagram (from block_diagram), "
                            f"got {type(d).__name__}")
    if titles is None:
        titles = [f"{d.kind}: {d.block_name}, {d.params:,} parameters" for d in diagrams]
    if len(titles) != len(diagrams):
        raise ValueError(f"titles has {len(titles)} entries, diagrams has {len(diagrams)}")
    rows = max(len(_groups(d.main)) for d in diagrams) + 3
    fig, axes = plt.subplots(1, len(diagrams), figsize=(5.0 * len(diagrams), 1.15 * rows + 0.6),
                             squeeze=False)
    for ax, d, t in zip(axes[0], diagrams, titles):
        _draw(ax, d, t)
    fig.tight_layout()
    return fig
