"""Drawings for notebook 01: kernel windows on the padded grid, padding modes.

Every picture here is a grid of coloured cells, so it is painted directly as pixels (numpy +
Pillow, which matplotlib itself depends on) instead of through matplotlib's artists: a widget
redraw then takes a few milliseconds, not a few hundred. The functions return a ``Drawing``,
which a notebook shows as PNG (end the cell with it) and a widget puts into an
``ipywidgets.Image``. The groups drawing, ``draw_groups``, lives in
``resnet_teach.plots.conv_groups``; the one line plot, ``draw_receptive_fields``, is matplotlib's
(``resnet_teach.plots.receptive_field``).
"""
from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np
from matplotlib import colormaps
from matplotlib.colors import to_rgb
from PIL import Image, ImageDraw, ImageFont

if TYPE_CHECKING:  # only for the type hints
    from ..lessons.conv import PaddedInput, WindowLayout

__all__ = ["Drawing", "Panel", "render", "draw_windows", "draw_padding", "COLORS"]

COLORS = {
    "input": "#cfe2f3",  # a real input pixel
    "padding": "#ffffff",  # padding
    "beyond": "#f4cccc",  # past the padding: only a ceil_mode pooling window reaches here
    "tap": "#e69138",  # a kernel tap on a real pixel
    "tap padding": "#f9cb9c",  # a kernel tap on padding
    "tap beyond": "#cc4125",  # a tap past the padding (ceil_mode pooling): there is no value there
    "first": "#e69138",  # the first window (2-D)
    "last": "#8e7cc3",  # the last window (2-D)
    "both": "#a64d79",  # a tap shared by the first and the last window
    "first padding": "#f9cb9c",  # the same three, lighter where the tap falls on padding
    "last padding": "#d9d2e9",
    "both padding": "#d5a6bd",
    "output": "#d9ead3",
    "edge": "#cc0000",  # outline of the original input
    "line": "#9a9a9a",  # cell borders
    "text": "#202020",
}
_RGB = {name: np.array(to_rgb(c)) for name, c in COLORS.items()}


def _font(size: int) -> ImageFont.ImageFont:
    try:
        return ImageFont.load_default(size=size)  # a scalable font (Pillow >= 10.1)
    except TypeError:  # older Pillow: the small bitmap font
        return ImageFont.load_default()


_FONT = _font(12)
_LINE = 15  # pixels per line of text


@dataclass(frozen=True)
class Drawing:
    """A rendered picture; shows itself as PNG in a notebook."""

    image: Image.Image

    def png(self) -> bytes:
        buffer = io.BytesIO()
        self.image.save(buffer, format="png", compress_level=1)  # speed over a few bytes
        return buffer.getvalue()

    def _repr_png_(self) -> bytes:
        return self.png()

    @property
    def size(self) -> tuple[int, int]:
        return self.image.size

    def __repr__(self) -> str:
        return f"Drawing({self.image.size[0]}x{self.image.size[1]} px)"


