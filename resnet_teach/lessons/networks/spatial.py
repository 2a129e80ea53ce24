"""Notebook 04: the map's size through a ResNet, one output-size formula per layer that can
change it, read off a real network's own modules (``resnet_teach.sizes``)."""
from __future__ import annotations

import functools
from dataclasses import dataclass

from torch import nn

from ..._checks import check_choice, check_int
from ...arithmetic import effective_kernel_size
from ...cifar import cifar_resnet
from ...resnet import resnet18
from ...sizes import SizeStep, size_steps
from ...trace import build_on_meta

__all__ = ["SpatialStep", "spatial_steps", "STEMS"]

# the network whose layers spatial_steps reads, for each stem
STEMS = {"imagenet": (resnet18, {}), "cifar": (cifar_resnet, {"depth": 8})}


@dataclass(frozen=True)
class SpatialStep:
    layer: str  # e.g. "conv1 (7x7, stride 2, padding 3)"
    formula: str  # the output-size formula with the numbers filled in
    size: int


@functools.cache
def _network(stem: str) -> nn.Module:
    builder, kwargs = STEMS[stem]
    return build_on_meta(builder, num_classes=1, **kwargs)


def _first(value) -> int:
    return value[0] if isinstance(value, (tuple, list)) else value


def _step(label: str, step: SizeStep) -> SpatialStep:
    m = step.module
    k, s, p = _first(m.kernel_size), _first(m.stride), _first(m.padding)
    span = effective_kernel_size(k, _first(getattr(m, "dilation", 1)))
    n, out = step.input_size[0], step.output_size[0]
    return SpatialStep(label.format(k=k, s=s, p=p), f"floor(({n} + 2·{p} - {span}) / {s}) + 1 = {out}", out)


def spatial_steps(input_size: int, stem: str = "imagenet") -> list[SpatialStep]:
    """The map's height (= width) through a ResNet, one output-size formula per layer that can
    change it. ``stem="imagenet"`` (ResNet-18's layers): conv1 7x7/2, maxpool 3x3/2, layer1
    (stride 1), layer2-4 (first 3x3 conv stride 2), global average pooling. ``stem="cifar"``
    (the CIFAR ResNet-8's layers): conv1 3x3/1, layer1, layer2-3."""
    n = check_int("input_size", input_size, 1)
    stem = check_choice("stem", stem, tuple(STEMS))
    walk = [s for s in size_steps(_network(stem), (n, n)) if not s.shortcut]
    steps = []
    for name in ("conv1", "maxpool"):
        for s in walk:
            if s.name == name:
                steps.append(_step(name + " ({k}x{k}, stride {s}, padding {p})", s))
    stages = sorted({s.name.split(".")[0] for s in walk if s.name.startswith("layer")})
    for stage in stages:
        convs = [s for s in walk if s.name.startswith(stage + ".") and isinstance(s.module, nn.Conv2d)]
        strided = [s for s in convs if _first(s.module.stride) > 1]
        first = (strided or convs)[0]
        step = _step(stage + " (first {k}x{k} conv, stride {s}, padding {p})", first)
        steps.append(SpatialStep(step.layer, step.formula, convs[-1].output_size[0]))
    out = steps[-1].size
    steps.append(SpatialStep("avgpool (global: AdaptiveAvgPool2d(1))", f"{out}x{out} -> 1x1", 1))
    return steps
