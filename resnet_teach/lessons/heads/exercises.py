"""Notebook 06's exercise checkers: the expected answers come from real modules and autograd.
Each likely wrong answer gets a message naming its mistake (``exercises.compare``'s ``mistakes``)."""
from __future__ import annotations

import torch
from torch import Tensor, nn

from ..._checks import check_int
from ...exercises import Feedback, compare, is_unanswered
from ...resnet import resnet18
from ...trace import count_parameters
from .input_size import explore_input_size

__all__ = ["check_flatten_fc_params", "check_flatten_input_range", "check_avgpool_fraction", "check_cam",
           "check_size_prediction"]


def check_flatten_fc_params(answer: int, built_for: int = 100) -> Feedback:
    """Exercise: parameters of the fc layer of a ResNet-18 Flatten head built for ``built_for``
    (100x100 in notebook 06), 10 classes."""
    if is_unanswered(answer):
        return compare(answer, None, "")
    n = check_int("built_for", built_for, 1)
    model = resnet18(head="flatten", input_size=n, num_classes=10)
    expected = count_parameters(model.fc)
    c, (h, w) = model.num_features, model.feature_map_size((n, n))
    floor_side = n
    for _ in range(5):  # the five halvings done with floor instead of PyTorch's sizes
        floor_side //= 2
    at_224 = resnet18(head="flatten", input_size=224, num_classes=10).fc
    mistakes = [(expected - 10, "Biases forgotten: fc has one per class."),
                (count_parameters(at_224), f"That is the head built for 224x224 (a 7x7 map); at {n} the map "
                                           f"is smaller."),
                (c * 10 + 10, "That is the GAP head: the Flatten head takes every position of the map, not "
                              "one average per channel."),
                (c * h * w * 1000 + 1000, "That is for 1000 classes; the question asks for 10.")]
    if floor_side != h:
        mistakes.append((c * floor_side * floor_side * 10 + 10,
                         f"Halving with floor gives a {floor_side}x{floor_side} map, but the padded 3x3 and "
                         f"7x7 layers round *up*: compute each size with the formula of notebook 01."))
    return compare(answer, expected,
                   f"At {n}x{n} the last map is {c}x{h}x{w}, so fc is Linear({c * h * w}, 10): "
                   f"{c * h * w} x 10 weights + 10 biases = {expected:,}.",
                   hint=f"Find the last map's size ({n} is divided by 2 five times, rounding up), "
                        "multiply channels x h x w, then count weights and biases.",
                   mistakes=mistakes)


def check_flatten_input_range(answer: tuple[int, int], built_for: int = 160) -> Feedback:
    """Exercise: (smallest, largest) square side a Flatten head built for ``built_for`` accepts."""
    if is_unanswered(answer):
        return compare(answer, None, "")
    check_int("built_for", built_for, 1)
    model = resnet18(num_classes=1)

    def band(side: int) -> tuple[int, int]:
        target = model.feature_map_size((side, side))
        sides = [n for n in range(1, 4 * side + 1) if model.feature_map_size((n, n)) == target]
        return min(sides), max(sides)

    expected = band(built_for)
    target = model.feature_map_size((built_for, built_for))
    pair = tuple(answer) if isinstance(answer, (list, tuple)) else answer

    def shifted(lo: int, hi: int):
        return lambda a: tuple(int(v) for v in a) == (lo, hi)

    return compare(pair, expected,
                   f"Every side from {expected[0]} to {expected[1]} gives a {target[0]}x{target[1]} "
                   f"last map, so the flattened width matches fc; one pixel more or less and it does not.",
                   hint="Give a pair (smallest, largest). Try size_steps(n, n) for sides near "
                        f"{built_for}, or model.feature_map_size((n, n)).",
                   mistakes=[(lambda a: not isinstance(a, tuple) or len(a) != 2, "Answer a pair (smallest, largest)."),
                             (shifted(expected[0] - 1, expected[1]), f"Off by one at the bottom: at "
                                                                     f"{expected[0] - 1} the map is one smaller."),
                             (shifted(expected[0], expected[1] + 1), f"Off by one at the top: at "
                                                                     f"{expected[1] + 1} the map is one larger."),
                             (shifted(built_for, built_for), "More than one side works: each stride-2 layer "
                                                             "rounds up, so nearby sides give the same map."),
                             (shifted(*band(224)), "That is the band of the head built for 224 (section 5); "
                                                   f"this one is built for {built_for}."),
                             (shifted(expected[1], expected[1] + 31), "The sides that work end at the size it "
                                                                      "was built for: rounding *up* maps "
                                                                      "smaller sides onto the same map.")])