@dataclass
class Panel:
    """A grid of coloured cells with optional labels, texts, dots and outline."""

    colors: np.ndarray  # (rows, cols, 3) floats in [0, 1]
    title: str = ""  # may hold several lines
    cell: int = 16  # pixels per cell
    lines: bool = True  # draw cell borders
    texts: dict[tuple[int, int], str] = field(default_factory=dict)  # (row, col) -> text
    dots: Sequence[tuple[int, int]] = ()  # (row, col) cells that get a black dot
    outline: tuple[int, int, int, int] | None = None  # (row, col, rows, cols), red
    col_labels: Sequence[tuple[int, str]] = ()  # above the grid
    row_labels: Sequence[tuple[int, str]] = ()  # left of the grid

    def pixels(self) -> np.ndarray:
        """The grid as (H, W, 3) uint8, one ``cell`` x ``cell`` block per cell plus borders."""
        rows, cols = self.colors.shape[:2]
        c = self.cell
        image = np.repeat(np.repeat((self.colors * 255).round().astype(np.uint8), c, 0), c, 1)
        if self.lines and c >= 4:
            line = (_RGB["line"] * 255).astype(np.uint8)
            image = np.pad(image, ((0, 1), (0, 1), (0, 0)))
            image[::c, :] = line
            image[:, ::c] = line
        if self.dots:  # a small black square near each marked cell's top-left corner
            dot = max(2, c // 4)
            rows_, cols_ = np.array(self.dots).T
            for dy in range(dot):
                for dx in range(dot):
                    image[rows_ * c + 3 + dy, cols_ * c + 3 + dx] = 0
        return image


@lru_cache(maxsize=512)
def _text_mask(text: str) -> Image.Image:
    """The text rendered once as an 8-bit mask; pasting a cached mask is much faster than
    drawing the glyphs again at every widget update."""
    lines = text.split("\n")
    probe = ImageDraw.Draw(Image.new("L", (1, 1)))
    width = max(int(probe.textlength(line, font=_FONT)) for line in lines) + 2
    mask = Image.new("L", (width, _LINE * len(lines)), 0)
    draw = ImageDraw.Draw(mask)
    for i, line in enumerate(lines):
        draw.text((0, i * _LINE), line, fill=255, font=_FONT)
    return mask


def _text_size(text: str) -> tuple[int, int]:
    return _text_mask(text).size


def _put_text(canvas: Image.Image, xy: tuple[float, float], text: str, color: str = COLORS["text"]) -> None:
    mask = _text_mask(text)
    canvas.paste(color, (int(round(xy[0])), int(round(xy[1])), int(round(xy[0])) + mask.width,
                         int(round(xy[1])) + mask.height), mask)


def render(panels: Sequence[Panel], caption: str = "", gap: int = 28) -> Drawing:
    """Place panels side by side (titles above, labels around) on a white canvas."""
    if not panels:
        raise ValueError("panels=[] must hold at least one Panel")
    grids = [p.pixels() for p in panels]
    lefts = [max((_text_size(t)[0] for _, t in p.row_labels), default=0) + (6 if p.row_labels else 0)
             for p in panels]
    top = max(_text_size(p.title)[1] if p.title else 0 for p in panels) + 6
    top += _LINE if any(p.col_labels for p in panels) else 0
    widths = [max(left + g.shape[1], _text_size(p.title)[0] if p.title else 0)
              for left, g, p in zip(lefts, grids, panels)]
    height = top + max(g.shape[0] for g in grids) + (_LINE + 8 if caption else 6)
    width = max(sum(widths) + gap * (len(panels) - 1) + 12, _text_size(caption)[0] + 12 if caption else 0)
    canvas = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(canvas)
    x = 6
    for panel, grid, left, w in zip(panels, grids, lefts, widths):
        gx, gy, c = x + left, top, panel.cell
        canvas.paste(Image.fromarray(grid), (gx, gy))
        if panel.title:
            _put_text(canvas, (gx, 3), panel.title)
        for col, text in panel.col_labels:
            _put_text(canvas, (gx + col * c + (c - _text_size(text)[0]) / 2, top - _LINE - 1), text)
        for row, text in panel.row_labels:
            tw, th = _text_size(text)
            _put_text(canvas, (gx - tw - 4, gy + row * c + (c - th) / 2), text)
        for (row, col), text in panel.texts.items():
            tw, th = _text_size(text)
            r, g, b = panel.colors[row, col]
            dark = 0.299 * r + 0.587 * g + 0.114 * b < 0.5
            _put_text(canvas, (gx + col * c + (c - tw) / 2, gy + row * c + (c - th) / 2 + 1), text,
                      "white" if dark else COLORS["text"])
        if panel.outline is not None:
            row, col, rows, cols = panel.outline
            draw.rectangle((gx + col * c, gy + row * c, gx + (col + cols) * c, gy + (row + rows) * c),
                           outline=COLORS["edge"], width=2)
        x += w + gap
    if caption:
        _put_text(canvas, (6, height - _LINE - 4), caption)
    return Drawing(canvas)


def _cell_size(cells: int, room: int = 360, low: int = 8, high: int = 24) -> int:
    return int(min(high, max(low, room // max(cells, 1))))


def _position_labels(first: int, end: int) -> list[tuple[int, str]]:
    """Label input positions (column index -> text); with many cells only every few."""
    step = 1 if end - first <= 20 else (2 if end - first <= 36 else 5)
    return [(p - first, str(p)) for p in range(first, end) if p % step == 0]


def draw_windows(layout: WindowLayout, view: str = "2-D") -> Drawing:
    """The kernel windows over the padded input, in the style of the convolution-arithmetic figures.

    "1-D": one row per output position, its kernel taps coloured (dark on real pixels, light
    on padding). "2-D": the padded square input with the first window (orange) and the last
    window (purple), a dot where each window starts, and the output grid beside it.
    """
    if view not in ("1-D", "2-D"):
        raise ValueError(f"view={view!r} must be '1-D' or '2-D'")
    first, end, out = layout.first, layout.end, layout.output_size
    width = end - first
    base = np.array([_RGB[layout.kind(p)] for p in range(first, end)])  # (W, 3)
    labels = _position_labels(first, end)
    beyond = " · pink: past the padding" if end > layout.size + layout.padding else ""
    if view == "1-D":
        cell = _cell_size(max(width, out), room=440, high=24)
        image = np.repeat(base[None], out, axis=0)  # (out, W, 3)
        tap_kind = {"input": "tap", "padding": "tap padding", "beyond": "tap beyond"}
        seen = set()
        for w in layout.windows:
            for t in w.taps:
                seen.add(layout.kind(t))
                image[w.index, t - first] = _RGB[tap_kind[layout.kind(t)]]
        step = 1 if out <= 16 else 5
        grid = Panel(image, f"{out} windows, one per row", cell, col_labels=labels,
                     row_labels=[(i, f"out {i}") for i in range(0, out, step)],
                     outline=(0, -first, out, layout.size))
        output = Panel(np.tile(_RGB["output"], (out, 1, 1)), "output", cell,
                       texts={(i, 0): str(i) for i in range(out)} if cell >= 14 else {})
        parts = ["orange: taps on input"]
        if "padding" in seen:
            parts.append("light orange: taps on padding")
        if "beyond" in seen:
            parts.append("dark red: taps past the end (no value there, ignored)")
        return render([grid, output], caption=" · ".join(parts + ["red box: the input"]) + beyond)
    cell = _cell_size(width, room=420, high=28)
    kinds = [layout.kind(p) for p in range(first, end)]
    image = np.empty((width, width, 3))
    for r, kr in enumerate(kinds):
        for c, kc in enumerate(kinds):
            image[r, c] = _RGB["beyond" if "beyond" in (kr, kc) else
                               ("input" if kr == kc == "input" else "padding")]
    first_taps = set(layout.taps_2d(0, 0))
    last_taps = set(layout.taps_2d(out - 1, out - 1))
    for r, c in first_taps | last_taps:
        name = ("both" if out > 1 and (r, c) in first_taps and (r, c) in last_taps else
                "first" if (r, c) in first_taps else "last")
        on_input = layout.kind(r) == layout.kind(c) == "input"
        if "beyond" in (layout.kind(r), layout.kind(c)):
            image[r - first, c - first] = _RGB["tap beyond"]
        else:
            image[r - first, c - first] = _RGB[name if on_input else f"{name} padding"]
    starts = [w.start - first for w in layout.windows]
    grid = Panel(image, f"input {layout.size}x{layout.size}, padding {layout.padding}", cell,
                 dots=[(r, c) for r in starts for c in starts], col_labels=labels, row_labels=labels,
                 outline=(-first, -first, layout.size, layout.size))
    out_image = np.tile(_RGB["output"], (out, out, 1))
    out_image[out - 1, out - 1] = _RGB["last"]
    out_image[0, 0] = _RGB["first"]
    output = Panel(out_image, f"output {out}x{out}", _cell_size(out, room=200, high=cell))
    caption = "orange: first window · purple: last window (lighter on padding) · dot: where a window starts"
    if beyond:
        caption += " · dark red: taps past the end"
    return render([grid, output], caption=caption + beyond)


def draw_padding(results: Sequence[PaddedInput], photo: bool = False,
                 numbers: bool | None = None, cell: int | None = None) -> Drawing:
    """One panel per padded input; the red box marks where the original input sits.

    ``photo``: a gray image in [0, 1], shown in gray without cell borders; otherwise values are
    coloured (viridis, 0 darkest) and written in the cells when there is room (``numbers``).
    """
    if not results:
        raise ValueError("results=[] must hold at least one PaddedInput")
    panels = []
    for res in results:
        values = res.padded[0, 0].detach().numpy()
        size = max(values.shape)
        if photo:
            colors = np.repeat(np.clip(values, 0, 1)[..., None], 3, axis=2)
            c = cell or max(1, min(3, 400 // size))
            texts: dict[tuple[int, int], str] = {}
        else:
            high = float(res.original.max()) or 1.0
            colors = colormaps["viridis"](np.clip(values / high, 0, 1))[..., :3]
            c = cell or _cell_size(size, room=220, low=6, high=26)
            show = numbers if numbers is not None else c >= 18
            texts = {(r, k): f"{v:g}" for (r, k), v in np.ndenumerate(values)} if show else {}
        h, w = res.original.shape[-2:]
        panels.append(Panel(colors, f"{res.mode}, pad {res.pad}", c, lines=not photo, texts=texts,
                            outline=(res.pad, res.pad, h, w)))
    return render(panels, gap=16)
