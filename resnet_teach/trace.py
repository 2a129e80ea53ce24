"""Trace a model: every layer's output shape and parameters, and the model's multiply-adds.

``trace_shapes`` runs one forward pass with hooks on every module (like ``torchinfo.summary``,
whose numbers tests/test_trace.py compares against) and returns the rows as a list that
prints as a table.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import torch
from torch import Tensor, nn

from ._checks import check_bool, check_shape
from .sizes import layer_macs
from .text import text_table

__all__ = ["TraceRow", "ShapeTrace", "trace_shapes", "count_parameters", "count_macs", "build_on_meta",
           "forward_hooks"]


@dataclass
class TraceRow:
    name: str  # dotted module name, e.g. "layer1.0.conv1"
    type: str  # class name, e.g. "Conv2d"
    output_shape: tuple[int, ...]
    params: int  # parameters of this module including its children
    depth: int  # 0 for the model itself, 1 for its direct children, ...
    macs: int = 0  # multiply-adds of this module's own computation (conv and linear layers)


class ShapeTrace(list):
    """A list of TraceRow that prints as a table (``print(trace)`` or the notebook repr)."""

    def table(self, max_depth: int | None = None) -> str:
        rows = [r for r in self if max_depth is None or r.depth <= max_depth]
        body = [("  " * max(r.depth - 1, 0) + (r.name or "(model)"), r.type,
                 str(list(r.output_shape)), f"{r.params:,}") for r in rows]
        return "\n".join(text_table(("layer", "type", "output shape", "params"), body, right={3}))

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
    trainable_only = check_bool("trainable_only", trainable_only)
    return sum(p.numel() for p in model.parameters() if p.requires_grad or not trainable_only)


def trace_shapes(model: nn.Module, input_size: Sequence[int]) -> ShapeTrace:
    """Run ``model`` on zeros of ``input_size`` (e.g. (1, 3, 224, 224)) and record every module.

    Rows come in the order the modules are *called* (a parent before its children), with
    each module's output shape, its parameter count (children included) and its own
    multiply-adds. A module called twice (the shared ReLU in a block) appears twice.
    The model runs in eval mode (so batch size 1 works with BatchNorm), then is restored.
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be an nn.Module, got {type(model).__name__}")
    shape = check_shape("input_size", input_size)
    names = {m: n for n, m in model.named_modules()}
    rows: list[TraceRow] = []
    pending: list[int] = []  # rows opened by a pre-hook, waiting for their forward hook

    def pre_hook(module: nn.Module, args: Any) -> None:
        name = names[module]
        pending.append(len(rows))
        rows.append(TraceRow(name, type(module).__name__, (), count_parameters(module),
                             0 if name == "" else name.count(".") + 1))

    def hook(module: nn.Module, args: Any, output: Any) -> None:
        row = rows[pending.pop()]
        if isinstance(output, Tensor):
            row.output_shape = tuple(output.shape)
            row.macs = layer_macs(module, output.shape)

    handles = []
    for m in names:
        handles.append(m.register_forward_pre_hook(pre_hook))
        handles.append(m.register_forward_hook(hook))
    was_training = model.training
    try:
        model.eval()
        # the input lives where the model does: CPU, CUDA, or the meta device (shapes only)
        param = next(model.parameters(), None)
        x = torch.zeros(shape, dtype=param.dtype if param is not None else torch.float32,
                        device=param.device if param is not None else None)
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


def build_on_meta(builder: Callable[..., nn.Module], **kwargs: Any) -> nn.Module:
    """``builder(**kwargs)`` on the meta device: real shapes, no memory, no initialisation.

    Good for counting parameters and tracing shapes (``trace_shapes`` runs it on a meta
    input); such a model computes no values.
    """
    if not callable(builder):
        raise TypeError(f"builder={builder!r} must be callable, e.g. resnet50")
    with torch.device("meta"):
        return builder(**kwargs)


@contextmanager
def forward_hooks(hooks: Iterable[tuple[nn.Module, Callable[..., Any]]]) -> Iterator[None]:
    """Each ``(module, hook)`` pair registered as a forward hook while the ``with`` block runs, and
    removed on the way out, after an error too (a hook left behind would run in every later
    forward pass of the model)."""
    handles = []
    try:
        for module, hook in hooks:
            handles.append(module.register_forward_hook(hook))
        yield
    finally:
        for handle in handles:
            handle.remove()
