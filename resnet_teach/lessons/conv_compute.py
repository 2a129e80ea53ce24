"""Notebook 01b: what a convolution computes, value by value, and the stepping window.

* ``corr2d``: d2l's two loops for one channel; ``conv2d_by_hand``: the same with channels, bias,
  stride and padding; ``output_value``: one output worked out as its sum of products.
* ``stepping_state``: everything the stepping widget shows for one window position: the patch,
  the products, their sum, the output filled in so far, and ``F.conv2d``'s answer.
* ``pointwise_as_linear``: a 1x1 convolution is one ``nn.Linear`` applied at every pixel.

Small integer inputs and kernels keep every sum exact in float32, so the printed numbers are
the same on every machine.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from .._checks import check_int
from ..arithmetic import conv_output_size
from ..exercises import Feedback
from .mistakes import check_with_mistakes

__all__ = [
    "corr2d", "conv2d_by_hand", "OutputValue", "output_value", "small_input", "edge_kernel",
    "StepState", "stepping_state", "STEP_LIMITS", "pointwise_as_linear",
    "exercise_layer", "check_one_output", "check_filter_bank_params",
]

# the stepping widget's slider ranges: (low, high) for each
STEP_LIMITS = {"n": (3, 8), "k": (1, 5), "s": (1, 3), "p": (0, 2)}


def _check_tensor(name: str, value: Any, dims: int) -> Tensor:
    if not isinstance(value, Tensor):
        raise TypeError(f"{name} must be a torch.Tensor, got {type(value).__name__}")
    if value.dim() != dims:
        raise ValueError(f"{name}.shape={tuple(value.shape)} must have {dims} dimensions")
    return value


def corr2d(x: Tensor, k: Tensor) -> Tensor:
    """One channel, stride 1, no padding: ``y[i, j] = sum(x[i:i+kh, j:j+kw] * k)`` (d2l 7.2)."""
    _check_tensor("x", x, 2), _check_tensor("k", k, 2)
    kh, kw = k.shape
    oh, ow = conv_output_size(tuple(x.shape), (kh, kw))  # raises if the kernel does not fit
    y = torch.zeros(oh, ow, dtype=x.dtype)
    for i in range(oh):
        for j in range(ow):
            y[i, j] = (x[i:i + kh, j:j + kw] * k).sum()
    return y


def conv2d_by_hand(x: Tensor, weight: Tensor, bias: Tensor | None = None, stride: int = 1,
                   padding: int = 0) -> Tensor:
    """``F.conv2d`` with loops: each output channel's 3-D filter spans every input channel.

    x: (C_in, H, W); weight: (C_out, C_in, kH, kW); bias: (C_out,) or None. Returns
    (C_out, H_out, W_out).
    """
    _check_tensor("x", x, 3), _check_tensor("weight", weight, 4)
    if weight.shape[1] != x.shape[0]:
        raise ValueError(f"weight.shape[1]={weight.shape[1]} must equal x's channels {x.shape[0]}")
    s, p = check_int("stride", stride, 1), check_int("padding", padding, 0)
    c_out, _, kh, kw = weight.shape
    xp = F.pad(x, (p, p, p, p))  # (C_in, H + 2p, W + 2p)
    oh, ow = conv_output_size(tuple(x.shape[1:]), (kh, kw), stride=s, padding=p)
    y = torch.zeros(c_out, oh, ow, dtype=x.dtype)
    for o in range(c_out):  # one 3-D filter per output channel
        for i in range(oh):
            for j in range(ow):
                patch = xp[:, i * s:i * s + kh, j * s:j * s + kw]  # (C_in, kH, kW)
                y[o, i, j] = (patch * weight[o]).sum() + (0 if bias is None else bias[o])
    return y


@dataclass(frozen=True)
class OutputValue:
    """One output value of a conv layer, as a sum over input channels of elementwise products."""

    out_channel: int
    row: int
    col: int
    per_channel: tuple[float, ...]  # sum of products in each input channel's window
    bias: float
    value: float  # sum(per_channel) + bias
    torch_value: float  # the layer's own output at that position

    def formula(self) -> str:
        def num(v: float) -> str:
            return f"({v:g})" if v < 0 else f"{v:g}"
        terms = " + ".join(num(v) for v in self.per_channel)
        return f"{terms} + bias {num(self.bias)} = {self.value:g}"


def output_value(conv: nn.Conv2d, x: Tensor, out_channel: int, row: int, col: int) -> OutputValue:
    """Work out ``conv(x)[0, out_channel, row, col]`` by hand; x: (1, C_in, H, W)."""
    if not isinstance(conv, nn.Conv2d):
        raise TypeError(f"conv must be an nn.Conv2d, got {type(conv).__name__}")
    _check_tensor("x", x, 4)
    if conv.groups != 1 or conv.dilation != (1, 1) or conv.padding_mode != "zeros" or isinstance(conv.padding, str):
        raise ValueError("output_value handles groups=1, dilation=1 and integer zero padding")
    with torch.no_grad():
        y = conv(x)  # (1, C_out, H_out, W_out)
    for name, v, n in (("out_channel", out_channel, y.shape[1]), ("row", row, y.shape[2]),
                       ("col", col, y.shape[3])):
        check_int(name, v, 0)
        if v >= n:
            raise ValueError(f"{name}={v} must be < {n}")
    (sh, sw), (ph, pw), (kh, kw) = conv.stride, conv.padding, conv.kernel_size
    xp = F.pad(x[0], (pw, pw, ph, ph))  # (C_in, H + 2ph, W + 2pw)
    patch = xp[:, row * sh:row * sh + kh, col * sw:col * sw + kw]  # (C_in, kH, kW)
    w = conv.weight.detach()[out_channel]  # (C_in, kH, kW): this output channel's 3-D filter
    per_channel = tuple(float((patch[c] * w[c]).sum()) for c in range(patch.shape[0]))
    bias = 0.0 if conv.bias is None else float(conv.bias.detach()[out_channel])
    return OutputValue(out_channel, row, col, per_channel, bias, sum(per_channel) + bias,
                       float(y[0, out_channel, row, col]))


def small_input(size: int) -> Tensor:
    """A (size, size) grid of small integers 0..9, ``(3i + 7j + ij) mod 10``."""
    n = check_int("size", size, 1)
    i, j = torch.arange(n).view(n, 1), torch.arange(n).view(1, n)
    return ((3 * i + 7 * j + i * j) % 10).float()


def edge_kernel(kernel_size: int) -> Tensor:
    """A (k, k) kernel of -1, 0, 1: a vertical-edge detector for k >= 2, [[1]] for k = 1."""
    k = check_int("kernel_size", kernel_size, 1)
    if k == 1:
        return torch.ones(1, 1)
    row = torch.sign(torch.linspace(-1, 1, k))  # -1 ... (0) ... 1
    return row.repeat(k, 1)


@dataclass(frozen=True)
class StepState:
    """What the stepping widget shows at one window position."""

    size: int
    kernel_size: int
    stride: int
    padding: int
    step: int  # which window, 0 .. steps-1, row by row
    steps: int  # number of windows = output height x output width
    output_size: int
    row: int  # output position of this window
    col: int
    top: int  # the window's first row and column in the padded input
    left: int
    padded: Tensor  # (n + 2p, n + 2p)
    kernel: Tensor  # (k, k)
    patch: Tensor  # (k, k)
    products: Tensor  # (k, k): patch * kernel
    value: float  # products.sum()
    partial: Tensor  # (out, out): outputs computed so far, NaN for those still to come
    torch_output: Tensor  # (out, out): F.conv2d on the same input and kernel

    def sum_text(self) -> str:
        pairs = zip(self.patch.flatten().tolist(), self.kernel.flatten().tolist())
        terms = [f"{int(a)}·({int(b)})" if b < 0 else f"{int(a)}·{int(b)}" for a, b in pairs]
        return " + ".join(terms) + f" = {self.value:g}"


def stepping_state(size: int = 5, kernel_size: int = 3, stride: int = 1, padding: int = 0,
                   step: int = 0) -> StepState:
    """The ``step``-th window of a ``kernel_size`` kernel sliding over ``small_input(size)``."""
    n = check_int("size", size, 1)
    k = check_int("kernel_size", kernel_size, 1)
    s = check_int("stride", stride, 1)
    p = check_int("padding", padding, 0)
    t = check_int("step", step, 0)
    out = conv_output_size(n, k, stride=s, padding=p)  # raises if the window does not fit
    steps = out * out
    if t >= steps:
        raise ValueError(f"step={t} must be < {steps}: a {out}x{out} output has {steps} windows "
                         f"(steps 0..{steps - 1})")
    x, kernel = small_input(n), edge_kernel(k)
    padded = F.pad(x, (p, p, p, p))  # (n + 2p, n + 2p)
    row, col = divmod(t, out)
    top, left = row * s, col * s
    patch = padded[top:top + k, left:left + k]
    products = patch * kernel + 0.0  # + 0.0 turns -0 (0 times -1) into 0
    torch_output = F.conv2d(x.view(1, 1, n, n), kernel.view(1, 1, k, k), stride=s, padding=p)[0, 0]
    partial = torch.full((out, out), float("nan"))
    partial.view(-1)[:t + 1] = torch_output.reshape(-1)[:t + 1]
    return StepState(n, k, s, p, t, steps, out, row, col, top, left, padded, kernel, patch,
                     products, float(products.sum()), partial, torch_output)


def pointwise_as_linear(conv: nn.Conv2d) -> nn.Linear:
    """The ``nn.Linear`` that a 1x1 convolution applies at every pixel (weights shared)."""
    if not isinstance(conv, nn.Conv2d):
        raise TypeError(f"conv must be an nn.Conv2d, got {type(conv).__name__}")
    if conv.kernel_size != (1, 1) or conv.stride != (1, 1) or conv.groups != 1 or conv.padding not in ((0, 0), "valid"):
        raise ValueError(f"conv={conv} must be a plain 1x1 conv (stride 1, no padding, groups 1)")
    linear = nn.Linear(conv.in_channels, conv.out_channels, bias=conv.bias is not None)
    with torch.no_grad():
        linear.weight.copy_(conv.weight[:, :, 0, 0])  # (out, in, 1, 1) -> (out, in)
        if conv.bias is not None:
            linear.bias.copy_(conv.bias)
    return linear


# --- exercises --------------------------------------------------------------------------------

def exercise_layer() -> tuple[nn.Conv2d, Tensor]:
    """2 input channels of small integers, one 2x2 filter, bias 1."""
    conv = nn.Conv2d(2, 1, kernel_size=2, bias=True)
    with torch.no_grad():
        conv.weight.copy_(torch.tensor([[[[1., 0.], [0., -1.]], [[2., 1.], [0., 0.]]]]))
        conv.bias.fill_(1.0)
    x = torch.tensor([[[[1., 2., 3.], [4., 5., 6.], [7., 8., 9.]],
                       [[0., 1., 0.], [2., 0., 2.], [1., 1., 1.]]]])  # (1, 2, 3, 3)
    return conv, x


def check_one_output(answer: Any) -> Feedback:
    """``conv(x)[0, 0, 0, 1]`` of ``exercise_layer`` (printed in the notebook)."""
    conv, x = exercise_layer()
    v = output_value(conv, x, 0, 0, 1)
    first = v.per_channel[0]
    return check_with_mistakes(
        answer, v.torch_value,
        f"{v.torch_value:g} = {v.formula()}: channel 0's window, plus channel 1's, plus the bias.",
        mistakes=[(v.value - v.bias, "You left out the bias, which is added once per output value."),
                  (first + v.bias, "You used only the first input channel: the filter spans both."),
                  (first, "You used only the first input channel and left out the bias.")],
        hint="The window of output (0, 1) covers rows 0-1 and columns 1-2 of each channel; "
             "multiply elementwise with that channel's kernel, add everything and the bias.")


def check_filter_bank_params(answer: Any) -> Feedback:
    """Weights (no bias) of nn.Conv2d(16, 32, kernel_size=3): a bank of 32 filters 16x3x3."""
    expected = nn.Conv2d(16, 32, 3, bias=False, device="meta").weight.numel()
    return check_with_mistakes(
        answer, expected, f"{expected:,}: 32 filters, each 16 x 3 x 3 (it spans all 16 input channels).",
        mistakes=[(32 * 3 * 3, "Each filter spans all 16 input channels, not one."),
                  (16 * 3 * 3, "That is one filter; the layer has one per output channel."),
                  (expected + 32, "That counts the bias too; the question asks for the weights only.")],
        hint="out_channels filters, each in_channels x k x k.")
