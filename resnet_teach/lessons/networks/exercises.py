"""Notebook 04's exercise checkers: each expected answer comes from a real (meta-device) network.
Each likely wrong answer gets a message naming its mistake (``exercises.compare``'s ``mistakes``)."""
from __future__ import annotations

import math
from typing import Any

from ...blocks import Bottleneck
from ...exercises import Feedback, compare, is_unanswered
from ...resnet import ResNet, resnet18, resnet50
from ...stages import network_macs, stage_report
from ...trace import build_on_meta, count_parameters
from .building import SIZE_RANGE, _meta_network, layer_counts, meta_network
from .spatial import spatial_steps

__all__ = ["check_layer4_size", "check_fc_params", "check_main_path_convs", "check_smallest_input",
           "check_macs_ratio", "RESNET200_LAYERS"]


def check_layer4_size(answer: Any) -> Feedback:
    """Height (= width) of ResNet-50's layer4 output for a 160x160 input."""
    if is_unanswered(answer):
        return compare(answer, None, "")
    layer4 = next(r for r in stage_report(meta_network("ResNet-50"), 160) if r.stage == "layer4")
    expected = layer4.output_shape[-1]
    sizes = " → ".join(str(s.size) for s in spatial_steps(160)[:-1])
    return compare(answer, expected, f"{expected}: {sizes}, five halvings of 160.",
                   hint="Apply the output-size formula to conv1, maxpool, and the first conv "
                        "of layer2, layer3 and layer4 (spatial_steps(160) shows each).",
                   mistakes=[(2 * expected, "One halving short: the max pool of the stem halves the size too."),
                             (4 * expected, "Two halvings short: the stem halves twice (conv1 and the max pool)."),
                             (math.ceil(expected / 2), "One halving too many: layer1 keeps the size (stride 1)."),
                             (1, "That is after global average pooling; the question asks for layer4's output.")])


def check_fc_params(answer: Any) -> Feedback:
    """Parameters of ResNet-50's fc layer for 10 classes."""
    if is_unanswered(answer):
        return compare(answer, None, "")
    fc = build_on_meta(resnet50, num_classes=10).fc
    expected = count_parameters(fc)
    narrow = build_on_meta(resnet18, num_classes=10).fc
    return compare(answer, expected,
                   f"{expected:,}: {fc.in_features}·{fc.out_features} weights + "
                   f"{fc.out_features} biases; ResNet-50 ends with 512·{Bottleneck.expansion} = "
                   f"{fc.in_features} channels.",
                   hint="ResNet-50's last stage outputs 512·expansion channels; fc has "
                        "in·out weights and one bias per class.",
                   mistakes=[(fc.weight.numel(), "Biases forgotten: fc has one per class."),
                             (count_parameters(narrow), "That is ResNet-18's width (512 channels): ResNet-50's "
                                                        "Bottlenecks expand by 4."),
                             (narrow.weight.numel(), "ResNet-18's width, and no biases: ResNet-50 ends wider, "
                                                     "and fc has one bias per class."),
                             (count_parameters(build_on_meta(resnet50).fc), "That is the fc for ImageNet's 1000 "
                                                                            "classes; the question asks for 10.")])


RESNET200_LAYERS = (3, 24, 36, 3)  # He et al. 2016, "Identity Mappings", ImageNet: Bottleneck blocks


def check_main_path_convs(answer: Any) -> Feedback:
    """How many conv layers a ResNet-200 (Bottlenecks, [3, 24, 36, 3]) has on its main path."""
    if is_unanswered(answer):
        return compare(answer, None, "")
    counts = layer_counts(build_on_meta(ResNet, block=Bottleneck, layers=list(RESNET200_LAYERS)))
    expected = counts["main-path convs"]
    blocks = " + ".join(map(str, RESNET200_LAYERS))
    return compare(answer, expected,
                   f"{expected}: conv1 + 3·({blocks}) block convs; with the fc that makes "
                   f"{counts['main-path convs + fc']}, the name. The {counts['projection convs']} "
                   f"projection convs are not counted.",
                   hint=f"conv1, then 3 convs per Bottleneck for {blocks} blocks.",
                   mistakes=[(counts["main-path convs + fc"], "The fc is not a conv: that number is the "
                                                              "name, convs plus fc."),
                             (counts["all convs"], "The projection convs of the shortcuts are not on the "
                                                   "main path."),
                             (expected - 1, "conv1, the stem's 7x7 conv, is on the main path too."),
                             (1 + 2 * sum(RESNET200_LAYERS), "A Bottleneck has three convs (1x1, 3x3, 1x1), "
                                                             "not two.")])


def check_smallest_input(answer: Any) -> Feedback:
    """The smallest square input for which ResNet-18's layer4 output is larger than 1x1."""
    if is_unanswered(answer):
        return compare(answer, None, "")
    model = _meta_network("ResNet-18", 3)
    expected = next(n for n in range(SIZE_RANGE[0], SIZE_RANGE[1] + 1)
                    if stage_report(model, n)[-2].output_shape[-1] > 1)
    sizes = " → ".join(str(s.size) for s in spatial_steps(expected)[:-1])
    below = " → ".join(str(s.size) for s in spatial_steps(expected - 1)[:-1])
    return compare(answer, expected,
                   f"{expected}: {sizes}, while {expected - 1} gives {below}. Each stride-2 layer "
                   f"maps n to ceil(n / 2), five of them ceil(n / 32).",
                   hint="Each stride-2 layer here maps n to floor((n - 1) / 2) + 1, i.e. ceil(n / 2); "
                        "try sizes around 32 with spatial_steps(n).",
                   mistakes=[(expected - 1, f"At {expected - 1} layer4 is still 1x1: the question asks for "
                                            f"a map *larger* than 1x1."),
                             (2 * (expected - 1), "That assumes each halving rounds down (floor). With padding "
                                                  "the stride-2 layers round up: spatial_steps(n) shows it."),
                             (2 * (expected - 1) + 1, "That assumes each halving rounds down (floor). With "
                                                      "padding the stride-2 layers round up.")])


def check_macs_ratio(answer: Any) -> Feedback:
    """Predict-then-run: ResNet-18's multiply-adds at 448x448 divided by those at 224x224."""
    if is_unanswered(answer):
        return compare(answer, None, "")
    model = meta_network("ResNet-18")
    expected = network_macs(model, 448) / network_macs(model, 224)
    fc_share = model.fc.weight.numel() / network_macs(model, 224)

    def near(target: float):
        return lambda a: not isinstance(a, bool) and abs(float(a) - target) <= 0.05 * target

    return compare(answer, expected,
                   f"{expected:.4f}: every conv works at 4 times as many positions (the height and the "
                   f"width both double), only the fc after global pooling costs the same "
                   f"({fc_share:.2%} of the total at 224), so a little under 4.",
                   hint="A number, the ratio. How does a conv's cost grow with the height and the width "
                        "of its map?",
                   equal=lambda a, e: not isinstance(a, bool) and abs(float(a) - e) <= 0.01 * e,
                   mistakes=[(near(2), "A conv's cost grows with the number of positions, height times width: "
                                       "both double."),
                             (near(1), "Global pooling makes the fc's input the same size, but every conv "
                                       "before it works on larger maps."),
                             (near(16), "The weights do not change with the input size: only the number of "
                                        "positions, height times width, does.")])
