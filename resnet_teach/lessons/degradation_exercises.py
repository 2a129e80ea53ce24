"""Notebook 05's exercises and the identity-block experiment behind exercise 1."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch

from .._checks import check_choice
from ..blocks import BasicBlock
from ..cifar import cifar_resnet
from ..exercises import Feedback, compare, is_unanswered
from ..gradient_norms import gradient_norms_at_init
from ..trace import count_parameters

__all__ = ["IDENTITY_CHOICES", "returns_input", "check_identity_block", "check_reach_prediction",
           "check_shortcut_parameters", "check_largest_gradient_ratio", "DEPTH_CANDIDATES", "check_valid_depths"]

# ---------------------------------------------------------------------------------------------
# Exercises
# ---------------------------------------------------------------------------------------------

# What a student might do to a fresh residual BasicBlock(16, 16) to make it return its input.
# None of them is one that notebook 05's section 4 runs on screen (zero γ and β of bn2, conv2's
# weights times 0.1, conv2's weights exactly 0): each asks for a step of reasoning beyond it.
IDENTITY_CHOICES: dict[str, str] = {
    "a": "multiply bn2's gamma by 0.001 (its beta stays 0)",
    "b": "set conv1's weights to exactly 0",
    "c": "set bn2's gamma to 0 and leave its beta as a fresh block has it",
    "d": "set bn2's gamma to 0 and its beta to 0.1",
    "e": "set bn1's gamma and beta to 0",
}


def _apply_choice(block: BasicBlock, choice: str) -> None:
    with torch.no_grad():
        if choice == "a":
            block.bn2.weight.mul_(0.001)
        elif choice == "b":
            block.conv1.weight.zero_()
        elif choice == "c":
            block.bn2.weight.zero_()
        elif choice == "d":
            block.bn2.weight.zero_()
            block.bn2.bias.fill_(0.1)
        elif choice == "e":
            block.bn1.weight.zero_()
            block.bn1.bias.zero_()


def returns_input(choice: str) -> dict[str, bool]:
    """Apply one of IDENTITY_CHOICES to a fresh residual BasicBlock(16, 16) and test
    ``block(x) == x`` exactly, in train mode and in eval mode, on a non-negative input."""
    check_choice("choice", choice, tuple(IDENTITY_CHOICES))
    with torch.random.fork_rng():
        torch.manual_seed(0)
        block = BasicBlock(16, 16)
        x = torch.relu(torch.randn(4, 16, 8, 8))  # (N, C, H, W): a block's input comes out of a ReLU
    _apply_choice(block, choice)
    with torch.no_grad():
        return {"train": torch.equal(block.train()(x), x), "eval": torch.equal(block.eval()(x), x)}


def check_identity_block(answer: Any) -> Feedback:
    """Exercise: which of IDENTITY_CHOICES make a fresh residual block return its input exactly?"""
    if is_unanswered(answer):
        return compare(answer, None, "")
    works = {c for c in IDENTITY_CHOICES if all(returns_input(c).values())}

    def as_set(a: Any) -> set:
        return {str(v).strip().lower() for v in ([a] if isinstance(a, str) else a)}

    def given(a: Any) -> set:
        try:
            return as_set(a)
        except TypeError:
            return set()

    return compare(answer, works,
                   f"{sorted(works)}. A fresh BN has β = 0, so γ = 0 alone silences bn2, whatever the convs "
                   f"and the running statistics (this is what zero_init_residual does). Zero conv1 weights "
                   f"and a zero bn1 both end in an all-zero batch before conv2 (bn1 normalizes zeros to its "
                   f"β = 0, the ReLU keeps 0), so conv2 outputs zeros and bn2 turns them into its β, 0. "
                   f"A small γ is not a zero γ: bn2 outputs 0.001 times the normalized branch, small but "
                   f"not nothing; and β = 0.1 is added to every output.",
                   hint="Answer a set of letters, e.g. {'a', 'd'}. returns_input(letter) runs each one.",
                   equal=lambda a, e: as_set(a) == e,
                   mistakes=[(lambda a: not given(a) <= set(IDENTITY_CHOICES),
                              f"Use the letters {sorted(IDENTITY_CHOICES)}."),
                             (lambda a: "a" in given(a), "(a) shrinks bn2's γ without zeroing it: bn2 "
                                                         "then outputs 0.001 times the normalized branch, which "
                                                         "is small, not zero."),
                             (lambda a: "d" in given(a), "(d) leaves β = 0.1, which bn2 adds to every output."),
                             (lambda a: "b" not in given(a), "Look again at (b): if conv1 outputs zeros, what do "
                                                            "bn1, the ReLU and conv2 make of them? returns_input('b') "
                                                            "runs it."),
                             (lambda a: "c" not in given(a), "Look again at (c): what is β of a freshly built BN? "
                                                            "returns_input('c') runs it."),
                             (lambda a: "e" not in given(a), "Look again at (e): if bn1 outputs zeros, what "
                                                            "does conv2 see? returns_input('e') runs it.")])


def check_reach_prediction(prediction: Any, reached: int | None) -> Feedback:
    """Predict-then-run: how many epochs plain-32 needs to reach 5% training error ("never":
    not within the run). ``reached`` is what the run measured (None: not reached); within a
    third of it (or "never" for None) counts as a good prediction."""
    if is_unanswered(prediction):
        return Feedback(False, "Write your prediction in `prediction` first (a number of epochs, or "
                               "\"never\"), then run this cell again.")
    if reached is not None and (isinstance(reached, bool) or not isinstance(reached, int)):
        raise TypeError(f"reached={reached!r} must be the measured number of epochs (an int) or None")
    measured = "never within the run" if reached is None else f"after {reached} epochs"
    never = isinstance(prediction, str) and prediction.strip().lower() == "never"
    if not never and (isinstance(prediction, bool) or not isinstance(prediction, (int, float))):
        return Feedback(False, f"You predicted {prediction!r}: give a number of epochs, or \"never\".")
    if never or reached is None:
        ok = never and reached is None
    else:
        ok = abs(prediction - reached) <= reached / 3
    if ok:
        return Feedback(True, f"Measured: {measured}. Your prediction, {prediction!r}, was close.")
    if never:
        return Feedback(False, f"You predicted \"never\"; measured: {measured}. It is slow, but it does "
                               f"get there.")
    too = ("" if reached is None else
           " Too few: depth made plain-32 slower than you expected." if prediction < reached else
           " Too many: it is slow, but not that slow.")
    return Feedback(False, f"You predicted {prediction!r}; measured: {measured}.{too}")


def _shortcut_extra_parameters(depth: int = 32) -> tuple[int, int]:
    plain = count_parameters(cifar_resnet(depth, residual=False, shortcut="A", in_channels=1))
    option_a = count_parameters(cifar_resnet(depth, residual=True, shortcut="A", in_channels=1))
    option_b = count_parameters(cifar_resnet(depth, residual=True, shortcut="B", in_channels=1))
    return option_a - plain, option_b - plain


def check_shortcut_parameters(answer: Any) -> Feedback:
    """Exercise: how many parameters do option-A and option-B shortcuts add to plain-32?"""
    if is_unanswered(answer):
        return compare(answer, None, "")
    expected = _shortcut_extra_parameters(32)
    net_b = cifar_resnet(32, residual=True, shortcut="B", in_channels=1)
    projection_convs = sum(m.weight.numel() for name, m in net_b.named_modules() if name.endswith("downsample.0"))
    bn_params = expected[1] - projection_convs

    def pair(target: tuple[int, int]):
        return lambda a: tuple(int(v) for v in a) == target

    return compare(tuple(answer) if isinstance(answer, (list, tuple)) else answer, expected,
                   why=f"Option A adds {expected[0]} parameters (zero padding needs none); option B adds "
                       f"{expected[1]}: two 1x1 projections with their BN, 16->32 and 32->64 channels. "
                       f"With option A the comparison is fair: same weights, only the wiring differs.",
                   hint="Answer a pair (extra_A, extra_B); count_parameters and cifar_resnet(32, "
                        "residual=..., shortcut=..., in_channels=1) give all three counts.",
                   mistakes=[(lambda a: not isinstance(a, tuple), "Answer a pair: (extra_A, extra_B)."),
                             (lambda a: len(a) == 2 and int(a[0]) != 0,
                              "Option A pads with zeros and takes every second pixel: nothing to learn."),
                             (pair((0, projection_convs)), "The 1x1 convs only: each projection has a BN "
                                                           "too (γ and β per channel)."),
                             (pair((0, projection_convs + 2 * bn_params)),
                              "BN's running mean and variance are buffers, not parameters."),
                             (pair((0, expected[1] + 32 + 64)), "The projection convs have bias=False, "
                                                                "like every conv before a BN.")])


def check_largest_gradient_ratio(answer: Any) -> Feedback:
    """Exercise: in plain-56 at initialization, how many times larger is the first conv's
    gradient norm than the last conv's? (Within 5%: the norms come from long float sums.)"""
    if is_unanswered(answer):
        return compare(answer, None, "")
    norms = gradient_norms_at_init(56, residual=False, seed=0)
    convs = [v for k, v in norms.items() if k != "fc"]
    expected = convs[0] / convs[-1]
    at_32 = [v for k, v in gradient_norms_at_init(32, residual=False, seed=0).items() if k != "fc"]
    resnet = [v for k, v in gradient_norms_at_init(56, residual=True, seed=0).items() if k != "fc"]

    def near(target: float):
        return lambda a: abs(float(a) - target) <= 0.05 * abs(target)

    return compare(answer, expected,
                   f"About {expected:,.0f}: the first conv of plain-56 gets a gradient that many times "
                   f"larger than its last conv (plain-32: about {at_32[0] / at_32[-1]:,.0f}). The deeper the "
                   f"plain net, the more the gradients grow towards the input: no sign of vanishing.",
                   hint="A number: first conv's norm / last conv's norm, from "
                        "gradient_norms_at_init(56, residual=False) (the last conv is the entry just "
                        "before 'fc').",
                   equal=lambda a, e: not isinstance(a, bool) and abs(float(a) - e) <= 0.05 * e,
                   mistakes=[(near(1 / expected), "Upside down: divide the first conv's norm by the last "
                                                  "conv's."),
                             (near(at_32[0] / at_32[-1]), "That is plain-32's ratio: the question is about "
                                                          "depth 56."),
                             (near(resnet[0] / resnet[-1]), "That is the residual net: use residual=False."),
                             (near(convs[0] / norms["fc"]), "The fc is not a conv: take the last entry "
                                                            "before 'fc'.")])


