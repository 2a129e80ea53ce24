"""Notebook 01's exercise checkers: the expected answer always comes from PyTorch or resnet_teach."""
from __future__ import annotations

import math
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from ...arithmetic import receptive_field, same_padding
from ...exercises import Feedback, compare
from ...trace import count_parameters
from ._common import quiet_torch
from .output_size import explain_output_size
from .receptive_field import measured_receptive_field

__all__ = ["check_stem_sizes", "check_ceil_mode_pool", "check_tf_same_padding", "check_dilated_receptive_field",
           "check_groups_parameters", "check_maxpool_padding",
           "STEM_INPUT", "CEIL_EXERCISE", "TF_EXERCISE", "DILATED_STACK",
           "GROUPS_EXERCISE", "MAXPOOL_EXERCISE"]


def _as_tuple(value: Any) -> Any:
    return tuple(value) if isinstance(value, (list, tuple)) else value


def _equal_tuples(answer: Any, expected: Any) -> bool:
    return _as_tuple(answer) == _as_tuple(expected)


def _is_int(value: Any) -> bool:
    try:
        return not isinstance(value, (bool, str)) and int(value) == value
    except (TypeError, ValueError, OverflowError):
        return False


def _is_int_pair(answer: Any) -> bool:
    return isinstance(answer, (list, tuple)) and len(answer) == 2 and all(_is_int(v) for v in answer)