def check_avgpool_fraction(answer: float) -> Feedback:
    """Exercise: the share of the last feature map AvgPool2d(7) averages at a 416x416 input."""
    if is_unanswered(answer):
        return compare(answer, None, "")
    model = resnet18(num_classes=1)
    h, w = model.feature_map_size((416, 416))
    next_h, next_w = model.feature_map_size((417, 417))
    next_report = explore_input_size(417, 417).head("avgpool")
    # Ask autograd which positions of the map reach the pooled output at all.
    fmap = torch.ones(1, 1, h, w, requires_grad=True)
    nn.AvgPool2d(7)(fmap).sum().backward()
    used = int((fmap.grad != 0).sum())
    expected = used / (h * w)

    def near(target: float):
        return lambda a: not isinstance(a, bool) and abs(float(a) - target) < 0.005

    return compare(answer, expected,
                   f"At 416x416 the map is {h}x{w}; AvgPool2d(7) has stride 7, so one 7x7 window fits "
                   f"and it averages {used} of {h * w} positions = {expected:.2f}. The output is still "
                   f"1x1, so nothing complains. One pixel more (417x417) and the map is {next_h}x{next_w}: "
                   f"the head {'runs' if next_report.runs else 'fails'}"
                   f"{'' if next_report.runs else ', because ' + next_report.detail.split(':')[0]}.",
                   hint="A share between 0 and 1. How big is the last map at 416? How many 7x7 "
                        "windows with stride 7 fit in it?",
                   equal=lambda a, e: not isinstance(a, bool) and abs(float(a) - e) < 0.005,
                   mistakes=[(near(1.0), "That would be global average pooling; a fixed 7x7 window with "
                                         "stride 7 covers only part of a larger map."),
                             (near(1 - expected), "That is the share it ignores; the question asks for the "
                                                  "share it averages."),
                             (near(4 * used / (h * w)), "Only one window fits: the second would start at 7 "
                                                        f"and end at 14, past the map's {h} positions."),
                             (lambda a: not isinstance(a, bool) and float(a) > 1,
                              "A share is at most 1: averaged positions / all positions.")])


def check_size_prediction(prediction: object, accuracy_at_train_size: float, accuracy_larger: float) -> Feedback:
    """Predict-then-run (notebook 06): shown the same test images twice as large, does the
    trained network keep an accuracy within 10 points of what it has at the training size?"""
    if is_unanswered(prediction):
        return Feedback(False, "Write your prediction in `prediction` first (True or False), then run "
                               "this cell again.")
    for name, value in (("accuracy_at_train_size", accuracy_at_train_size), ("accuracy_larger", accuracy_larger)):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
            raise ValueError(f"{name}={value!r} must be an accuracy between 0 and 1")
    kept = accuracy_larger >= accuracy_at_train_size - 0.10
    measured = (f"measured {accuracy_larger:.0%} at twice the size against "
                f"{accuracy_at_train_size:.0%} at the training size")
    if not isinstance(prediction, bool):
        return Feedback(False, f"You predicted {prediction!r}: answer True (it keeps its accuracy) or False.")
    if prediction == kept:
        return Feedback(True, f"As you predicted: {measured}. The network runs at any size; it "
                              f"{'also' if kept else 'does not'} perform at this one.")
    return Feedback(False, f"You predicted {prediction}; {measured}. "
                           + ("Running at a size is not performing at it: the features were learned "
                              "for digits 8 pixels tall." if not kept else
                              "Convolutions slide over any map, and here they still recognised the digits."))


def check_cam(answer: Tensor, features: Tensor, fc: nn.Linear, cls: int) -> Feedback:
    """Exercise: the class activation map of class ``cls`` for a (1, K, h, w) feature map."""
    if not isinstance(fc, nn.Linear):
        raise TypeError(f"fc must be an nn.Linear, got {type(fc).__name__}")
    expected = (fc.weight[cls][:, None, None] * features[0]).sum(0).detach()  # (h, w)
    shape = tuple(expected.shape)

    def as_map(a: object) -> Tensor:
        a = torch.as_tensor(a).detach()
        if a.shape != expected.shape and a.squeeze().shape == expected.shape:
            a = a.squeeze()  # a (1, h, w) map, e.g. computed on the whole batch, is the same map
        return a

    def close(a: object, target: Tensor) -> bool:
        a = as_map(a)
        return a.shape == target.shape and torch.allclose(a, target, atol=1e-5, rtol=1e-4)

    weights = fc.weight.detach()
    other = (cls + 1) % weights.shape[0]
    shown = (f"a tensor of shape {tuple(answer.shape)}" if isinstance(answer, Tensor)
             else f"{answer!r}" if isinstance(answer, (int, float, str)) else f"a {type(answer).__name__}")
    return compare(answer, expected,
                   f"Weighting each of the {features.shape[1]} channels by fc.weight[{cls}] and adding "
                   f"them gives a {shape} tensor; its mean plus fc.bias[{cls}] is the class's logit.",
                   hint=f"The shape is right, the values are not. The map is the sum over k of "
                        f"fc.weight[{cls}, k] * features[0, k].",
                   equal=lambda a, e: close(a, e),
                   shown=shown,
                   mistakes=[(lambda a: not isinstance(a, (Tensor, list, tuple)),
                              f"Answer a tensor: the map, one value per position, shape {shape}."),
                             (lambda a: as_map(a).shape != expected.shape,
                              f"The map has shape {shape}, one value per position: weight the channels, "
                              f"then sum over them."),
                             (lambda a: close(a, expected + fc.bias[cls].detach()),
                              "The bias belongs to the logit, not to the map: the logit is the map's mean plus "
                              "the bias."),
                             (lambda a: close(a, features[0].sum(0)), "That is the plain sum of the channels: "
                                                                      "each channel must be weighted by its "
                                                                      "fc weight for the class."),
                             (lambda a: close(a, expected.T), "Transposed: keep features' (h, w) order."),
                             (lambda a: close(a, (weights[other][:, None, None] * features[0]).sum(0)),
                              "Another class's weights: use row {cls} of fc.weight.".replace("{cls}", str(cls)))])