DEPTH_CANDIDATES: tuple[int, ...] = (8, 16, 18, 20, 34, 44, 50, 56, 110)


def _buildable(depth: int) -> bool:
    try:
        cifar_resnet(depth, widths=(1, 1, 1))  # 1 channel per stage: only the structure matters
    except ValueError:
        return False
    return True


def check_valid_depths(answer: Any, candidates: Sequence[int] = DEPTH_CANDIDATES) -> Feedback:
    """Exercise: which of ``candidates`` can a CIFAR ResNet (6n+2) have?"""
    if is_unanswered(answer):
        return compare(answer, None, "")
    expected = sorted(d for d in candidates if _buildable(d))
    others = sorted(d for d in candidates if d not in expected)

    def depths(a: Any) -> set:
        return {int(v) for v in a}

    def same(a: Any, e: Any) -> bool:
        return sorted(int(v) for v in a) == e

    return compare(answer, expected, equal=same,
                   why=f"{expected}: depth - 2 must split into 3 stages x n blocks x 2 convs, so (depth - 2) "
                       f"must divide by 6; {others} fail that." + (
                           " 50 passes (n = 8), yet a CIFAR net of depth 50 is not ImageNet's ResNet-50: "
                           "that one has bottleneck blocks and four stages." if 50 in expected else ""),
                   hint="Give a list of depths. Depth = 6n + 2: subtract 2 and check divisibility by 6.",
                   mistakes=[(lambda a: bool(depths(a) & {18, 34}),
                              "18 and 34 are ImageNet depths (four stages of BasicBlocks): is depth - 2 "
                              "divisible by 6?"),
                             (lambda a: 16 in depths(a), "(16 - 2) / 6 is not a whole number of blocks."),
                             (lambda a: 50 not in depths(a) and 50 in expected,
                              "50 is missing: (50 - 2) / 6 = 8 blocks per stage. A CIFAR net of depth 50 "
                              "is not ImageNet's ResNet-50, but it exists."),
                             (lambda a: bool(depths(a) - set(candidates)),
                              f"Pick from the list given: {list(candidates)}.")])
