"""A ResNet stage by stage (stem, layer1.., head): output shape, parameters and multiply-adds,
by arithmetic on the modules' own settings (``sizes.size_steps``), without a forward pass.

``trace_shapes`` gets the same numbers by running the network; tests/test_lesson_networks.py
checks the two against each other.
"""
from __future__ import annotations

from dataclasses import dataclass

from torch import nn

from ._checks import check_int
from .cifar import CifarResNet
from .resnet import ResNet
from .sizes import layer_macs, size_steps
from .trace import count_parameters

__all__ = ["StageRow", "stage_report", "network_macs"]


@dataclass(frozen=True)
class StageRow:
    stage: str  # "stem", "layer1", ..., "head"
    layers: str  # what the stage is made of
    output_shape: tuple[int, ...]  # (N, C, H, W), or (N, classes) for the head
    params: int
    macs: int  # multiply-adds of the stage's convs and linear layers


def _stem_description(model: nn.Module) -> str:
    k, s = model.conv1.kernel_size[0], model.conv1.stride[0]
    text = f"{k}x{k} conv/{s}, BN, ReLU"
    pool = getattr(model, "maxpool", None)
    if isinstance(pool, nn.MaxPool2d):
        pk, ps = (v if isinstance(v, int) else v[0] for v in (pool.kernel_size, pool.stride))
        text += f", {pk}x{pk} max pool/{ps}"
    return text


def stage_report(model: nn.Module, input_size: int, in_channels: int | None = None,
                 batch_size: int = 1) -> list[StageRow]:
    """Stem, stages and head of a ``ResNet`` (GAP head) or ``CifarResNet``: output shape,
    parameters and multiply-adds of each, for a square ``input_size`` input, by arithmetic."""
    if not isinstance(model, (ResNet, CifarResNet)):
        raise TypeError(f"model must be a ResNet or CifarResNet, got {type(model).__name__}")
    if isinstance(model, ResNet) and model.head != "gap":
        raise ValueError(f"model.head={model.head!r}: only the GAP head works at any input size")
    n = check_int("input_size", input_size, 1)
    c = model.in_channels if in_channels is None else check_int("in_channels", in_channels, 1)
    if c != model.in_channels:
        raise ValueError(f"in_channels={c} must equal the model's in_channels={model.in_channels}")
    batch = check_int("batch_size", batch_size, 1)
    stages = [name for name, _ in model.named_children() if name.startswith("layer")]
    groups: dict[str, list] = {"stem": [], **{s: [] for s in stages}}
    for step in size_steps(model, (n, n)):
        stage = step.name.split(".")[0]
        if stage in groups:
            groups[stage].append(step)
        elif stage != "avgpool":
            groups["stem"].append(step)

    def macs(steps) -> int:
        return sum(layer_macs(s.module, (batch, getattr(s.module, "out_channels", 0)) + s.output_size)
                   for s in steps)

    def main_size(steps):
        return [s for s in steps if not s.shortcut][-1].output_size

    stem = groups["stem"]
    rows = [StageRow("stem", _stem_description(model), (batch, model.conv1.out_channels) + main_size(stem),
                     count_parameters(model.conv1) + count_parameters(model.bn1), macs(stem))]
    for name in stages:
        layer, steps = getattr(model, name), groups[name]
        first = layer[0]
        out_channels = [s.module for s in steps if isinstance(s.module, nn.Conv2d) and not s.shortcut][-1].out_channels
        rows.append(StageRow(name, f"{len(layer)} x {type(first).__name__}, {first.conv1.out_channels} wide",
                             (batch, out_channels) + main_size(steps), count_parameters(layer), macs(steps)))
    fc = model.fc
    rows.append(StageRow("head", f"global avg pool, fc {fc.in_features}→{fc.out_features}",
                         (batch, fc.out_features), count_parameters(fc), layer_macs(fc, (batch, fc.out_features))))
    return rows


def network_macs(model: nn.Module, input_size: int = 224) -> int:
    """Multiply-adds of one forward pass at ``input_size`` x ``input_size`` (the paper's
    "FLOPs"), by arithmetic; ``count_macs`` gets the same number by running the model."""
    return sum(r.macs for r in stage_report(model, input_size))
