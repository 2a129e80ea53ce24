"""Block diagrams: a residual block traced layer by layer and split into its residual branch
F(x) and its shortcut, each layer with its output shape and its parameter count written out.

``resnet_teach.plots.blocks`` draws a ``BlockDiagram``; notebook 03 prints its table.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from torch import nn

from ._checks import check_shape
from .blocks import BasicBlock, Bottleneck, ZeroPadShortcut
from .text import text_table
from .trace import count_parameters, trace_shapes

__all__ = ["RESIDUAL_BLOCKS", "Step", "BlockDiagram", "block_diagram", "describe_layer", "parameter_formula"]

RESIDUAL_BLOCKS = (BasicBlock, Bottleneck)


@dataclass(frozen=True)
class Step:
    """One layer of a block as the notebook draws it."""

    name: str  # module name inside the block, e.g. "conv1" or "downsample.0"
    label: str  # what it does, e.g. "3x3 conv, 64→64, stride 2"
    output_shape: tuple[int, ...]
    params: int
    formula: str  # how the parameters come about, e.g. "3·3·64·64"


@dataclass(frozen=True)
class BlockDiagram:
    """A traced block: the residual branch F(x), the shortcut, and the shapes everywhere."""

    kind: str  # "BasicBlock" or "Bottleneck"
    input_shape: tuple[int, ...]
    main: tuple[Step, ...]  # the residual branch, in the order the layers run
    shortcut: tuple[Step, ...]  # empty for an identity shortcut
    output_shape: tuple[int, ...]

    @property
    def shortcut_kind(self) -> str:
        if not self.shortcut:
            return "identity"
        if any(s.label.startswith("zero-pad") for s in self.shortcut):
            return "zero-pad (option A)"
        return "projection"

    @property
    def block_name(self) -> str:
        """The seeds' names: an "identity block" keeps the shape, a "conv block" projects."""
        return "identity block" if not self.shortcut else "conv block"

    @property
    def params(self) -> int:
        return sum(s.params for s in self.main + self.shortcut)

    def table(self) -> str:
        def row(path: str, s: Step) -> tuple[str, ...]:
            return (path, s.name, s.label, str(list(s.output_shape)), f"{s.params:,}", s.formula)

        body = [row("branch", s) for s in self.main] + [row("shortcut", s) for s in self.shortcut]
        if not self.shortcut:
            body.append(("shortcut", "-", "identity (x itself)", str(list(self.input_shape)), "0", ""))
        body.append(("after +", "relu", "ReLU(F(x) + shortcut(x))", str(list(self.output_shape)), "0", ""))
        head = ("path", "layer", "what it does", "output shape", "params", "= formula")
        return "\n".join([f"{self.kind} ({self.block_name}), input {list(self.input_shape)}",
                          *text_table(head, body, right={4}), f"total parameters: {self.params:,}"])

    def __str__(self) -> str:
        return self.table()


def describe_layer(module: nn.Module) -> str:
    """A short description of one layer: "1x1 conv, 256→64, stride 2", "BN(64)", "ReLU"."""
    if isinstance(module, nn.Conv2d):
        kh, kw = module.kernel_size
        text = f"{kh}x{kw} conv, {module.in_channels}→{module.out_channels}"
        if module.stride != (1, 1):
            text += f", stride {module.stride[0]}"
        return text
    if isinstance(module, nn.BatchNorm2d):
        return f"BN({module.num_features})"
    if isinstance(module, nn.ReLU):
        return "ReLU"
    if isinstance(module, ZeroPadShortcut):
        text = f"zero-pad {module.inplanes}→{module.planes} channels"
        return text + (f", stride {module.stride}" if module.stride != 1 else "")
    return type(module).__name__


def parameter_formula(module: nn.Module) -> str:
    """The parameter count of one layer written out: "3·3·64·64" for a conv, "2·64" for BN."""
    if isinstance(module, nn.Conv2d):
        kh, kw = module.kernel_size
        text = f"{kh}·{kw}·{module.in_channels // module.groups}·{module.out_channels}"
        return text + (f" + {module.out_channels}" if module.bias is not None else "")
    if isinstance(module, nn.BatchNorm2d):
        return f"2·{module.num_features}" if module.affine else "0"
    return "" if count_parameters(module) == 0 else f"{count_parameters(module)}"


def _check_block(block: Any) -> None:
    if not isinstance(block, RESIDUAL_BLOCKS):
        raise TypeError(f"block={type(block).__name__} must be a BasicBlock or Bottleneck instance")


def block_diagram(block: nn.Module, input_shape: Sequence[int]) -> BlockDiagram:
    """Trace ``block`` on an input of ``input_shape`` (N, C, H, W) and split its layers into the
    residual branch and the shortcut, each with its output shape and parameter formula."""
    _check_block(block)
    shape = check_shape("input_shape", input_shape)
    if len(shape) != 4:
        raise ValueError(f"input_shape={tuple(shape)} must be (N, C, H, W)")
    if shape[1] != block.conv1.in_channels:
        raise ValueError(f"input_shape[1]={shape[1]} must equal the block's input channels "
                         f"{block.conv1.in_channels}")
    rows = trace_shapes(block, shape)
    top = [r for r in rows if r.depth == 1]
    final = top[-1]  # the ReLU after the addition is the last call
    main, shortcut = [], []
    for r in rows:
        if r.depth == 0 or r is final:
            continue
        module = block.get_submodule(r.name)
        step = Step(r.name, describe_layer(module), r.output_shape, count_parameters(module),
                    parameter_formula(module))
        if r.name.startswith("downsample"):
            # a projection is a Sequential (record its two layers); option A is one module
            if r.depth == 2 or (r.depth == 1 and not list(module.children())):
                shortcut.append(step)
        elif r.depth == 1:
            main.append(step)
    return BlockDiagram(type(block).__name__, shape, tuple(main), tuple(shortcut), final.output_shape)
