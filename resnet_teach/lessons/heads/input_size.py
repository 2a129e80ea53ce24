"""Notebook 06, part 1: which last feature map an input gives, and whether each of three heads
runs on it (GAP, a Flatten head built for one size, the fixed ``AvgPool2d(7)`` of seed 001),
with the exact error PyTorch raises when it does not.

The sizes come from the network's own layers (``resnet_teach.sizes``), not from a table. No
matplotlib or ipywidgets here (see ``resnet_teach.plots.heads`` / ``widgets.heads``).
"""
from __future__ import annotations

import functools
from dataclasses import dataclass

from torch import nn

from ..._checks import check_choice, check_int, check_pair
from ...arithmetic import pool_output_size
from ...resnet import STAGES, ResNet, resnet18, resnet34, resnet50, resnet101, resnet152
from ...sizes import size_steps as walk_sizes
from ...trace import build_on_meta

__all__ = [
    "size_steps", "last_map_size", "feature_channels", "fc_parameters",
    "HeadCheck", "InputSizeReport", "explore_input_size", "flatten_error", "avgpool_too_small_error",
    "HEADS", "HEAD_NAMES",
]

HEADS = ("gap", "flatten", "avgpool")
HEAD_NAMES = {"gap": "GAP: AdaptiveAvgPool2d(1)", "flatten": "Flatten head",
              "avgpool": "fixed AvgPool2d"}


def _check_size(height: int, width: int) -> tuple[int, int]:
    return check_int("height", height, 1), check_int("width", width, 1)


@functools.cache
def _meta_resnet(depth: int) -> ResNet:
    builders = {18: resnet18, 34: resnet34, 50: resnet50, 101: resnet101, 152: resnet152}
    return build_on_meta(builders[depth], num_classes=1)


def _stride(module: nn.Module) -> int:
    stride = module.stride
    return max(stride) if isinstance(stride, (tuple, list)) else stride


def size_steps(height: int, width: int, depth: int = 18) -> list[tuple[str, tuple[int, int]]]:
    """The spatial size after each layer with a stride (the layers that shrink the map),
    starting with ("input", (H, W)): read off ResNet-``depth``'s own modules.

    >>> [s for _, s in size_steps(224, 224)]
    [(224, 224), (112, 112), (56, 56), (28, 28), (14, 14), (7, 7)]
    """
    size = _check_size(height, width)
    depth = check_choice("depth", depth, tuple(STAGES))
    steps = [("input", size)]
    for step in walk_sizes(_meta_resnet(depth), size):
        if step.shortcut or step.name == "avgpool" or _stride(step.module) == 1:
            continue
        stage = step.name.split(".")[0]
        steps.append((step.name if stage == step.name else f"{stage} (first block)", step.output_size))
    return steps


def last_map_size(height: int, width: int, depth: int = 18) -> tuple[int, int]:
    """(h, w) of layer4's output for an H x W input: about H/32 x W/32, rounded up."""
    return size_steps(height, width, depth)[-1][1]


def feature_channels(depth: int) -> int:
    """Channels of layer4's output: 512 for ResNet-18/34, 2048 (512 x 4) for 50/101/152."""
    depth = check_choice("depth", depth, tuple(STAGES))
    return 512 * STAGES[depth][0].expansion


def fc_parameters(in_features: int, num_classes: int) -> int:
    """Weights plus biases of ``nn.Linear(in_features, num_classes)``."""
    in_features = check_int("in_features", in_features, 1)
    num_classes = check_int("num_classes", num_classes, 1)
    return in_features * num_classes + num_classes


def flatten_error(batch: int, got_features: int, fc_in: int, num_classes: int) -> str:
    """The message of PyTorch's RuntimeError when a Linear layer gets the wrong width."""
    return (f"mat1 and mat2 shapes cannot be multiplied ({batch}x{got_features} and "
            f"{fc_in}x{num_classes})")


def avgpool_too_small_error(channels: int, size: tuple[int, int], out: tuple[int, int]) -> str:
    """The message of PyTorch's RuntimeError when a pooling window is larger than its input."""
    return (f"Given input size: ({channels}x{size[0]}x{size[1]}). Calculated output size: "
            f"({channels}x{out[0]}x{out[1]}). Output size is too small")


@dataclass(frozen=True)
class HeadCheck:
    """Whether one head runs on a feature map, and what it does."""

    head: str  # "gap", "flatten" or "avgpool"
    label: str  # e.g. "Flatten head built for 224x224"
    runs: bool
    fc_in: int  # the width fc was built for
    features: int | None  # the width that reaches fc (None: the head failed before fc)
    detail: str  # what happens, or PyTorch's error message
    error: str | None = None  # PyTorch's exact error message if it does not run
    covered: float = 1.0  # share of the feature map's positions the pooling averages


@dataclass(frozen=True)
class InputSizeReport:
    depth: int
    height: int
    width: int
    channels: int
    steps: tuple[tuple[str, tuple[int, int]], ...]
    num_classes: int
    flatten_built_for: tuple[int, int]
    heads: tuple[HeadCheck, ...]
    notes: tuple[str, ...]

    @property
    def map_size(self) -> tuple[int, int]:
        return self.steps[-1][1]

    @property
    def map_shape(self) -> tuple[int, int, int]:
        """(C, h, w) of the last feature map."""
        return (self.channels, *self.map_size)

    @property
    def gap_fc_params(self) -> int:
        return fc_parameters(self.channels, self.num_classes)

    @property
    def flatten_fc_params(self) -> int:
        """Parameters of a Flatten head's fc built for *this* input size."""
        h, w = self.map_size
        return fc_parameters(self.channels * h * w, self.num_classes)

    def head(self, name: str) -> HeadCheck:
        name = check_choice("name", name, HEADS)
        return next(h for h in self.heads if h.head == name)

    def lines(self) -> list[str]:
        c, h, w = self.map_shape
        chain = " -> ".join(f"{a}x{b}" for _, (a, b) in self.steps)
        out = [f"ResNet-{self.depth}, input {self.height}x{self.width}: {chain}",
               f"last feature map (C, h, w): ({c}, {h}, {w})",
               f"fc after GAP: Linear({c}, {self.num_classes}) = {self.gap_fc_params:,} parameters",
               f"fc of a Flatten head built for this size: Linear({c * h * w}, {self.num_classes}) = "
               f"{self.flatten_fc_params:,} parameters"]
        for check in self.heads:
            out.append(f"  [{'runs' if check.runs else 'FAILS'}] {check.label}: {check.detail}")
        return out + [f"note: {n}" for n in self.notes]

    def __str__(self) -> str:
        return "\n".join(self.lines())


