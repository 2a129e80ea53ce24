"""Notebook 04's exercise checkers: each expected answer comes from a real (meta-device) network."""
from __future__ import annotations

from typing import Any

from ...blocks import Bottleneck
from ...exercises import Feedback, compare, is_unanswered
from ...resnet import STAGES, resnet50, resnet101
from ...stages import stage_report
from ...trace import build_on_meta, count_parameters
from .building import SIZE_RANGE, _meta_network, layer_counts, meta_network
from .spatial import spatial_steps

__all__ = ["check_layer4_size", "check_fc_params", "check_main_path_convs", "check_smallest_input"]


def check_layer4_size(answer: Any) -> Feedback:
    """Height (= width) of ResNet-50's layer4 output for a 160x160 input."""
    if is_unanswered(answer):
        return compare(answer, None, "")
    layer4 = next(r for r in stage_report(meta_network("ResNet-50"), 160) if r.stage == "layer4")
    expected = layer4.output_shape[-1]
    sizes = " → ".join(str(s.size) for s in spatial_steps(160)[:-1])
    return compare(answer, expected, f"{expected}: {sizes}, five halvings of 160.",
                   hint="Apply the output-size formula to conv1, maxpool, and the first conv "
                        "of layer2, layer3 and layer4 (spatial_steps(160) shows each).")


def check_fc_params(answer: Any) -> Feedback:
    """Parameters of ResNet-50's fc layer for 10 classes."""
    if is_unanswered(answer):
        return compare(answer, None, "")
    fc = build_on_meta(resnet50, num_classes=10).fc
    expected = count_parameters(fc)
    return compare(answer, expected,
                   f"{expected:,}: {fc.in_features}·{fc.out_features} weights + "
                   f"{fc.out_features} biases; ResNet-50 ends with 512·{Bottleneck.expansion} = "
                   f"{fc.in_features} channels.",
                   hint="ResNet-50's last stage outputs 512·expansion channels; fc has "
                        "in·out weights and one bias per class.")


def check_main_path_convs(answer: Any) -> Feedback:
    """How many conv layers ResNet-101 has on its main path (projection convs not counted)."""
    if is_unanswered(answer):
        return compare(answer, None, "")
    counts = layer_counts(build_on_meta(resnet101))
    expected = counts["main-path convs"]
    blocks = " + ".join(map(str, STAGES[101][1]))
    return compare(answer, expected,
                   f"{expected}: conv1 + 3·({blocks}) block convs; with the fc that makes "
                   f"{counts['main-path convs + fc']}. The {counts['projection convs']} "
                   f"projection convs are not counted.",
                   hint=f"conv1, then 3 convs per Bottleneck for {blocks} blocks.")


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
                        "try sizes around 32 with spatial_steps(n).")
