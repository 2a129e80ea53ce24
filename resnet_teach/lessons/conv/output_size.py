"""Notebook 01: the output size of a conv / max-pool / avg-pool layer, explained step by step,
checked against a real PyTorch layer, and the window of every output position (for drawings).

Plain functions returning dataclasses; the widgets in ``resnet_teach.widgets.conv`` only wrap
them. Nothing here imports matplotlib or ipywidgets.
"""
from __future__ import annotations

import textwrap
from dataclasses import dataclass, field

import torch
from torch import nn

from ..._checks import check_bool, check_choice, check_int
from ...arithmetic import conv_output_size, pool_output_size
from ._common import first_line, quiet_torch

__all__ = ["LAYERS", "FORMULA", "CEIL_FORMULA", "DROPPED_FORMULA", "TorchAnswer", "OutputSizeExplanation",
           "explain_output_size", "torch_output_size", "Window", "WindowLayout", "window_positions"]

LAYERS = ("conv", "max pool", "avg pool")
FORMULA = "floor((n + 2p - d(k-1) - 1) / s) + 1"
CEIL_FORMULA = "ceil((n + 2p - d(k-1) - 1) / s) + 1"
# PyTorch's extra rule for ceil_mode pooling, spelled out where it applies
DROPPED_FORMULA = CEIL_FORMULA + " - 1  (- 1: the last window would start in the right padding)"


# --------------------------------------------------------------------------------------------
# Output size, explained step by step and checked against a real layer
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class TorchAnswer:
    """What a real PyTorch layer did with the same settings."""

    call: str  # the layer, as one would write it
    shape: tuple[int, ...] | None  # output shape on zeros(1, 1, n, n); None if refused
    error: str | None  # PyTorch's message when it refused

    @property
    def size(self) -> int | None:
        return None if self.shape is None else self.shape[-1]

    def __str__(self) -> str:
        return f"{self.call} -> {self.shape}" if self.error is None else f"{self.call} -> {self.error}"


def _check_layer_args(size: int, kernel_size: int, stride: int, padding: int, dilation: int,
                      layer: str, ceil_mode: bool) -> tuple:
    """The checked arguments, in the same order."""
    return (check_int("size", size, 1), check_int("kernel_size", kernel_size, 1), check_int("stride", stride, 1),
            check_int("padding", padding, 0), check_int("dilation", dilation, 1), check_choice("layer", layer, LAYERS),
            check_bool("ceil_mode", ceil_mode))


def _layer_call(kernel_size: int, stride: int, padding: int, dilation: int, layer: str,
                ceil_mode: bool) -> str:
    if layer == "conv":
        return (f"nn.Conv2d(1, 1, kernel_size={kernel_size}, stride={stride}, padding={padding}, "
                f"dilation={dilation})")
    if layer == "max pool":
        return (f"nn.MaxPool2d(kernel_size={kernel_size}, stride={stride}, padding={padding}, "
                f"dilation={dilation}, ceil_mode={ceil_mode})")
    extra = f", dilation={dilation}" if dilation != 1 else ""
    return f"nn.AvgPool2d(kernel_size={kernel_size}, stride={stride}, padding={padding}{extra}, ceil_mode={ceil_mode})"


def torch_output_size(size: int, kernel_size: int, stride: int = 1, padding: int = 0,
                      dilation: int = 1, layer: str = "conv", ceil_mode: bool = False) -> TorchAnswer:
    """Build the real layer, run it on ``zeros(1, 1, size, size)``, report the shape or the error.

    ``layer``: "conv" (nn.Conv2d), "max pool" (nn.MaxPool2d) or "avg pool" (nn.AvgPool2d, which
    has no ``dilation`` argument: asking for one is PyTorch's TypeError, reported as such).
    """
    size, kernel_size, stride, padding, dilation, layer, ceil_mode = _check_layer_args(
        size, kernel_size, stride, padding, dilation, layer, ceil_mode)
    call = _layer_call(kernel_size, stride, padding, dilation, layer, ceil_mode)
    try:
        with quiet_torch():
            if layer == "conv":
                module: nn.Module = nn.Conv2d(1, 1, kernel_size, stride, padding, dilation)
            elif layer == "max pool":
                module = nn.MaxPool2d(kernel_size, stride, padding, dilation, ceil_mode=ceil_mode)
            elif dilation != 1:
                module = nn.AvgPool2d(kernel_size, stride, padding, ceil_mode=ceil_mode, dilation=dilation)
            else:
                module = nn.AvgPool2d(kernel_size, stride, padding, ceil_mode=ceil_mode)
            shape = tuple(module(torch.zeros(1, 1, size, size)).shape)
    except (RuntimeError, ValueError, TypeError) as exc:
        return TorchAnswer(call, None, first_line(exc))
    return TorchAnswer(call, shape, None)


