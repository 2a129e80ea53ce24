"""Trace a model: every layer's output shape and parameters, and the model's multiply-adds.

``trace_shapes`` runs one forward pass with hooks on every module (like ``torchinfo.summary``,
whose numbers tests/test_trace.py compares against) and returns the rows as a list that
prints as a table.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, List, Optional, Sequence, Tuple

import torch
from torch import Tensor, nn

from ._checks import check_int

__all__ = ["TraceRow", "ShapeTrace", "trace_shapes", "count_parameters", "count_macs",
           "check_input_size"]


@dataclass
class TraceRow:
    name: str  # dotted module name, e.g. "layer1.0.conv1"
    type: str  # class name, e.g. "Conv2d"
    output_shape: Tuple[int, ...]
    params: int  # parameters of this module including its children
    depth: int  # 0 for the model itself, 1 for its direct children, ...
    macs: int = 0  # multiply-adds of this module's own computation (conv and linear layers)


class ShapeTrace(list):
    """A list of TraceRow that prints as a table (``print(trace)`` or the notebook repr)."""

    def table(self, max_depth: Optional[int] = None) -> str:
        rows = [r for r in self if max_depth is None or r.depth <= max_depth]
        head = ("layer", "type", "output shape", "params")
        body = [("  " * max(r.depth - 1, 0) + (r.name or "(model)"), r.type,
                 str(list(r.output_shape)), f"{r.params:,}") for r in rows]
        widths = [max(len(x[i]) for x in [head] + body) for i in range(4)]
        fmt = lambda x: "  ".join(  # noqa: E731 - a tiny local formatter
            x[i].ljust(widths[i]) if i < 3 else x[i].rjust(widths[i]) for i in range(4))
        lines = [fmt(head), "-" * (sum(widths) + 6)] + [fmt(x) for x in body]
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.table()

    def _repr_pretty_(self, p: Any, cycle: bool) -> None:
        p.text(self.table())

    def by_name(self, name: str) -> TraceRow:
        for r in self:
            if r.name == name:
                return r
        raise KeyError(f"no layer named {name!r} in the trace")


def count_parameters(model: nn.Module, trainable_only: bool = False) -> int:
    """Number of parameters (``trainable_only``: only those with ``requires_grad``)."""
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be an nn.Module, got {type(model).__name__}")
    return sum(p.numel() for p in model.parameters() if p.requires_grad or not trainable_only)


def _macs(module: nn.Module, output: Tensor) -> int:
    """Multiply-adds of one conv or linear call (the paper's "FLOPs" are multiply-adds)."""
    if isinstance(module, nn.Conv2d):
        kh, kw = module.kernel_size
        return output.numel() * (module.in_channels // module.groups) * kh * kw
    if isinstance(module, nn.Linear):
        return output.numel() * module.in_features
    return 0


def _check_input_size(input_size: Sequence[int]) -> Tuple[int, ...]:
    if not isinstance(input_size, (tuple, list, torch.Size)) or len(input_size) < 2:
        raise ValueError(f"input_size={input_size!r} must be a shape such as (1, 3, 224, 224)")
    return tuple(check_int(f"input_size[{i}]", s, 1) for i, s in enumerate(input_size))


def check_input_size(input_size: Sequence[int]) -> Tuple[int, ...]:
    """``input_size`` as a tuple of ints >= 1 (a shape such as (1, 3, 224, 224)); a
    ValueError or TypeError naming the bad entry otherwise. The check ``trace_shapes`` uses."""
    return _check_input_size(input_size)


def trace_shapes(model: nn.Module, input_size: Sequence[int]) -> ShapeTrace:
    """Run ``model`` on zeros of ``input_size`` (e.g. (1, 3, 224, 224)) and record every module.

    Rows come in the order the modules are *called* (a parent before its children), with
    each module's output shape, its parameter count (children included) and its own
    multiply-adds. A module called twice (the shared ReLU in a block) appears twice.
    The model runs in eval mode (so batch size 1 works with BatchNorm), then is restored.
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be an nn.Module, got {type(model).__name__}")
    shape = _check_input_size(input_size)
    names = {m: n for n, m in model.named_modules()}
    rows: List[TraceRow] = []
    pending: List[int] = []  # rows opened by a pre-hook, waiting for their forward hook

    def pre_hook(module: nn.Module, args: Any) -> None:
        name = names[module]
        pending.append(len(rows))
        rows.append(TraceRow(name, type(module).__name__, (), count_parameters(module),
                             0 if name == "" else name.count(".") + 1))

    def hook(module: nn.Module, args: Any, output: Any) -> None:
        row = rows[pending.pop()]
        if isinstance(output, Tensor):
            row.output_shape = tuple(output.shape)
            row.macs = _macs(module, output)

    handles = []
    for m in names:
        handles.append(m.register_forward_pre_hook(pre_hook))
        handles.append(m.register_forward_hook(hook))
    was_training = model.training
    try:
        model.eval()
        param = next(model.parameters(), None)
        x = torch.zeros(shape, dtype=param.dtype if param is not None else torch.float32)
        with torch.no_grad():
            model(x)
    finally:
        for h in handles:
            h.remove()
        model.train(was_training)
    return ShapeTrace(rows)


def count_macs(model: nn.Module, input_size: Sequence[int]) -> int:
    """Multiply-adds of one forward pass (convolutions and linear layers), e.g. ~1.8e9 for
    ResNet-18 at (1, 3, 224, 224): the paper's Table 1 calls these FLOPs."""
    return sum(r.macs for r in trace_shapes(model, input_size))
