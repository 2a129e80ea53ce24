"""Notebook 04's network explorer: per-stage shapes, parameters and multiply-adds of a chosen
network at a chosen input size, and plain words on what goes wrong when the input is too small."""
from __future__ import annotations

import functools
from dataclasses import dataclass

from torch import nn

from ..._checks import check_choice, check_int
from ...resnet import ResNet
from ...stages import StageRow, stage_report
from ...text import text_table
from .building import NETWORKS, _meta_network

__all__ = ["NetworkReport", "explore_network"]


@dataclass(frozen=True)
class NetworkReport:
    network: str
    input_shape: tuple[int, ...]
    rows: tuple[StageRow, ...]
    too_small: bool  # the map reaches 1x1 before the last stage
    messages: tuple[str, ...]  # what to watch out for, in plain words

    @property
    def params(self) -> int:
        return sum(r.params for r in self.rows)

    @property
    def macs(self) -> int:
        return sum(r.macs for r in self.rows)

    def table(self) -> str:
        head = ("stage", "made of", "output shape", "params", "mult-adds")
        body = [(r.stage, r.layers, str(list(r.output_shape)), f"{r.params:,}", f"{r.macs:,}")
                for r in self.rows]
        body.append(("total", "", "", f"{self.params:,}", f"{self.macs:,}"))
        lines = [f"{self.network}, input {list(self.input_shape)}", *text_table(head, body, right={3, 4})]
        return "\n".join(lines + list(self.messages))

    def __str__(self) -> str:
        return self.table()


def explore_network(network: str, input_size: int, in_channels: int = 3) -> NetworkReport:
    """Per-stage output shape, parameters and multiply-adds of ``network`` (a key of
    ``NETWORKS``) for a square input of ``input_size`` pixels and ``in_channels`` channels,
    and plain words on what goes wrong when the input is too small."""
    return _explore(check_choice("network", network, tuple(NETWORKS)), check_int("input_size", input_size, 1),
                    check_int("in_channels", in_channels, 1))


@functools.lru_cache(maxsize=1024)
def _explore(network: str, size: int, channels: int) -> NetworkReport:
    model = _meta_network(network, channels)
    rows = stage_report(model, size)
    messages, too_small = _size_messages(model, size, rows)
    return NetworkReport(network, (1, channels, size, size), tuple(rows), too_small, tuple(messages))


explore_network.cache_clear = _explore.cache_clear  # the widget's cache, cleared by the benchmarks


def _size_messages(model: nn.Module, size: int, rows: list[StageRow]) -> tuple[list[str], bool]:
    body = [r for r in rows if r.stage != "head"]  # stem, layer1, ...
    names = [r.stage for r in body]
    one = [r.stage for r in body if r.output_shape[-2:] == (1, 1)]
    design = ("ImageNet ResNets are designed for 224x224 inputs (layer4 at 7x7); for small "
              "images such as CIFAR's 32x32, use a CIFAR network") if isinstance(model, ResNet) else (
              "The CIFAR networks are designed for 32x32 inputs (layer3 at 8x8)")
    messages: list[str] = []
    too_small = bool(one) and one[0] != names[-1]
    if too_small:
        later = names[names.index(one[0]) + 1:]
        where = "the stem alone shrinks" if one[0] == "stem" else f"{one[0]} already shrinks"
        verb = "sees" if len(later) == 1 else "all see"
        messages.append(
            f"Input too small: at {size}x{size}, {where} the map to 1x1, so {', '.join(later)} "
            f"{verb} a single pixel: the 3x3 convs look mostly at zero padding and a stride of 2 "
            f"has nothing left to halve. {design}.")
    elif one:
        messages.append(f"At {size}x{size}, {names[-1]} ends at 1x1: global average pooling has "
                        f"a single pixel to average. {design}.")
    if one:
        messages.append("Training on such a 1x1 map with batch size 1 fails: BatchNorm raises "
                        "'Expected more than 1 value per channel when training'.")
    return messages, too_small
