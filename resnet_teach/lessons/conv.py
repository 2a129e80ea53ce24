"""Notebook 01: convolution arithmetic (output size, padding, padding modes, dilation, groups).

Plain functions returning dataclasses; the widgets in ``resnet_teach.widgets.conv`` only wrap
them. Where a formula gives the answer, a real PyTorch layer gives it too (the output size beside
``nn.Conv2d``/``nn.MaxPool2d``/``nn.AvgPool2d``, padding beside ``F.pad`` and ``nn.Conv2d``'s
padding_mode, parameters beside ``nn.Conv2d(groups=...)``), so a student and the tests see the
two agree. Nothing here imports matplotlib or ipywidgets.
"""
from __future__ import annotations

import math
import textwrap
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Iterator, List, Optional, Sequence, Tuple

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from .._checks import check_choice, check_int
from ..arithmetic import conv_output_size, pool_output_size, receptive_field, same_padding
from ..data import sample_photo
from ..exercises import Feedback, compare
from ..scratch import PADDING_MODES, scratch_pad
from ..trace import count_macs, count_parameters
from ..train import fixed_threads

__all__ = [
    "LAYERS", "TorchAnswer", "OutputSizeExplanation", "explain_output_size", "torch_output_size",
    "Window", "WindowLayout", "window_positions",
    "PaddedInput", "matrix_1_to_16", "small_photo", "pad_with_mode", "torch_pad_mode",
    "GroupsFacts", "groups_facts", "groups_table", "divisors",
    "measured_receptive_field",
    "check_stem_sizes", "check_ceil_mode_pool", "check_tf_same_padding",
    "check_dilated_receptive_field", "check_groups_parameters", "check_maxpool_padding",
]

LAYERS = ("conv", "max pool", "avg pool")
FORMULA = "floor((n + 2p - d(k-1) - 1) / s) + 1"
CEIL_FORMULA = "ceil((n + 2p - d(k-1) - 1) / s) + 1"
# PyTorch's extra rule for ceil_mode pooling, spelled out where it applies
DROPPED_FORMULA = CEIL_FORMULA + " - 1  (- 1: the last window would start in the right padding)"


@contextmanager
def _quiet_torch() -> Iterator[None]:
    """No autograd, one thread (tiny tensors: extra threads only cost time), and the caller's
    random stream left as it was (building a layer draws its initial weights)."""
    with torch.no_grad(), fixed_threads(1), torch.random.fork_rng(devices=[]):
        yield


def _first_line(exc: BaseException) -> str:
    """PyTorch's own words, without the C++ stack some of its errors carry."""
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}".strip()


# --------------------------------------------------------------------------------------------
# Output size, explained step by step and checked against a real layer
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class TorchAnswer:
    """What a real PyTorch layer did with the same settings."""

    call: str  # the layer, as one would write it
    shape: Optional[Tuple[int, ...]]  # output shape on zeros(1, 1, n, n); None if refused
    error: Optional[str]  # PyTorch's message when it refused

    @property
    def size(self) -> Optional[int]:
        return None if self.shape is None else self.shape[-1]

    def __str__(self) -> str:
        return f"{self.call} -> {self.shape}" if self.error is None else f"{self.call} -> {self.error}"


def _check_layer_args(size: int, kernel_size: int, stride: int, padding: int, dilation: int,
                      layer: str, ceil_mode: bool) -> None:
    check_int("size", size, 1)
    check_int("kernel_size", kernel_size, 1)
    check_int("stride", stride, 1)
    check_int("padding", padding, 0)
    check_int("dilation", dilation, 1)
    check_choice("layer", layer, LAYERS)
    if not isinstance(ceil_mode, bool):
        raise TypeError(f"ceil_mode={ceil_mode!r} must be a bool")


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
    _check_layer_args(size, kernel_size, stride, padding, dilation, layer, ceil_mode)
    call = _layer_call(kernel_size, stride, padding, dilation, layer, ceil_mode)
    try:
        with _quiet_torch():
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
        return TorchAnswer(call, None, _first_line(exc))
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
    steps: Tuple[str, ...]  # the same formula with numbers, simplified one step at a time
    result: int  # what the formula gives (resnet_teach.conv_output_size / pool_output_size)
    torch: TorchAnswer  # what the real layer returned
    notes: Tuple[str, ...] = field(default=())

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
    _check_layer_args(size, kernel_size, stride, padding, dilation, layer, ceil_mode)
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
    notes: List[str] = []
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
    taps: Tuple[int, ...]

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
    windows: Tuple[Window, ...]

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

    def taps_2d(self, row: int, col: int) -> List[Tuple[int, int]]:
        """(row, column) input positions read by output (row, col) of the square 2-D layer."""
        return [(r, c) for r in self.windows[row].taps for c in self.windows[col].taps]


