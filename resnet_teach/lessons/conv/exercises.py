"""Notebook 01's exercise checkers: the expected answer always comes from PyTorch or resnet_teach."""
from __future__ import annotations

import math
from typing import Any

import torch
from torch import nn

from ...arithmetic import receptive_field, same_padding
from ...exercises import Feedback, compare
from ...trace import count_parameters
from ._common import quiet_torch
from .output_size import explain_output_size
from .receptive_field import measured_receptive_field

__all__ = ["check_stem_sizes", "check_ceil_mode_pool", "check_tf_same_padding", "check_dilated_receptive_field",
           "check_groups_parameters", "STEM_INPUT", "CEIL_EXERCISE", "TF_EXERCISE", "DILATED_STACK",
           "GROUPS_EXERCISE"]


def _as_tuple(value: Any) -> Any:
    return tuple(value) if isinstance(value, (list, tuple)) else value


def _equal_tuples(answer: Any, expected: Any) -> bool:
    return _as_tuple(answer) == _as_tuple(expected)


STEM_INPUT = 100  # conv: floor(99 / 2), pool: floor(49 / 2); both floors drop a remainder (tested)


def check_stem_sizes(answer: Any) -> Feedback:
    """Height after ResNet's stem conv and after its max pool, for a STEM_INPUT x STEM_INPUT input."""
    with quiet_torch():
        conv = nn.Conv2d(3, 64, kernel_size=7, stride=2, padding=3, bias=False)
        pool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        after_conv = conv(torch.zeros(1, 3, STEM_INPUT, STEM_INPUT))
        after_pool = pool(after_conv)
    expected = (after_conv.shape[-1], after_pool.shape[-1])
    conv_steps = explain_output_size(STEM_INPUT, 7, stride=2, padding=3).steps
    pool_steps = explain_output_size(expected[0], 3, stride=2, padding=1, layer="max pool").steps
    return compare(answer, expected,
                   f"PyTorch gives {expected}: the conv {' = '.join(conv_steps)}, "
                   f"then the pool {' = '.join(pool_steps)}.",
                   hint="Give a pair (after conv, after pool). Both divisions by the stride leave a "
                        "remainder: round DOWN.",
                   equal=_equal_tuples)


CEIL_EXERCISE = dict(size=5, kernel_size=3, stride=3, padding=1)


def check_ceil_mode_pool(answer: Any) -> Feedback:
    """Output width of MaxPool2d(3, stride=3, padding=1, ceil_mode=True) on a width-5 input."""
    e = CEIL_EXERCISE
    with quiet_torch():
        pool = nn.MaxPool2d(e["kernel_size"], e["stride"], e["padding"], ceil_mode=True)
        expected = pool(torch.zeros(1, 1, e["size"], e["size"])).shape[-1]
    numerator = e["size"] + 2 * e["padding"] - e["kernel_size"]
    naive = math.ceil(numerator / e["stride"]) + 1
    return compare(answer, expected,
                   f"ceil({numerator}/{e['stride']}) + 1 = {naive}, but that last window would start "
                   f"at position {(naive - 1) * e['stride'] - e['padding']}, in the right padding, so "
                   f"PyTorch drops it: {expected}.",
                   hint=(f"ceil gives {naive} windows; check where the last one would start."
                         if isinstance(answer, int) and answer == naive
                         else "Round up, then look at where the last window starts."))


TF_EXERCISE = dict(size=8, kernel_size=3, stride=2)


def check_tf_same_padding(answer: Any) -> Feedback:
    """TensorFlow's 'same' (left, right) padding for a 3-wide kernel, stride 2, width 8."""
    e = TF_EXERCISE
    expected = same_padding(e["size"], e["kernel_size"], e["stride"])
    out = -(-e["size"] // e["stride"])
    total = sum(expected)
    return compare(answer, expected,
                   f"TF wants ceil({e['size']}/{e['stride']}) = {out} outputs, which needs {total} "
                   f"padding pixel(s) in total; the odd one goes to the right: {expected}. PyTorch's "
                   f"padding=1 would put one on each side, shifting every window by one pixel.",
                   hint="Give a pair (left, right). TensorFlow puts the extra pixel at the end.",
                   equal=_equal_tuples)


DILATED_STACK = ((3, 1, 1), (3, 1, 2), (3, 1, 4))


def check_dilated_receptive_field(answer: Any) -> Feedback:
    """Receptive field of three stacked 3x3 convs (stride 1) with dilations 1, 2, 4."""
    expected = measured_receptive_field(DILATED_STACK)
    growth = " + ".join(str(d * (k - 1)) for k, _, d in DILATED_STACK)
    return compare(answer, expected,
                   f"Each layer adds d·(k-1) pixels: 1 + {growth} = {receptive_field(DILATED_STACK)}, "
                   f"and PyTorch's gradients reach {expected} input pixels.",
                   hint="A dilated 3x3 kernel spans d·(3-1)+1 pixels; each layer widens the field by d·2.")


GROUPS_EXERCISE = dict(in_channels=64, out_channels=128, kernel_size=3, groups=4)


def check_groups_parameters(answer: Any) -> Feedback:
    """Number of parameters of nn.Conv2d(64, 128, 3, groups=4, bias=False)."""
    e = GROUPS_EXERCISE
    with quiet_torch():
        conv = nn.Conv2d(e["in_channels"], e["out_channels"], e["kernel_size"], groups=e["groups"], bias=False)
    expected = count_parameters(conv)
    shape = tuple(conv.weight.shape)
    return compare(answer, expected,
                   f"The weight is {list(shape)} = [out, in/groups, k, k], so "
                   f"{' · '.join(map(str, shape))} = {expected}.",
                   hint="Each output channel sees only in/groups input channels.")
