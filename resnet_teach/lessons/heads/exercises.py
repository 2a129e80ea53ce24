"""Notebook 06's exercise checkers: the expected answers come from real modules and autograd."""
from __future__ import annotations

import torch
from torch import Tensor, nn

from ...exercises import Feedback, compare, is_unanswered
from ...resnet import resnet18
from ...trace import count_parameters
from .input_size import explore_input_size

__all__ = ["check_flatten_fc_params", "check_flatten_input_range", "check_avgpool_fraction", "check_cam"]


def check_flatten_fc_params(answer: int) -> Feedback:
    """Exercise: parameters of the fc layer of a ResNet-18 Flatten head built for 160x160, 10 classes."""
    model = resnet18(head="flatten", input_size=160, num_classes=10)
    expected = count_parameters(model.fc)
    c, (h, w) = model.num_features, model.feature_map_size((160, 160))
    return compare(answer, expected,
                   f"At 160x160 the last map is {c}x{h}x{w}, so fc is Linear({c * h * w}, 10): "
                   f"{c * h * w} x 10 weights + 10 biases = {expected:,}.",
                   hint="Find the last map's size (160 is divided by 2 five times, rounding up), "
                        "multiply channels x h x w, then count weights and biases.")


def check_flatten_input_range(answer: tuple[int, int]) -> Feedback:
    """Exercise: (smallest, largest) square side a Flatten head built for 224 accepts."""
    model = resnet18(num_classes=1)
    target = model.feature_map_size((224, 224))
    sides = [n for n in range(1, 513) if model.feature_map_size((n, n)) == target]
    expected = (min(sides), max(sides))
    return compare(tuple(answer) if isinstance(answer, (list, tuple)) else answer, expected,
                   f"Every side from {expected[0]} to {expected[1]} gives a {target[0]}x{target[1]} "
                   f"last map, so the flattened width matches fc; one pixel more or less and it does not.",
                   hint="Give a pair (smallest, largest). Try size_steps(n, n) for sides near 224, "
                        "or model.feature_map_size((n, n)).")


def check_avgpool_fraction(answer: float) -> Feedback:
    """Exercise: the share of the last feature map AvgPool2d(7) averages at a 416x416 input."""
    model = resnet18(num_classes=1)
    h, w = model.feature_map_size((416, 416))
    next_h, next_w = model.feature_map_size((417, 417))
    next_report = explore_input_size(417, 417).head("avgpool")
    # Ask autograd which positions of the map reach the pooled output at all.
    fmap = torch.ones(1, 1, h, w, requires_grad=True)
    nn.AvgPool2d(7)(fmap).sum().backward()
    used = int((fmap.grad != 0).sum())
    expected = used / (h * w)
    return compare(answer, expected,
                   f"At 416x416 the map is {h}x{w}; AvgPool2d(7) has stride 7, so one 7x7 window fits "
                   f"and it averages {used} of {h * w} positions = {expected:.2f}. The output is still "
                   f"1x1, so nothing complains. One pixel more (417x417) and the map is {next_h}x{next_w}: "
                   f"the head {'runs' if next_report.runs else 'fails'}"
                   f"{'' if next_report.runs else ', because ' + next_report.detail.split(':')[0]}.",
                   hint="A share between 0 and 1. How big is the last map at 416? How many 7x7 "
                        "windows with stride 7 fit in it?",
                   equal=lambda a, e: abs(float(a) - e) < 0.005)


def check_cam(answer: Tensor, features: Tensor, fc: nn.Linear, cls: int) -> Feedback:
    """Exercise: the class activation map of class ``cls`` for a (1, K, h, w) feature map."""
    if not isinstance(fc, nn.Linear):
        raise TypeError(f"fc must be an nn.Linear, got {type(fc).__name__}")
    expected = (fc.weight[cls][:, None, None] * features[0]).sum(0).detach()  # (h, w)

    def equal(a: Tensor, e: Tensor) -> bool:
        a = torch.as_tensor(a).detach()
        if a.shape != e.shape and a.squeeze().shape == e.shape:
            a = a.squeeze()  # a (1, h, w) map, e.g. computed on the whole batch, is the same map
        return a.shape == e.shape and torch.allclose(a, e, atol=1e-5, rtol=1e-4)

    shape_hint = f"a ({expected.shape[0]}, {expected.shape[1]}) tensor"
    feedback = compare(answer, expected,
                       f"Weighting each of the {features.shape[1]} channels by fc.weight[{cls}] and "
                       f"adding them gives {shape_hint}; its mean plus fc.bias[{cls}] is the class's logit.",
                       equal=equal)
    if feedback.correct or is_unanswered(answer):
        return feedback
    got = tuple(answer.shape) if isinstance(answer, Tensor) else type(answer).__name__
    return Feedback(False, f"Your answer ({got}) is not the map. The answer is {shape_hint}: the sum "
                           f"over k of fc.weight[{cls}, k] * features[0, k].")