def window_positions(size: int, kernel_size: int, stride: int = 1, padding: int = 0,
                     dilation: int = 1, layer: str = "conv", ceil_mode: bool = False) -> WindowLayout:
    """The window of every output position: output i reads ``i·s - p + j·d`` for j in 0..k-1.

    Raises the same readable ``ValueError`` as :func:`explain_output_size` when the
    combination makes no sense.
    """
    _check_layer_args(size, kernel_size, stride, padding, dilation, layer, ceil_mode)
    if layer == "avg pool" and dilation != 1:
        raise ValueError(f"dilation={dilation}: nn.AvgPool2d has no dilation argument; set d=1")
    if layer == "conv":
        out = conv_output_size(size, kernel_size, stride, padding, dilation)
    else:
        out = pool_output_size(size, kernel_size, stride, padding, dilation, ceil_mode)
    windows = tuple(Window(i, tuple(i * stride - padding + j * dilation for j in range(kernel_size)))
                    for i in range(out))
    return WindowLayout(size, padding, windows)


# --------------------------------------------------------------------------------------------
# Padding modes
# --------------------------------------------------------------------------------------------

def matrix_1_to_16() -> Tensor:
    """The 4x4 matrix 1..16 as a (1, 1, 4, 4) float tensor: every border value is different."""
    return torch.arange(1.0, 17.0).view(1, 1, 4, 4)


@lru_cache(maxsize=1)
def _small_photo() -> Tensor:
    with fixed_threads(1):
        return sample_photo(gray=True, size=48)


def small_photo() -> Tensor:
    """scikit-learn's china.jpg in gray, 48 pixels high: (1, 1, 48, 72) in [0, 1]."""
    return _small_photo().clone()


@dataclass(frozen=True)
class PaddedInput:
    """One input padded with one mode, by F.pad, and whether the other two routes agree."""

    mode: str  # nn.Conv2d's name for it: zeros, reflect, replicate, circular
    pad: int
    original: Tensor  # (1, C, H, W)
    padded: Tensor  # (1, C, H + 2 pad, W + 2 pad), from F.pad
    call: str  # the F.pad call that made it
    scratch_matches: bool  # resnet_teach.scratch_pad gives the same tensor
    conv_matches: bool  # an identity 1x1 nn.Conv2d(padding=pad, padding_mode=mode) gives the same


def torch_pad_mode(mode: str) -> str:
    """F.pad's name for a padding mode: nn.Conv2d says "zeros", F.pad says "constant"."""
    check_choice("mode", mode, PADDING_MODES)
    return "constant" if mode == "zeros" else mode


def _identity_conv(channels: int, pad: int, mode: str) -> nn.Conv2d:
    """A 1x1 convolution that copies its input: its output is exactly the padded input."""
    conv = nn.Conv2d(channels, channels, 1, padding=pad, padding_mode=mode, groups=channels, bias=False)
    with torch.no_grad():
        conv.weight.fill_(1.0)
    return conv


