"""Notebook 01b: transposed convolution (Dumoulin & Visin 2016, chapter 4) and non-square layers.

* ``transpose_size_rows``: ``conv_transpose_output_size`` beside a real ``nn.ConvTranspose2d``.
* ``transpose_is_conv_gradient``: the gradient of a convolution with respect to its input is
  the transposed convolution (same weight, same stride and padding) of the output's gradient.
* ``full_padding_equivalence``: a stride-1 transposed conv is a plain conv with "full" padding
  k-1 and the kernel flipped.
* ``non_square_rows``: the output-size formula per axis, beside ``nn.Conv2d``.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from .._checks import check_int, check_pair
from ..arithmetic import conv_output_size, conv_transpose_output_size
from ..exercises import Feedback
from .mistakes import check_with_mistakes

__all__ = ["TRANSPOSE_FORMULA", "transpose_size_rows", "transpose_is_conv_gradient",
           "full_padding_equivalence", "non_square_rows", "non_square_text",
           "check_transpose_size", "check_non_square_size", "NON_SQUARE_EXERCISE"]

TRANSPOSE_FORMULA = "(n-1)s - 2p + d(k-1) + output_padding + 1"


def transpose_size_rows(cases: Sequence[tuple[int, int, int, int, int]]) -> list[dict[str, Any]]:
    """(n, k, s, p, output_padding) -> formula, our size, nn.ConvTranspose2d's size."""
    rows = []
    for n, k, s, p, op in cases:
        ours = conv_transpose_output_size(n, k, stride=s, padding=p, output_padding=op)
        layer = nn.ConvTranspose2d(1, 1, k, stride=s, padding=p, output_padding=op, device="meta")
        torch_size = layer(torch.zeros(1, 1, n, n, device="meta")).shape[-1]
        rows.append({"n": n, "k": k, "s": s, "p": p, "output_padding": op,
                     "formula": f"({n}-1)·{s} - 2·{p} + ({k}-1) + {op} + 1",
                     "ours": ours, "nn.ConvTranspose2d": torch_size})
    return rows


def transpose_is_conv_gradient(size: int = 7, kernel_size: int = 3, stride: int = 2,
                               padding: int = 1, seed: int = 0) -> dict[str, Any]:
    """autograd's d(conv)/d(input) against ``F.conv_transpose2d`` of the output gradient.

    y = conv2d(x, w); for an upstream gradient g of y's shape, x.grad after y.backward(g) must
    equal conv_transpose2d(g, w) with the same stride and padding, and with the output_padding
    that brings it back to x's size (a strided conv maps several sizes to one).
    """
    n, k = check_int("size", size, 1), check_int("kernel_size", kernel_size, 1)
    s, p = check_int("stride", stride, 1), check_int("padding", padding, 0)
    out = conv_output_size(n, k, stride=s, padding=p)
    output_padding = n - conv_transpose_output_size(out, k, stride=s, padding=p)
    g = torch.Generator().manual_seed(check_int("seed", seed, 0))
    x = torch.randn(1, 2, n, n, generator=g, requires_grad=True)  # (N, C_in, H, W)
    w = torch.randn(3, 2, k, k, generator=g)  # (C_out, C_in, k, k)
    y = F.conv2d(x, w, stride=s, padding=p)  # (1, 3, out, out)
    upstream = torch.randn(y.shape, generator=g)
    y.backward(upstream)
    transposed = F.conv_transpose2d(upstream, w, stride=s, padding=p, output_padding=output_padding)
    return {"x": tuple(x.shape), "y": tuple(y.shape), "output_padding": output_padding,
            "transposed": tuple(transposed.shape),
            "max |difference|": float((x.grad - transposed).abs().max()),
            "scale": float(transposed.abs().max())}


def full_padding_equivalence(size: int = 4, kernel_size: int = 3, seed: int = 0) -> dict[str, Any]:
    """Stride-1 transposed conv == conv with padding k-1 ("full") and the kernel flipped."""
    n, k = check_int("size", size, 1), check_int("kernel_size", kernel_size, 1)
    g = torch.Generator().manual_seed(check_int("seed", seed, 0))
    x = torch.randint(-3, 4, (1, 1, n, n), generator=g).float()  # small integers: exact sums
    w = torch.randint(-3, 4, (1, 1, k, k), generator=g).float()
    transposed = F.conv_transpose2d(x, w)  # (1, 1, n + k - 1, n + k - 1)
    full = F.conv2d(x, w.flip(-1, -2), padding=k - 1)
    return {"transposed": transposed[0, 0], "full conv, flipped kernel": full[0, 0],
            "equal": bool(torch.equal(transposed, full))}


