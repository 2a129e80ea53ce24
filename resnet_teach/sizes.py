"""Spatial sizes and multiply-adds read off a network's own modules, through ``arithmetic``.

One source of truth: the size after a layer comes from that layer's own ``kernel_size``,
``stride``, ``padding``, ``dilation`` (and ``ceil_mode`` for pooling), put into the output-size
formula of ``arithmetic``; nothing here repeats the architecture. ``size_steps`` walks a
ResNet's main path in the order ``forward`` runs it, so a swapped stem (a CIFAR 3x3 conv1, an
``nn.Identity()`` max pool) is followed as it is.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from torch import nn

from ._checks import check_pair
from .arithmetic import conv_output_size, pool_output_size
from .blocks import ZeroPadShortcut

__all__ = ["layer_output_size", "layer_macs", "SizeStep", "size_steps", "feature_map_size"]

Size = tuple[int, int]


def _adaptive_size(module: nn.Module, size: Size) -> Size:
    out = module.output_size if isinstance(module.output_size, (tuple, list)) else (module.output_size,) * 2
    return tuple(n if o is None else o for n, o in zip(size, out))


def layer_output_size(module: nn.Module, size: int | Size) -> Size:
    """(H, W) after ``module`` for an (H, W) input: convolutions and poolings by their formula,
    option-A shortcuts by their slicing; any other layer (BN, ReLU, Identity, ...) keeps the size."""
    size = check_pair("size", size, 1)
    if isinstance(module, nn.Conv2d):
        return conv_output_size(size, module.kernel_size, module.stride, module.padding, module.dilation)
    if isinstance(module, nn.MaxPool2d):
        return pool_output_size(size, module.kernel_size, module.stride, module.padding, module.dilation,
                                module.ceil_mode)
    if isinstance(module, nn.AvgPool2d):
        return pool_output_size(size, module.kernel_size, module.stride, module.padding, 1, module.ceil_mode)
    if isinstance(module, (nn.AdaptiveAvgPool2d, nn.AdaptiveMaxPool2d)):
        return _adaptive_size(module, size)
    if isinstance(module, ZeroPadShortcut):  # x[:, :, ::s, ::s] keeps ceil(n / s) rows
        return tuple(-(-n // module.stride) for n in size)
    return size


def layer_macs(module: nn.Module, output_shape: Sequence[int]) -> int:
    """Multiply-adds of one call of a conv or linear layer that produced ``output_shape``
    (the paper's "FLOPs" are multiply-adds): one per weight per output position."""
    if isinstance(module, nn.Conv2d):
        return math.prod(output_shape) * (module.in_channels // module.groups) * math.prod(module.kernel_size)
    if isinstance(module, nn.Linear):
        return math.prod(output_shape) * module.in_features
    return 0


@dataclass(frozen=True)
class SizeStep:
    """One layer that can change the spatial size, with its input and output size."""

    name: str  # dotted module name, e.g. "layer2.0.conv1" or "layer2.0.downsample.0"
    module: nn.Module
    input_size: Size
    output_size: Size
    shortcut: bool = False  # on a block's shortcut rather than its main path


def _is_block(module: nn.Module) -> bool:
    return hasattr(module, "downsample") and hasattr(module, "conv1")


def _walk(prefix: str, module: nn.Module, size: Size, steps: list[SizeStep], shortcut: bool) -> Size:
    children = list(module.named_children())
    if not children:
        out = layer_output_size(module, size)
        if isinstance(module, (nn.Conv2d, nn.MaxPool2d, nn.AvgPool2d, nn.AdaptiveAvgPool2d,
                               nn.AdaptiveMaxPool2d, ZeroPadShortcut)):
            steps.append(SizeStep(prefix, module, size, out, shortcut))
        return out
    if _is_block(module):
        out = size
        for name, child in children:
            if name != "downsample":
                out = _walk(f"{prefix}.{name}", child, out, steps, shortcut)
        if getattr(module, "residual", True):
            short = size if module.downsample is None else _walk(
                f"{prefix}.downsample", module.downsample, size, steps, True)
            if short != out:  # PyTorch would fail at the addition
                raise ValueError(f"{prefix}: the shortcut gives {short[0]}x{short[1]} but the branch "
                                 f"{out[0]}x{out[1]}")
        return out
    for name, child in children:
        if isinstance(child, nn.Linear):  # the head: the spatial part is over
            break
        size = _walk(f"{prefix}.{name}" if prefix else name, child, size, steps, shortcut)
    return size


def size_steps(model: nn.Module, input_size: int | Size) -> list[SizeStep]:
    """Every conv and pooling layer of ``model`` with the (H, W) it receives and gives, in the
    order of the forward pass (the children in the order they are defined, as in torchvision's
    ResNet; a block's shortcut after its branch). Stops at the first ``nn.Linear`` (the head)."""
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be an nn.Module, got {type(model).__name__}")
    steps: list[SizeStep] = []
    _walk("", model, check_pair("input_size", input_size, 1), steps, False)
    return steps


def feature_map_size(model: nn.Module, input_size: int | Size) -> Size:
    """(H, W) of the last feature map, before the head's pooling, for an ``input_size`` input."""
    size = check_pair("input_size", input_size, 1)
    for step in size_steps(model, size):
        if step.name == "avgpool":
            break
        if not step.shortcut:
            size = step.output_size
    return size