def pad_with_mode(x: Tensor, pad: int, mode: str) -> PaddedInput:
    """Pad all four sides of ``x`` (N, C, H, W) by ``pad`` with ``mode``, three ways.

    A pad the mode cannot do (reflect needs pad < size, circular pad <= size) raises a
    ``ValueError`` that quotes PyTorch's refusal beside ours.
    """
    if not isinstance(x, Tensor):
        raise TypeError(f"x must be a torch.Tensor, got {type(x).__name__}")
    if x.dim() != 4:
        raise ValueError(f"x.shape={tuple(x.shape)} must be (N, C, H, W)")
    check_int("pad", pad, 0)
    torch_mode = torch_pad_mode(mode)
    call = (f"F.pad(x, ({pad}, {pad}, {pad}, {pad}))" if torch_mode == "constant"
            else f"F.pad(x, ({pad}, {pad}, {pad}, {pad}), mode={torch_mode!r})")
    with _quiet_torch():
        try:
            ours = scratch_pad(x, pad, mode)
        except ValueError as exc:
            try:
                F.pad(x, (pad,) * 4, mode=torch_mode)
                said = "(yet PyTorch accepted it)"
            except (RuntimeError, ValueError, NotImplementedError) as torch_exc:
                said = f"PyTorch refuses too: {_first_line(torch_exc)}"
            raise ValueError(f"{exc}. {said}") from None
        padded = F.pad(x, (pad,) * 4, mode=torch_mode)
        via_conv = _identity_conv(x.shape[1], pad, mode)(x)
    return PaddedInput(mode, pad, x, padded, call, bool(torch.equal(ours, padded)),
                       bool(torch.equal(via_conv, padded)))