def _gap_check(channels: int) -> HeadCheck:
    return HeadCheck("gap", HEAD_NAMES["gap"], True, channels, channels,
                     f"averages every position of each channel; fc gets {channels} features")


def _flatten_check(channels: int, map_size: tuple[int, int], built_for: tuple[int, int],
                   num_classes: int) -> HeadCheck:
    bh, bw = last_map_size(*built_for)
    h, w = map_size
    fc_in, got = channels * bh * bw, channels * h * w
    label = f"Flatten head built for {built_for[0]}x{built_for[1]}"
    if (h, w) == (bh, bw):
        return HeadCheck("flatten", label, True, fc_in, got,
                         f"the map is {h}x{w} as at {built_for[0]}x{built_for[1]}; fc gets {got} features")
    if got == fc_in:  # same number of positions, other layout: PyTorch cannot notice
        return HeadCheck("flatten", label, True, fc_in, got,
                         f"runs, but only by accident: the {h}x{w} map has as many positions as the "
                         f"{bh}x{bw} one fc was built for, so each weight now multiplies a different "
                         f"position than the one it was trained on")
    error = flatten_error(1, got, fc_in, num_classes)
    return HeadCheck("flatten", label, False, fc_in, got,
                     f"flattening {channels}x{h}x{w} gives {got} features, fc expects {fc_in}: "
                     f"RuntimeError: {error}", error)


def _windows(n: int, kernel: int) -> int:
    try:
        return pool_output_size(n, kernel)
    except ValueError:
        return 0


def _avgpool_check(channels: int, map_size: tuple[int, int], kernel: int,
                   num_classes: int) -> HeadCheck:
    label = f"fixed AvgPool2d({kernel}) (seed 001)"
    # the pooling formula (stride = kernel, no padding); where no window fits PyTorch computes 0
    out = tuple(_windows(n, kernel) for n in map_size)
    if min(out) < 1:
        error = avgpool_too_small_error(channels, map_size, out)
        return HeadCheck("avgpool", label, False, channels, None,
                         f"the {map_size[0]}x{map_size[1]} map is smaller than the {kernel}x{kernel} "
                         f"window: RuntimeError: {error}", error, 0.0)
    covered = (out[0] * kernel) * (out[1] * kernel) / (map_size[0] * map_size[1])
    got = channels * out[0] * out[1]
    if got != channels:
        error = flatten_error(1, got, channels, num_classes)
        return HeadCheck("avgpool", label, False, channels, got,
                         f"pools {map_size[0]}x{map_size[1]} to {out[0]}x{out[1]}, so fc gets {got} "
                         f"features instead of {channels}: RuntimeError: {error}", error, covered)
    if covered < 1:
        detail = (f"runs, but silently: one {kernel}x{kernel} window averages only the top-left "
                  f"{kernel}x{kernel} of the {map_size[0]}x{map_size[1]} map "
                  f"({covered:.0%} of its positions); the rest is ignored")
    else:
        detail = f"the map is exactly {kernel}x{kernel}, so this equals GAP"
    return HeadCheck("avgpool", label, True, channels, got, detail, None, covered)


def explore_input_size(height: int, width: int, depth: int = 18, num_classes: int = 1000,
                       flatten_built_for: int | tuple[int, int] = 224, pool_kernel: int = 7
                       ) -> InputSizeReport:
    """What happens at the end of ResNet-``depth`` for an ``height`` x ``width`` input.

    Computed from the size arithmetic, not by running the network (the tests compare it with
    real forward passes). The network itself runs at any size >= 1 in eval mode: zero padding
    keeps every layer's output at least 1x1.
    """
    height, width = _check_size(height, width)
    channels = feature_channels(depth)
    num_classes = check_int("num_classes", num_classes, 1)
    built_for = check_pair("flatten_built_for", flatten_built_for, 1)
    pool_kernel = check_int("pool_kernel", pool_kernel, 1)
    steps = tuple(size_steps(height, width, depth))
    map_size = steps[-1][1]
    heads = (_gap_check(channels), _flatten_check(channels, map_size, built_for, num_classes),
             _avgpool_check(channels, map_size, pool_kernel, num_classes))
    notes = []
    if min(height, width) < 32:
        notes.append(f"an input of {height}x{width} is smaller than 32 pixels on one side: the network still "
                     f"runs (zero padding keeps every map at least 1 pixel), but it was designed for "
                     f"images around 224 pixels; layer4 sees little but padding there. For small images "
                     f"use the CIFAR stem (notebook 04).")
    if max(height, width) >= 8 * min(height, width):
        notes.append(f"the input is {max(height, width) // min(height, width)} times longer than it "
                     f"is wide: GAP still gives {channels} features, but it averages a "
                     f"{map_size[0]}x{map_size[1]} strip.")
    return InputSizeReport(depth, height, width, channels, steps, num_classes, built_for, heads, tuple(notes))