def non_square_rows(size: Any, cases: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The per-axis formula (height, width) beside nn.Conv2d, for each keyword dict in cases."""
    h, w = check_pair("size", size, 1)
    rows = []
    for kwargs in cases:
        ours = conv_output_size((h, w), **kwargs)
        layer = nn.Conv2d(1, 1, device="meta", **kwargs)
        theirs = tuple(layer(torch.zeros(1, 1, h, w, device="meta")).shape[-2:])
        rows.append({"layer": "Conv2d(1, 1, " + ", ".join(f"{k}={v}" for k, v in kwargs.items()) + ")",
                     "ours (H, W)": ours, "PyTorch (H, W)": theirs})
    return rows


def non_square_text(size: Any, kernel_size: Any, stride: Any = 1, padding: Any = 0,
                    dilation: Any = 1) -> str:
    """The formula filled in for each axis, e.g. for the explorer's text."""
    (h, w), (kh, kw) = check_pair("size", size, 1), check_pair("kernel_size", kernel_size, 1)
    (sh, sw), (ph, pw) = check_pair("stride", stride, 1), check_pair("padding", padding, 0)
    dh, dw = check_pair("dilation", dilation, 1)
    oh, ow = conv_output_size((h, w), (kh, kw), (sh, sw), (ph, pw), (dh, dw))
    return (f"height: floor(({h} + 2·{ph} - {dh}·({kh}-1) - 1) / {sh}) + 1 = {oh}\n"
            f"width:  floor(({w} + 2·{pw} - {dw}·({kw}-1) - 1) / {sw}) + 1 = {ow}")


# --- exercises --------------------------------------------------------------------------------

def check_transpose_size(answer: Any) -> Feedback:
    """nn.ConvTranspose2d(kernel_size=4, stride=2, padding=1) on a 7x7 map: the output width."""
    n, k, s, p = 7, 4, 2, 1
    expected = conv_transpose_output_size(n, k, stride=s, padding=p)
    return check_with_mistakes(
        answer, expected, f"{expected} = ({n}-1)·{s} - 2·{p} + ({k}-1) + 1: the map doubles.",
        mistakes=[(conv_output_size(n, k, stride=s, padding=p),
                   "That is the ordinary convolution's formula; a transposed conv runs it backwards."),
                  ((n - 1) * s + (k - 1) + 1, "Padding crops the output of a transposed conv: subtract 2p."),
                  ((n - 1) * s - 2 * p + (k - 1), "You dropped the final + 1.")],
        hint=f"Use {TRANSPOSE_FORMULA} with output_padding = 0 and d = 1.")


NON_SQUARE_EXERCISE = dict(size=(40, 30), kernel_size=(5, 3), stride=(2, 1), padding=(1, 1))


def check_non_square_size(answer: Any) -> Feedback:
    """nn.Conv2d(kernel_size=(5, 3), stride=(2, 1), padding=(1, 1)) on 40x30 (NON_SQUARE_EXERCISE): (H, W) out."""
    e = NON_SQUARE_EXERCISE
    (k_h, k_w), (s_h, s_w), (p_h, p_w) = e["kernel_size"], e["stride"], e["padding"]
    expected = conv_output_size(e["size"], kernel_size=e["kernel_size"], stride=e["stride"], padding=e["padding"])
    swapped = conv_output_size(e["size"], kernel_size=(k_w, k_h), stride=(s_w, s_h), padding=(p_w, p_h))
    first_only = conv_output_size(e["size"], kernel_size=k_h, stride=s_h, padding=p_h)
    return check_with_mistakes(
        answer, expected, f"{expected}: the formula once per axis, with that axis's k, s and p.",
        mistakes=[(swapped, "You swapped the axes: the first number of each pair is the height's."),
                  ((expected[1], expected[0]), "Answer (height, width), in that order."),
                  (first_only, "Each axis has its own kernel size, stride and padding, not the first one's.")],
        hint=f"out = floor((n + 2p - k) / s) + 1 for the height with ({k_h}, {s_h}, {p_h}), for the width "
             f"with ({k_w}, {s_w}, {p_w}).")
