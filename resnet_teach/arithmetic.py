"""Output-size arithmetic for convolution and pooling, with PyTorch's exact rules.

    out = floor((n + 2p - d(k-1) - 1) / s) + 1

n: input size, k: kernel size, p: padding per side, s: stride, d: dilation.
``d(k-1) + 1`` is the *effective* kernel size: how many input pixels one window spans.

Every function takes an int, or an (h, w) pair for any argument; if any argument is a pair
the answer is a pair too. Inputs PyTorch would reject raise ``ValueError`` here as well,
with a message that says which rule broke.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ._checks import IntOrPair, check_bool, check_choice, check_pair, is_pair

__all__ = [
    "PADDING_MODES",
    "effective_kernel_size",
    "conv_output_size",
    "conv_transpose_output_size",
    "pool_output_size",
    "same_padding",
    "receptive_field",
    "receptive_field_steps",
]

PADDING_MODES = ("zeros", "reflect", "replicate", "circular")


def _dims(*values: Any) -> tuple[bool, list[str]]:
    """Whether the answer is a pair, and the labels used in messages for each dimension."""
    pair = any(is_pair(v) for v in values)
    return pair, (["height: ", "width: "] if pair else [""])


def _result(pair: bool, values: list[int]) -> IntOrPair:
    return (values[0], values[1]) if pair else values[0]


def effective_kernel_size(kernel_size: IntOrPair, dilation: IntOrPair = 1) -> IntOrPair:
    """``d(k-1) + 1``: the span of one dilated kernel window, in input pixels."""
    pair, _ = _dims(kernel_size, dilation)
    ks, ds = check_pair("kernel_size", kernel_size, 1), check_pair("dilation", dilation, 1)
    return _result(pair, [d * (k - 1) + 1 for k, d in zip(ks, ds)])


def conv_output_size(
    size: IntOrPair,
    kernel_size: IntOrPair,
    stride: IntOrPair = 1,
    padding: IntOrPair | str = 0,
    dilation: IntOrPair = 1,
    padding_mode: str = "zeros",
) -> IntOrPair:
    """Output size of ``nn.Conv2d`` (or Conv1d for ints) along each spatial dimension.

    ``padding`` may be an int, a pair, or PyTorch's strings ``"valid"`` and ``"same"``
    (``"same"`` only with stride 1, as in PyTorch). ``padding_mode`` does not change the size,
    but ``"reflect"`` needs padding < size and ``"circular"`` padding <= size, as PyTorch does.

    >>> conv_output_size(224, kernel_size=7, stride=2, padding=3)
    112
    """
    pair, labels = _dims(size, kernel_size, stride, padding, dilation)
    ns = check_pair("size", size, 1)
    ks = check_pair("kernel_size", kernel_size, 1)
    ss = check_pair("stride", stride, 1)
    ds = check_pair("dilation", dilation, 1)
    padding_mode = check_choice("padding_mode", padding_mode, PADDING_MODES)
    if isinstance(padding, str):
        padding = check_choice("padding", padding, ("valid", "same"))
        if padding == "same" and ss != (1, 1):
            raise ValueError(f"padding='same' needs stride=1 (PyTorch rejects it for strided "
                             f"convolutions), got stride={stride}")
        # 'same' pads d(k-1) in all, the odd pixel at the end (as PyTorch); 'valid' pads nothing
        pads = [(d * (k - 1) // 2, d * (k - 1) - d * (k - 1) // 2) if padding == "same" else (0, 0)
                for k, d in zip(ks, ds)]
        shown = [f"padding='{padding}' (pads {b} and {a})" for b, a in pads]
    else:
        pads = [(p, p) for p in check_pair("padding", padding, 0)]
        shown = [f"padding={p}" for p, _ in pads]
    out = []
    for label, n, k, s, (before, after), d, what in zip(labels, ns, ks, ss, pads, ds, shown):
        p = max(before, after)
        if padding_mode == "reflect" and p >= n:
            raise ValueError(f"{label}{what} must be < size={n} for padding_mode='reflect'")
        if padding_mode == "circular" and p > n:
            raise ValueError(f"{label}{what} must be <= size={n} for padding_mode='circular'")
        span = d * (k - 1) + 1
        if span > n + before + after:
            raise ValueError(
                f"{label}kernel_size={k} with dilation={d} spans {span}, more than the padded "
                f"input {n + before + after} (size={n} + 2*padding={p})")
        out.append((n + before + after - span) // s + 1)
    return _result(pair, out)


def conv_transpose_output_size(
    size: IntOrPair,
    kernel_size: IntOrPair,
    stride: IntOrPair = 1,
    padding: IntOrPair = 0,
    output_padding: IntOrPair = 0,
    dilation: IntOrPair = 1,
) -> IntOrPair:
    """Output size of ``nn.ConvTranspose2d``: ``(n-1)s - 2p + d(k-1) + output_padding + 1``."""
    pair, labels = _dims(size, kernel_size, stride, padding, output_padding, dilation)
    ns = check_pair("size", size, 1)
    ks = check_pair("kernel_size", kernel_size, 1)
    ss = check_pair("stride", stride, 1)
    ps = check_pair("padding", padding, 0)
    ops = check_pair("output_padding", output_padding, 0)
    ds = check_pair("dilation", dilation, 1)
    out = []
    for label, n, k, s, p, op, d in zip(labels, ns, ks, ss, ps, ops, ds):
        if op >= max(s, d):
            raise ValueError(f"{label}output_padding={op} must be smaller than stride={s} or "
                             f"dilation={d}")
        o = (n - 1) * s - 2 * p + d * (k - 1) + op + 1
        if o < 1:
            raise ValueError(f"{label}padding={p} crops away the whole output: "
                             f"(size-1)*stride - 2*padding + dilation*(kernel_size-1) + "
                             f"output_padding + 1 = {o} < 1")
        out.append(o)
    return _result(pair, out)


def pool_output_size(
    size: IntOrPair,
    kernel_size: IntOrPair,
    stride: IntOrPair | None = None,
    padding: IntOrPair = 0,
    dilation: IntOrPair = 1,
    ceil_mode: bool = False,
) -> IntOrPair:
    """Output size of ``nn.MaxPool2d`` / ``nn.AvgPool2d`` (``stride`` defaults to ``kernel_size``).

    With ``ceil_mode=True`` the division rounds up, but PyTorch then drops a last window that
    would *start* inside the right padding (it would see no real pixel).

    >>> pool_output_size(112, kernel_size=3, stride=2, padding=1)
    56
    """
    pair, labels = _dims(size, kernel_size, stride, padding, dilation)
    ns = check_pair("size", size, 1)
    ks = check_pair("kernel_size", kernel_size, 1)
    ss = ks if stride is None else check_pair("stride", stride, 1)
    ps = check_pair("padding", padding, 0)
    ds = check_pair("dilation", dilation, 1)
    ceil_mode = check_bool("ceil_mode", ceil_mode)
    out = []
    for label, n, k, s, p, d in zip(labels, ns, ks, ss, ps, ds):
        if p > k // 2:
            raise ValueError(f"{label}padding={p} must be at most half of kernel_size={k} "
                             f"(<= {k // 2}), PyTorch's rule for pooling")
        span = d * (k - 1) + 1
        if ceil_mode:
            o = -(-(n + 2 * p - span) // s) + 1  # ceil division
            if (o - 1) * s >= n + p:  # the last window would start in the right padding
                o -= 1
        else:
            o = (n + 2 * p - span) // s + 1
        if o < 1:  # (ceil_mode lets one window hang over the end by up to stride-1 pixels)
            raise ValueError(
                f"{label}kernel_size={k} with dilation={d} spans {span}, more than the padded "
                f"input {n + 2 * p} (size={n} + 2*padding={p}): no window fits")
        out.append(o)
    return _result(pair, out)


def same_padding(
    size: IntOrPair, kernel_size: IntOrPair, stride: IntOrPair = 1, dilation: IntOrPair = 1
) -> tuple[int, int] | tuple[tuple[int, int], tuple[int, int]]:
    """(before, after) padding that TensorFlow's ``padding='same'`` uses.

    TF makes the output ``ceil(n / s)`` long and pads ``max((out-1)s + d(k-1) + 1 - n, 0)``
    in total, with the odd pixel at the end (bottom/right). PyTorch's integer ``padding`` is
    always symmetric, so a TF model ported to PyTorch can be off by one pixel at stride 2.

    Returns ``(before, after)``, or ``((top, bottom), (left, right))`` when any argument is a pair.
    """
    pair, _ = _dims(size, kernel_size, stride, dilation)
    ns = check_pair("size", size, 1)
    ks = check_pair("kernel_size", kernel_size, 1)
    ss = check_pair("stride", stride, 1)
    ds = check_pair("dilation", dilation, 1)
    result = []
    for n, k, s, d in zip(ns, ks, ss, ds):
        out = -(-n // s)
        total = max((out - 1) * s + d * (k - 1) + 1 - n, 0)
        result.append((total // 2, total - total // 2))
    return (result[0], result[1]) if pair else result[0]


def _layer_geometry(index: int, layer: Any) -> tuple[int, int, int]:
    """(kernel, stride, dilation) of one layer in a receptive-field stack (square kernels)."""
    name = f"layers[{index}]"
    if isinstance(layer, dict):
        k, s, d = layer.get("kernel_size"), layer.get("stride", 1), layer.get("dilation", 1)
    elif isinstance(layer, (tuple, list)):
        if len(layer) not in (2, 3):
            raise ValueError(f"{name}={layer!r} must be (kernel_size, stride) or "
                             f"(kernel_size, stride, dilation)")
        k, s, d = (list(layer) + [1])[:3]
    elif hasattr(layer, "kernel_size"):  # nn.Conv2d, nn.MaxPool2d, nn.AvgPool2d, ...
        k = layer.kernel_size
        s = layer.stride if layer.stride is not None else k
        d = getattr(layer, "dilation", 1)
    else:
        raise TypeError(f"{name}={layer!r} must be a conv/pool module, a dict, or a "
                        f"(kernel_size, stride[, dilation]) tuple")

    def square(what: str, v: Any) -> int:
        h, w = check_pair(f"{name}.{what}", v, 1)
        if h != w:
            raise ValueError(f"{name}.{what}={v!r} must be square for receptive_field")
        return h

    return square("kernel_size", k), square("stride", s), square("dilation", d)


def receptive_field_steps(layers: Iterable[Any]) -> list[dict]:
    """Receptive field and jump (input pixels between neighbouring outputs) after each layer.

    ``r_out = r_in + (d(k-1)+1 - 1) * j_in`` and ``j_out = j_in * s``, starting from r = j = 1.
    """
    rf, jump, rows = 1, 1, []
    for i, layer in enumerate(layers):
        k, s, d = _layer_geometry(i, layer)
        rf += d * (k - 1) * jump
        jump *= s
        rows.append({"layer": i, "kernel_size": k, "stride": s, "dilation": d,
                     "receptive_field": rf, "jump": jump})
    return rows


def receptive_field(layers: Iterable[Any]) -> int:
    """Receptive field (in input pixels) of one output of a stack of conv/pool layers.

    ``layers``: conv or pool modules (e.g. an ``nn.Sequential``), or ``(kernel_size, stride)`` /
    ``(kernel_size, stride, dilation)`` tuples, or dicts with those keys.

    >>> receptive_field([(3, 1), (3, 1), (3, 1)])
    7
    """
    layers = list(layers)
    if not layers:
        raise ValueError("layers=[] must contain at least one conv or pool layer")
    return receptive_field_steps(layers)[-1]["receptive_field"]