# --------------------------------------------------------------------------------------------
# Groups: from dense to depthwise
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class GroupsFacts:
    """Weight shape, parameters and multiply-adds of one (grouped) nn.Conv2d, read from PyTorch."""

    in_channels: int
    out_channels: int
    groups: int
    kernel_size: int
    size: int  # the input is (1, in_channels, size, size); padding k//2 keeps odd kernels 'same'
    weight_shape: Tuple[int, int, int, int]  # nn.Conv2d(...).weight.shape
    parameters: int  # count_parameters: weight + bias
    macs: int  # count_macs: multiply-adds of one forward pass
    dense_parameters: int  # the same layer with groups=1
    dense_macs: int
    bias: bool = True  # ResNet's convolutions have none (bias=False: a BN follows)

    @property
    def in_per_group(self) -> int:
        return self.in_channels // self.groups

    @property
    def out_per_group(self) -> int:
        return self.out_channels // self.groups

    @property
    def kind(self) -> str:
        if self.groups == 1:
            return "dense"
        if self.groups == self.in_channels:
            return "depthwise"
        return "grouped"

    @property
    def output_size(self) -> int:
        return conv_output_size(self.size, self.kernel_size, 1, self.kernel_size // 2)

    @property
    def formula_parameters(self) -> int:
        """out · (in/groups) · k · k weights, + out biases if the layer has them."""
        weights = self.out_channels * self.in_per_group * self.kernel_size ** 2
        return weights + (self.out_channels if self.bias else 0)

    @property
    def formula_macs(self) -> int:
        """One multiply-add per weight per output position: out_h · out_w · out · (in/groups) · k · k."""
        return self.output_size ** 2 * self.out_channels * self.in_per_group * self.kernel_size ** 2


def _check_groups(in_channels: int, out_channels: int, groups: int) -> None:
    check_int("in_channels", in_channels, 1)
    check_int("out_channels", out_channels, 1)
    check_int("groups", groups, 1)
    problems = [f"groups={groups} must divide {name}={value} ({value}/{groups} is not a whole "
                f"number of channels per group)"
                for name, value in (("in_channels", in_channels), ("out_channels", out_channels))
                if value % groups]
    if problems:
        try:
            with _quiet_torch():
                nn.Conv2d(in_channels, out_channels, 1, groups=groups)
            said = "(yet PyTorch accepted it)"
        except ValueError as exc:
            said = f"PyTorch refuses too: {_first_line(exc)}"
        raise ValueError("; ".join(problems) + f". {said}")


def groups_facts(in_channels: int, out_channels: int, groups: int, kernel_size: int = 3,
                 size: int = 16, bias: bool = True) -> GroupsFacts:
    """Build ``nn.Conv2d(in, out, k, padding=k//2, groups=groups, bias=bias)`` and read its facts.

    Channels that ``groups`` does not divide raise ``ValueError`` (PyTorch's rule, in words).
    """
    _check_groups(in_channels, out_channels, groups)
    check_int("kernel_size", kernel_size, 1)
    check_int("size", size, 1)
    if not isinstance(bias, bool):
        raise TypeError(f"bias={bias!r} must be a bool")
    with _quiet_torch():
        shape = (1, in_channels, size, size)
        conv = nn.Conv2d(in_channels, out_channels, kernel_size, padding=kernel_size // 2, groups=groups,
                         bias=bias)
        macs = count_macs(conv, shape)
        if groups == 1:  # it is the dense layer already
            dense, dense_macs = conv, macs
        else:
            dense = nn.Conv2d(in_channels, out_channels, kernel_size, padding=kernel_size // 2, bias=bias)
            dense_macs = count_macs(dense, shape)
    return GroupsFacts(in_channels, out_channels, groups, kernel_size, size,
                       tuple(conv.weight.shape), count_parameters(conv), macs,
                       count_parameters(dense), dense_macs, bias)


def divisors(n: int) -> List[int]:
    """Every g that divides n: the groups a conv with n in and n out channels accepts."""
    check_int("n", n, 1)
    return [g for g in range(1, n + 1) if n % g == 0]


def groups_table(channels: int, kernel_size: int = 3, size: int = 16, bias: bool = True
                 ) -> List[GroupsFacts]:
    """A ``channels -> channels`` convolution for every valid groups, dense (1) to depthwise."""
    return [groups_facts(channels, channels, g, kernel_size, size, bias) for g in divisors(channels)]


# --------------------------------------------------------------------------------------------
# Receptive field, measured by PyTorch's autograd
# --------------------------------------------------------------------------------------------

def measured_receptive_field(layers: Sequence[Tuple[int, ...]]) -> int:
    """Receptive field of one output of a stack of 1-D convolutions, measured with gradients.

    ``layers``: (kernel_size, stride) or (kernel_size, stride, dilation) tuples. The stack
    gets all-ones weights; the span of input positions with a nonzero gradient of output 0
    is the receptive field. Compare with ``resnet_teach.receptive_field``, a formula.
    """
    specs = []
    for i, layer in enumerate(layers):
        if not isinstance(layer, (tuple, list)) or len(layer) not in (2, 3):
            raise ValueError(f"layers[{i}]={layer!r} must be (kernel_size, stride[, dilation])")
        k, s, d = (list(layer) + [1])[:3]
        specs.append((check_int(f"layers[{i}][0]", k, 1), check_int(f"layers[{i}][1]", s, 1),
                      check_int(f"layers[{i}][2]", d, 1)))
    if not specs:
        raise ValueError("layers=[] must contain at least one layer")
    length = 1  # the shortest input that still gives one output, plus room
    for k, s, d in reversed(specs):
        length = (length - 1) * s + d * (k - 1) + 1
    length += 8
    with _quiet_torch():
        stack = nn.Sequential(*[nn.Conv1d(1, 1, k, s, dilation=d, bias=False) for k, s, d in specs])
        for conv in stack:
            conv.weight.fill_(1.0)
    x = torch.zeros(1, 1, length, requires_grad=True)
    with fixed_threads(1):
        stack(x)[0, 0, 0].backward()
    touched = torch.nonzero(x.grad[0, 0]).flatten()
    return int(touched.max() - touched.min() + 1)


# --------------------------------------------------------------------------------------------
# Exercise checkers: the expected answer always comes from PyTorch or resnet_teach
# --------------------------------------------------------------------------------------------

def _as_tuple(value: Any) -> Any:
    return tuple(value) if isinstance(value, (list, tuple)) else value


def _equal_tuples(answer: Any, expected: Any) -> bool:
    return _as_tuple(answer) == _as_tuple(expected)


STEM_INPUT = 100  # conv: floor(99 / 2), pool: floor(49 / 2); both floors drop a remainder (tested)


def check_stem_sizes(answer: Any) -> Feedback:
    """Height after ResNet's stem conv and after its max pool, for a STEM_INPUT x STEM_INPUT input."""
    with _quiet_torch():
        conv = nn.Conv2d(3, 64, kernel_size=7, stride=2, padding=3, bias=False)
        pool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        after_conv = conv(torch.zeros(1, 3, STEM_INPUT, STEM_INPUT))
        after_pool = pool(after_conv)
    expected = (after_conv.shape[-1], after_pool.shape[-1])
    conv_steps = explain_output_size(STEM_INPUT, 7, stride=2, padding=3).steps
    pool_steps = explain_output_size(expected[0], 3, stride=2, padding=1, layer="max pool").steps
    n = STEM_INPUT

    def sizes(conv_rule, pool_rule):
        first = conv_rule(n, 7, 2, 3)
        return (first, pool_rule(first, 3, 2, 1))

    floor_rule = lambda n, k, s, p: (n + 2 * p - k) // s + 1  # noqa: E731 (the formula, as written)
    mistakes = [
        (sizes(lambda n, k, s, p: math.ceil((n + 2 * p - k) / s) + 1,
               lambda n, k, s, p: math.ceil((n + 2 * p - k) / s) + 1),
         "You rounded up. Without ceil_mode the division by the stride is rounded DOWN: a window "
         "that does not fit is not counted."),
        (sizes(lambda n, k, s, p: (n - k) // s + 1, lambda n, k, s, p: (n - k) // s + 1),
         "You left out the padding: 3 on each side for the conv, 1 for the pool."),
        (sizes(lambda n, k, s, p: (n + 2 * p - k) // s, lambda n, k, s, p: (n + 2 * p - k) // s),
         "You forgot the + 1: the first window, at position 0, counts too."),
        (sizes(floor_rule, lambda n, k, s, p: (n + 2 * p - k) // (2 * s) + 1),
         "Your pool size divides by 2 * stride, blog post 002's '/2Stride'. Pooling windows are "
         "counted like convolution windows: divide by the stride once."),
    ]
    return compare(answer, expected,
                   f"PyTorch gives {expected}: the conv {' = '.join(conv_steps)}, "
                   f"then the pool {' = '.join(pool_steps)}.",
                   hint="Give a pair (after conv, after pool). Both divisions by the stride leave a "
                        "remainder: round DOWN.",
                   equal=_equal_tuples, mistakes=mistakes)


CEIL_EXERCISE = dict(size=5, kernel_size=3, stride=3, padding=1)


def check_ceil_mode_pool(answer: Any) -> Feedback:
    """Output width of MaxPool2d(3, stride=3, padding=1, ceil_mode=True) on a width-5 input."""
    e = CEIL_EXERCISE
    with _quiet_torch():
        pool = nn.MaxPool2d(e["kernel_size"], e["stride"], e["padding"], ceil_mode=True)
        expected = pool(torch.zeros(1, 1, e["size"], e["size"])).shape[-1]
    numerator = e["size"] + 2 * e["padding"] - e["kernel_size"]
    naive = math.ceil(numerator / e["stride"]) + 1
    mistakes = [
        (naive, f"ceil gives {naive} windows; check where the last one would start."),
        (numerator + 1, "That counts a window at every position: the windows jump by the stride."),
        (math.ceil((e["size"] - e["kernel_size"]) / e["stride"]) + 1,
         "You left out the padding (1 on each side)."),
    ]
    return compare(answer, expected,
                   f"ceil({numerator}/{e['stride']}) + 1 = {naive}, but that last window would start "
                   f"at position {(naive - 1) * e['stride'] - e['padding']}, in the right padding, so "
                   f"PyTorch drops it: {expected}.",
                   hint="Round up, then look at where the last window starts.", mistakes=mistakes)


TF_EXERCISE = dict(size=8, kernel_size=3, stride=2)


def check_tf_same_padding(answer: Any) -> Feedback:
    """TensorFlow's 'same' (left, right) padding for a 3-wide kernel, stride 2, width 8."""
    e = TF_EXERCISE
    expected = same_padding(e["size"], e["kernel_size"], e["stride"])
    out = -(-e["size"] // e["stride"])
    total = sum(expected)
    return compare(answer, expected,
                   f"TF wants ceil({e['size']}/{e['stride']}) = {out} outputs, which needs {total} "
                   f"padding pixel(s) in total; the odd one goes to the right: {expected}. PyTorch's "
                   f"padding=1 would put one on each side, shifting every window by one pixel.",
                   hint="Give a pair (left, right). TensorFlow puts the extra pixel at the end.",
                   equal=_equal_tuples,
                   mistakes=[((expected[1], expected[0]), "Right total, wrong side: TensorFlow puts the odd "
                                                         "pixel at the END (right, bottom)."),
                             ((1, 1), "That is PyTorch's symmetric padding=1. TensorFlow pads only what "
                                      "ceil(n / s) outputs need, which can be less."),
                             ((0, 0), "With no padding the last window would not fit: count what "
                                      "ceil(n / s) windows need.")])


DILATED_STACK = ((3, 1, 1), (3, 1, 2), (3, 1, 4))


def check_dilated_receptive_field(answer: Any) -> Feedback:
    """Receptive field of three stacked 3x3 convs (stride 1) with dilations 1, 2, 4."""
    expected = measured_receptive_field(DILATED_STACK)
    growth = " + ".join(str(d * (k - 1)) for k, _, d in DILATED_STACK)
    no_dilation = 1 + sum(k - 1 for k, _, _ in DILATED_STACK)
    spans = sum(d * (k - 1) + 1 for k, _, d in DILATED_STACK)
    mistakes = [
        (no_dilation, "That is the field without dilation: each dilated layer widens it by d·(k-1), "
                      "not by k-1."),
        (expected - 1, "Off by one: start from the single output pixel (1), then add what each "
                       "layer widens it by."),
        (spans, "You added the three effective kernel sizes. Consecutive layers overlap: each one "
                "adds its span minus one."),
    ]
    return compare(answer, expected,
                   f"Each layer adds d·(k-1) pixels: 1 + {growth} = {receptive_field(DILATED_STACK)}, "
                   f"and PyTorch's gradients reach {expected} input pixels.",
                   hint="A dilated 3x3 kernel spans d·(3-1)+1 pixels; each layer widens the field by d·2.",
                   mistakes=mistakes)


GROUPS_EXERCISE = dict(in_channels=64, out_channels=128, kernel_size=3, groups=4)


def check_groups_parameters(answer: Any) -> Feedback:
    """Number of parameters of nn.Conv2d(64, 128, 3, groups=4, bias=False)."""
    e = GROUPS_EXERCISE
    with _quiet_torch():
        conv = nn.Conv2d(e["in_channels"], e["out_channels"], e["kernel_size"], groups=e["groups"], bias=False)
    expected = count_parameters(conv)
    shape = tuple(conv.weight.shape)
    k, g, cin, cout = e["kernel_size"], e["groups"], e["in_channels"], e["out_channels"]
    mistakes = [
        (cout * cin * k * k, "That is the dense convolution: groups ignored. Each output channel sees "
                             "only in/groups input channels."),
        (expected + cout, "You counted a bias, but this layer has bias=False."),
        (expected // g, "You divided by groups twice. Every one of the out channels still has its "
                        "own filter; only the input channels per filter shrink."),
        (cout * (cin // g) * k, "The kernel is k x k: count both its height and its width."),
    ]
    return compare(answer, expected,
                   f"The weight is {list(shape)} = [out, in/groups, k, k], so "
                   f"{' · '.join(map(str, shape))} = {expected}.",
                   hint="Each output channel sees only in/groups input channels.", mistakes=mistakes)


MAXPOOL_EXERCISE = dict(values=(-5.0, -4.0, -3.0, -2.0, -1.0), kernel_size=3, stride=2, padding=1)


def check_maxpool_padding(answer: Any) -> Feedback:
    """Predict-then-run: the output of MaxPool1d(3, stride=2, padding=1) on [-5, -4, -3, -2, -1]."""
    e = MAXPOOL_EXERCISE
    x = torch.tensor(e["values"]).view(1, 1, -1)  # (N, C, L)
    expected = nn.MaxPool1d(e["kernel_size"], e["stride"], e["padding"])(x).flatten().tolist()
    with_zeros = F.max_pool1d(F.pad(x, (e["padding"], e["padding"])), e["kernel_size"], e["stride"])
    unpadded = F.max_pool1d(x, e["kernel_size"], e["stride"])

    def equal(a: Any, b: Any) -> bool:
        return [float(v) for v in a] == [float(v) for v in b]

    return compare(answer, expected,
                   f"{expected}: max pooling pads with -inf, so the padding never wins a maximum. "
                   f"Windows [pad, -5, -4], [-4, -3, -2], [-2, -1, pad].",
                   hint="Give a list with one number per window. Where do the windows start, with "
                        "padding 1 and stride 2? What could the padding hold?",
                   equal=equal,
                   mistakes=[(with_zeros.flatten().tolist(), "You padded with zeros, as a convolution "
                              "does. Then a window could return 0, a value not in the input."),
                             (unpadded.flatten().tolist(), "You left out the padding: with padding=1 "
                              "the first window starts one position before the input.")])