def _kind_hint(answer: Any, pair: bool) -> str:
    """What to say about an answer of the wrong kind (a string, a float, a list of the wrong length)."""
    if isinstance(answer, str):
        return f"That is a string. Give {'a pair of ints, e.g. (3, 4)' if pair else 'an int, e.g. 4'}, without quotes."
    if pair and not _is_int_pair(answer):
        return "Give a pair of ints (two whole numbers in parentheses), e.g. (3, 4)."
    if not pair and not _is_int(answer):
        return "Give one int (a whole number), e.g. 4."
    return ""


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
    n = STEM_INPUT

    def sizes(conv_rule, pool_rule):
        first = conv_rule(n, 7, 2, 3)
        return (first, pool_rule(first, 3, 2, 1))

    floor_rule = lambda n, k, s, p: (n + 2 * p - k) // s + 1  # noqa: E731 (the formula, as written)
    mistakes = [
        (sizes(lambda n, k, s, p: math.ceil((n + 2 * p - k) / s) + 1,
               lambda n, k, s, p: math.ceil((n + 2 * p - k) / s) + 1),
         "You rounded up. Without ceil_mode the division by the stride is rounded DOWN: a window "
         "that does not fit is not counted."),
        (sizes(lambda n, k, s, p: (n - k) // s + 1, lambda n, k, s, p: (n - k) // s + 1),
         "You left out the padding: 3 on each side for the conv, 1 for the pool."),
        (sizes(lambda n, k, s, p: (n + 2 * p - k) // s, lambda n, k, s, p: (n + 2 * p - k) // s),
         "You forgot the + 1: the first window, at position 0, counts too."),
        (sizes(floor_rule, lambda n, k, s, p: (n + 2 * p - k) // (2 * s) + 1),
         "Your pool size divides by 2 * stride, as blog post 002's typo '/2Stride' reads. Pooling "
         "windows are counted like convolution windows: divide by the stride once."),
        ((expected[1], expected[0]), "The right sizes in the wrong order: first the size after the conv, "
                                     "then after the pool (which is smaller)."),
    ]
    imagenet = (floor_rule(224, 7, 2, 3), floor_rule(floor_rule(224, 7, 2, 3), 3, 2, 1))
    if n != 224:
        mistakes.append((imagenet, f"Those are the sizes for a 224 x 224 image. This exercise's input is "
                                   f"{n} x {n}."))
    ceil_rule = lambda n, k, s, p: math.ceil((n + 2 * p - k) / s) + 1  # noqa: E731
    up_conv = ceil_rule(n, 7, 2, 3)
    mistakes += [
        ((up_conv, expected[1]), "Your pool size is right, but the conv size is rounded UP: without "
                                 "ceil_mode the division by the stride is rounded DOWN."),
        ((up_conv, floor_rule(up_conv, 3, 2, 1)), "Your conv size is rounded UP (the pool size then "
                                                  "follows from it): without ceil_mode both divisions "
                                                  "round DOWN."),
        ((expected[0], ceil_rule(expected[0], 3, 2, 1)), "Your conv size is right, but the pool size is "
                                                          "rounded UP: without ceil_mode MaxPool2d rounds "
                                                          "DOWN too."),
    ]
    kind = _kind_hint(answer, pair=True)
    return compare(answer, expected,
                   f"PyTorch gives {expected}: the conv {' = '.join(conv_steps)}, "
                   f"then the pool {' = '.join(pool_steps)}.",
                   hint=kind or "Write out (n + 2p - k) / s + 1 for the conv, then again for the pool "
                                "with the conv's output as n. Both divisions leave a remainder: round DOWN.",
                   equal=_equal_tuples, mistakes=mistakes)


CEIL_EXERCISE = dict(size=5, kernel_size=3, stride=3, padding=1)


def check_ceil_mode_pool(answer: Any) -> Feedback:
    """Output width of MaxPool2d(3, stride=3, padding=1, ceil_mode=True) on a width-5 input."""
    e = CEIL_EXERCISE
    with quiet_torch():
        pool = nn.MaxPool2d(e["kernel_size"], e["stride"], e["padding"], ceil_mode=True)
        expected = pool(torch.zeros(1, 1, e["size"], e["size"])).shape[-1]
    numerator = e["size"] + 2 * e["padding"] - e["kernel_size"]
    naive = math.ceil(numerator / e["stride"]) + 1
    mistakes = [
        (naive, f"ceil gives {naive} windows; check where the last one would start."),
        (numerator + 1, "That counts a window at every position: the windows jump by the stride."),
        (math.ceil((e["size"] - e["kernel_size"]) / e["stride"]) + 1,
         "You left out the padding (1 on each side)."),
    ]
    return compare(answer, expected,
                   f"ceil({numerator}/{e['stride']}) + 1 = {naive}, but that last window would start "
                   f"at position {(naive - 1) * e['stride'] - e['padding']}, in the right padding, so "
                   f"PyTorch drops it: {expected}.",
                   hint=_kind_hint(answer, pair=False) or "Round up, then look at where the last window "
                                                           "starts.", mistakes=mistakes)


TF_EXERCISE = dict(size=8, kernel_size=5, stride=2)


def check_tf_same_padding(answer: Any) -> Feedback:
    """TensorFlow's 'same' (left, right) padding for a 5-wide kernel, stride 2, width 8 (TF_EXERCISE)."""
    e = TF_EXERCISE
    expected = same_padding(e["size"], e["kernel_size"], e["stride"])
    out = -(-e["size"] // e["stride"])
    total = sum(expected)
    span = (out - 1) * e["stride"] + e["kernel_size"]
    mistakes = [((expected[1], expected[0]), "Right total, wrong side: TensorFlow puts the odd "
                                             "pixel at the END (right, bottom)."),
                ((e["kernel_size"] // 2,) * 2, f"That is PyTorch's symmetric padding={e['kernel_size'] // 2} "
                                               f"(k // 2 on each side). TensorFlow pads only what ceil(n / s) "
                                               f"outputs need, which can be less."),
                ((0, 0), "With no padding the last window would not fit: count what "
                         "ceil(n / s) windows need.")]
    if _is_int_pair(answer) and sum(answer) != total and tuple(answer) not in {m[0] for m in mistakes}:
        mistakes.append((tuple(answer), f"Your left and right padding add up to {sum(answer)}. The {out} "
                                        f"windows TensorFlow wants (ceil({e['size']}/{e['stride']})) "
                                        f"span ({out} - 1)·{e['stride']} + {e['kernel_size']} = {span} "
                                        f"pixels, and the input has {e['size']}: pad only the difference."))
    return compare(answer, expected,
                   f"TF wants ceil({e['size']}/{e['stride']}) = {out} outputs, which needs {total} "
                   f"padding pixel(s) in total; the odd one goes to the right: {expected}. PyTorch's "
                   f"padding={e['kernel_size'] // 2} would put {e['kernel_size'] // 2} on each side, shifting "
                   f"every window by one pixel.",
                   hint=_kind_hint(answer, pair=True) or "TensorFlow puts the extra pixel at the end.",
                   equal=_equal_tuples, mistakes=mistakes)


DILATED_STACK = ((3, 1, 1), (3, 1, 3), (3, 1, 9))


def check_dilated_receptive_field(answer: Any) -> Feedback:
    """Receptive field of three stacked 3x3 convs (stride 1) with dilations 1, 3, 9 (DILATED_STACK)."""
    expected = measured_receptive_field(DILATED_STACK)
    growth = " + ".join(str(d * (k - 1)) for k, _, d in DILATED_STACK)
    no_dilation = 1 + sum(k - 1 for k, _, _ in DILATED_STACK)
    spans = sum(d * (k - 1) + 1 for k, _, d in DILATED_STACK)
    mistakes = [
        (no_dilation, "That is the field without dilation: each dilated layer widens it by d·(k-1), "
                      "not by k-1."),
        (expected - 1, "Off by one (one too few): start from the single output pixel (1), then add "
                       "what each layer widens it by."),
        (expected + 1, "Off by one (one too many): the first layer's field is its span d·(k-1) + 1 = 3; "
                       "each later layer adds only d·(k-1), since its span overlaps the field by one pixel."),
        (spans, "You added the three effective kernel sizes. Consecutive layers overlap: each one "
                "adds its span minus one."),
    ]
    return compare(answer, expected,
                   f"Each layer adds d·(k-1) pixels: 1 + {growth} = {receptive_field(DILATED_STACK)}, "
                   f"and PyTorch's gradients reach {expected} input pixels.",
                   hint=_kind_hint(answer, pair=False) or "A dilated 3x3 kernel spans d·(3-1)+1 pixels; "
                                                           "each layer widens the field by d·2.",
                   mistakes=mistakes)


GROUPS_EXERCISE = dict(in_channels=64, out_channels=128, kernel_size=3, groups=4)


def check_groups_parameters(answer: Any) -> Feedback:
    """Number of parameters of nn.Conv2d(64, 128, 3, groups=4, bias=False)."""
    e = GROUPS_EXERCISE
    with quiet_torch():
        conv = nn.Conv2d(e["in_channels"], e["out_channels"], e["kernel_size"], groups=e["groups"], bias=False)
    expected = count_parameters(conv)
    shape = tuple(conv.weight.shape)
    k, g, cin, cout = e["kernel_size"], e["groups"], e["in_channels"], e["out_channels"]
    mistakes = [
        (cout * cin * k * k, "That is the dense convolution: groups ignored. Each output channel sees "
                             "only in/groups input channels."),
        (expected + cout, "You counted a bias, but this layer has bias=False."),
        (expected // g, "You divided by groups twice. Every one of the out channels still has its "
                        "own filter; only the input channels per filter shrink."),
        (cout * (cin // g) * k, "The kernel is k x k: count both its height and its width."),
    ]
    return compare(answer, expected,
                   f"The weight is {list(shape)} = [out, in/groups, k, k], so "
                   f"{' · '.join(map(str, shape))} = {expected}.",
                   hint="Each output channel sees only in/groups input channels.", mistakes=mistakes)


MAXPOOL_EXERCISE = dict(values=(-5.0, -4.0, -3.0, -2.0, -1.0), kernel_size=3, stride=2, padding=1)


def check_maxpool_padding(answer: Any) -> Feedback:
    """Predict-then-run: the output of MaxPool1d(3, stride=2, padding=1) on [-5, -4, -3, -2, -1]."""
    e = MAXPOOL_EXERCISE
    x = torch.tensor(e["values"]).view(1, 1, -1)  # (N, C, L)
    expected = nn.MaxPool1d(e["kernel_size"], e["stride"], e["padding"])(x).flatten().tolist()
    with_zeros = F.max_pool1d(F.pad(x, (e["padding"], e["padding"])), e["kernel_size"], e["stride"])
    unpadded = F.max_pool1d(x, e["kernel_size"], e["stride"])

    def equal(a: Any, b: Any) -> bool:
        return [float(v) for v in a] == [float(v) for v in b]

    return compare(answer, expected,
                   f"{expected}: max pooling pads with -inf, so the padding never wins a maximum. "
                   f"Windows [pad, -5, -4], [-4, -3, -2], [-2, -1, pad].",
                   hint="Give a list with one number per window. Where do the windows start, with "
                        "padding 1 and stride 2? What could the padding hold?",
                   equal=equal,
                   mistakes=[(with_zeros.flatten().tolist(), "You padded with zeros, as a convolution "
                              "does. Then a window could return 0, a value not in the input."),
                             (unpadded.flatten().tolist(), "You left out the padding: with padding=1 "
                              "the first window starts one position before the input.")])