@dataclass(frozen=True)
class OutputSizeExplanation:
    """The output-size formula with the numbers filled in, its result, and PyTorch's answer."""

    layer: str
    size: int
    kernel_size: int
    stride: int
    padding: int
    dilation: int
    ceil_mode: bool
    formula: str  # the formula in letters
    steps: tuple[str, ...]  # the same formula with numbers, simplified one step at a time
    result: int  # what the formula gives (resnet_teach.conv_output_size / pool_output_size)
    torch: TorchAnswer  # what the real layer returned
    notes: tuple[str, ...] = field(default=())

    @property
    def filled(self) -> str:
        """``out = <numbers> = ... = result``: the whole calculation on one line."""
        return "out = " + " = ".join(self.steps)

    @property
    def agrees(self) -> bool:
        return self.torch.size == self.result

    def __str__(self) -> str:
        lines = [f"out = {self.formula}", self.filled,
                 f"PyTorch: {self.torch}" + ("  (agrees)" if self.agrees else "  (DISAGREES)")]
        return "\n".join(lines + [textwrap.fill(note, 100) for note in self.notes])


def explain_output_size(size: int, kernel_size: int, stride: int = 1, padding: int = 0,
                        dilation: int = 1, layer: str = "conv", ceil_mode: bool = False
                        ) -> OutputSizeExplanation:
    """Explain the output size of a conv / max-pool / avg-pool layer along one dimension.

    A combination that makes no sense (a window wider than the padded input, pooling padding
    over half the kernel, a dilated average pool) raises ``ValueError`` whose message says
    which rule broke and quotes PyTorch refusing the same settings.

    >>> explain_output_size(7, 3, stride=2, padding=1).filled
    'out = floor((7 + 2·1 - 1·(3-1) - 1) / 2) + 1 = floor(6 / 2) + 1 = 3 + 1 = 4'
    """
    size, kernel_size, stride, padding, dilation, layer, ceil_mode = _check_layer_args(
        size, kernel_size, stride, padding, dilation, layer, ceil_mode)
    n, k, s, p, d = size, kernel_size, stride, padding, dilation
    answer = torch_output_size(n, k, s, p, d, layer, ceil_mode)
    try:
        if layer == "avg pool" and d != 1:
            raise ValueError(f"dilation={d}: nn.AvgPool2d has no dilation argument (only max "
                             f"pooling can be dilated); set d=1")
        if layer == "conv":
            result = conv_output_size(n, k, s, p, d)
        else:
            result = pool_output_size(n, k, s, p, d, ceil_mode)
    except ValueError as exc:
        said = (f"PyTorch refuses too: {answer.error}" if answer.error is not None
                else f"(PyTorch returned {answer.shape})")
        raise ValueError(f"{exc}. {said}") from None

    use_ceil = ceil_mode and layer != "conv"
    numerator = n + 2 * p - d * (k - 1) - 1
    rounded = -(-numerator // s) if use_ceil else numerator // s
    name = "ceil" if use_ceil else "floor"
    dropped = use_ceil and rounded + 1 != result
    # every step equals the result (each "=" in `filled` is true), so the dropped window's
    # "- 1" is written into every step rather than tacked on at the end
    minus = " - 1" if dropped else ""
    steps = [f"{name}(({n} + 2·{p} - {d}·({k}-1) - 1) / {s}) + 1{minus}",
             f"{name}({numerator} / {s}) + 1{minus}",
             f"{rounded} + 1{minus}",
             str(result)]
    notes: list[str] = []
    if dropped:
        start = rounded * s - p
        notes.append(f"The - 1: rounding up gives {rounded + 1} windows, but the last one would start "
                     f"at input position {rounded}·{s} - {p} = {start}, past the last real pixel "
                     f"({n - 1}): it would see only padding, so PyTorch drops it.")
    if ceil_mode and layer == "conv":
        notes.append("ceil_mode is an option of the pooling layers; nn.Conv2d always rounds down.")
    leftover = numerator % s
    if not use_ceil and leftover:
        notes.append(f"Rounding down: the last {leftover} position(s) of the padded input are never "
                     f"covered by a window.")
    if use_ceil and numerator % s and rounded + 1 == result:
        notes.append("ceil_mode=True keeps a last, partial window that hangs over the end.")
    empty = sum(1 for i in range(result) if not any(0 <= i * s - p + j * d < n for j in range(k)))
    if empty:
        # a conv sees zeros there; a dilated max pool can step over every real pixel
        what = "their outputs are just the bias" if layer == "conv" else "max pooling returns -inf there"
        notes.append(f"{empty} window position(s) see only padding: {what}.")
    formula = DROPPED_FORMULA if dropped else CEIL_FORMULA if use_ceil else FORMULA
    return OutputSizeExplanation(layer, n, k, s, p, d, ceil_mode, formula, tuple(steps), result,
                                 answer, tuple(notes))


# --------------------------------------------------------------------------------------------
# Where the windows are (for the drawings)
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Window:
    """One output position and the input positions its kernel reads (0 = first real pixel)."""

    index: int
    taps: tuple[int, ...]

    @property
    def start(self) -> int:
        return self.taps[0]


@dataclass(frozen=True)
class WindowLayout:
    """All windows along one dimension; square 2-D layers use the same layout for rows and columns.

    Positions are in input coordinates: ``-padding .. -1`` is the left padding, ``size ..`` the
    right padding, and (pooling with ceil_mode only) positions past the padding are "beyond".
    """

    size: int
    padding: int
    windows: tuple[Window, ...]

    @property
    def output_size(self) -> int:
        return len(self.windows)

    @property
    def first(self) -> int:
        """First position a drawing shows."""
        return -self.padding

    @property
    def end(self) -> int:
        """One past the last position a drawing shows."""
        return max(self.size + self.padding, self.windows[-1].taps[-1] + 1)

    def kind(self, position: int) -> str:
        """"input", "padding" or "beyond" (past the padding: only a ceil_mode pooling window)."""
        if 0 <= position < self.size:
            return "input"
        if -self.padding <= position < self.size + self.padding:
            return "padding"
        return "beyond"

    def taps_2d(self, row: int, col: int) -> list[tuple[int, int]]:
        """(row, column) input positions read by output (row, col) of the square 2-D layer."""
        return [(r, c) for r in self.windows[row].taps for c in self.windows[col].taps]


def window_positions(size: int, kernel_size: int, stride: int = 1, padding: int = 0,
                     dilation: int = 1, layer: str = "conv", ceil_mode: bool = False) -> WindowLayout:
    """The window of every output position: output i reads ``i·s - p + j·d`` for j in 0..k-1.

    Raises the same readable ``ValueError`` as :func:`explain_output_size` when the
    combination makes no sense.
    """
    size, kernel_size, stride, padding, dilation, layer, ceil_mode = _check_layer_args(
        size, kernel_size, stride, padding, dilation, layer, ceil_mode)
    if layer == "avg pool" and dilation != 1:
        raise ValueError(f"dilation={dilation}: nn.AvgPool2d has no dilation argument; set d=1")
    if layer == "conv":
        out = conv_output_size(size, kernel_size, stride, padding, dilation)
    else:
        out = pool_output_size(size, kernel_size, stride, padding, dilation, ceil_mode)
    windows = tuple(Window(i, tuple(i * stride - padding + j * dilation for j in range(kernel_size)))
                    for i in range(out))
    return WindowLayout(size, padding, windows)
