"""Notebook 07's exercises: the checkers, with the mistakes they name."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import torch
from torch import nn

from ..exercises import NOT_ANSWERED, Feedback, is_unanswered
from ..landscape import filter_normalized_direction
from ..lesion import path_length_counts

__all__ = ["check_worst_lesion_stage", "check_path_count", "check_blocks_per_stage_1001", "check_filter_norm"]

# ---------------------------------------------------------------------------------------------
# Exercises
# ---------------------------------------------------------------------------------------------


def check_worst_lesion_stage(answer: Any, lesions: Mapping[str, float]) -> Feedback:
    """Predict-then-run: in which stage (1, 2 or 3) does deleting one block hurt resnet-32 most?"""
    if is_unanswered(answer):
        return Feedback(False, NOT_ANSWERED)
    blocks = {k: v for k, v in lesions.items() if k != "none"}
    worst = min(blocks, key=blocks.get)
    expected = int(worst[len("layer")])
    drop = lesions["none"] - blocks[worst]
    if isinstance(answer, str) and answer.strip().startswith("layer"):
        answer = answer.strip()[len("layer") : len("layer") + 1]
    try:
        value = float(answer)
    except (TypeError, ValueError):
        return Feedback(False, f"You answered {answer!r}. Answer the stage's number: 1, 2 or 3.")
    if isinstance(answer, bool) or not value.is_integer():
        return Feedback(False, f"You answered {answer!r}. Answer the stage's number: 1, 2 or 3.")
    stage = int(value)
    if stage not in (1, 2, 3):
        return Feedback(False, f"You answered {answer!r}. A CIFAR ResNet has three stages: answer 1, 2 or 3.")
    excluded = (
        " (The first blocks of stages 2 and 3 change the shape and are not in the study: the "
        "identity cannot replace them.)"
    )
    if expected == 1:
        reason = (
            "A likely reason (we have not measured it): the earliest blocks work on the stem's raw "
            "features, every later block builds on what they produce, and in a small, briefly "
            "trained network no other path has learned to do their work."
        )
        hint = " Which blocks does every later block depend on, so that no other path can stand in for them?"
    else:
        reason = "In this run a later stage mattered most; the paper's ResNet-110 shows no such stage."
        hint = f" In this run the worst lesion is {worst}: look at the bar chart below."
    if stage == expected:
        return Feedback(
            True,
            f"Deleting {worst} costs the most: the accuracy falls by {drop:.2f}. " + reason + excluded,
        )
    if stage == 1:
        return Feedback(
            False,
            f"You answered 1: the blocks nearest the input. A fair guess, but in this run the "
            f"worst lesion is in stage {expected} ({worst}). Look at the bar chart below: which "
            f"blocks did this network lean on?{excluded}",
        )
    if stage == 2:
        return Feedback(
            False,
            "You answered 2: the middle stage. Its blocks are neither the first to see the "
            "features nor the last before the head." + hint + excluded,
        )
    return Feedback(
        False,
        "You answered 3: the blocks nearest the output. In a plain chain every layer "
        "is essential, so the last ones look the most important; but a residual block "
        "only adds a correction to what flows past it." + hint + excluded,
    )


def check_path_count(answer: Any, n: int = 54, k: int = 3) -> Feedback:
    """How many of the paths through ResNet-110's n = 54 blocks pass through exactly k = 3 branches?"""
    if is_unanswered(answer):
        return Feedback(False, NOT_ANSWERED)
    counts = path_length_counts(n)
    expected = counts[k]
    deletable = n - 2  # the stride-1 blocks: all but the two that change shape
    known = {
        2**n: f"{2**n} is the number of all paths (2^{n}), of every length; how many of them go "
        f"through exactly {k} branches?",
        n * k: f"{n * k} = {n} x {k}: count the ways to choose {k} blocks out of {n} (the order of the "
        f"blocks is fixed by the network, so it does not matter).",
        n**k: f"{n**k} = {n}^{k} counts ordered choices with repetition; a path goes through each "
        f"block once, in the network's order: choose a set of {k} blocks.",
        math.perm(n, k): f"{math.perm(n, k)} counts ordered choices; the network fixes the order, so "
        f"divide by {k}! = {math.factorial(k)}.",
        k**n: f"{k}^{n} would give each block {k} options; each block has 2: branch or skip.",
        math.comb(15, k): f"{math.comb(15, k)} = C(15, {k}) is resnet-32's count (15 blocks); ResNet-110 "
        f"has n = (110 - 2) / 6 = 18 blocks per stage, {n} in all.",
        math.comb(n // 3, k): f"{math.comb(n // 3, k)} = C({n // 3}, {k}) counts one stage; the paths run "
        f"through all three stages: {n} blocks.",
        math.comb(110, k): f"C(110, {k}) counts layers; a path chooses blocks (branch or skip), and "
        f"ResNet-110 has (110 - 2) / 2 = {n} of them.",
        math.comb(deletable, k): f"{math.comb(deletable, k)} = C({deletable}, {k}) counts only the {deletable} blocks "
        f"that keep the shape; the two that change it still have a skip "
        f"(option A zero-pads), so all {n} count.",
    }
    try:
        value = int(answer)
        if value != answer:
            raise ValueError
    except (TypeError, ValueError):
        return Feedback(False, f"You answered {answer!r}. Answer a whole number of paths.")
    if value == expected:
        return Feedback(
            True,
            f"C({n}, {k}) = {expected}: choose which {k} of the {n} blocks the path goes "
            f"through the branch of; it skips the others. Summed over k = 0..{n} that is "
            f"{sum(counts)} = 2^{n} paths.",
        )
    return Feedback(
        False,
        known.get(
            value,
            f"You answered {value}. Each block is passed through its branch "
            f"or its skip; count the paths that use exactly {k} branches.",
        ),
    )


def check_blocks_per_stage_1001(answer: Any) -> Feedback:
    """How many bottleneck blocks per stage does ResNet-1001 (pre-activation, CIFAR) have?"""
    from ..preact import preact_cifar_resnet

    if is_unanswered(answer):
        return Feedback(False, NOT_ANSWERED)
    # Build the structure with 1 channel per stage: only the block count matters.
    expected = len(preact_cifar_resnet(1001, block="bottleneck", widths=(1, 1, 1)).layer1)
    known = [
        (
            166.5,
            "(1001 - 2) / 6 = 166.5 uses the basic-block rule 6n + 2 (it is not even a whole number); "
            "a bottleneck block has 3 convs, so the rule is 9n + 2.",
        ),
        (
            166,
            "166 comes from the basic-block rule, (1001 - 2) / 6 = 166.5; a bottleneck block has 3 "
            "convs, so the rule is 9n + 2.",
        ),
        (
            167,
            "167 comes from the basic-block rule, (1001 - 2) / 6 = 166.5; a bottleneck block has 3 "
            "convs, so the rule is 9n + 2.",
        ),
        (333, "333 is the number of blocks in all three stages together; the question asks per stage."),
        (499.5, "(1001 - 2) / 2 assumes 2 convs per block and forgets the stages."),
        (1001 / 9, "Subtract the two layers that are not in a block (the first conv and the fc) first."),
        (
            (1001 - 5) / 9,
            "You took the three 1x1 projection shortcuts off the depth too; a ResNet's depth does "
            "not count them (it counts the blocks' convs, the first conv and the fc).",
        ),
        (
            (1001 - 5) // 9,
            "That is (1001 - 5) / 9 rounded down: you took the three 1x1 projection shortcuts off the "
            "depth too; a ResNet's depth does not count them. With them left in, 9n + 2 = 1001 comes out whole.",
        ),
        (1001 / 6, "Subtract the two layers that are not in a block first, and use 3 convs per block."),
    ]
    try:
        value = float(answer)
    except (TypeError, ValueError):
        return Feedback(False, f"You answered {answer!r}. Answer a whole number of blocks.")
    if value == expected:
        return Feedback(
            True,
            f"n = (1001 - 2) / 9 = {expected}: three stages of {expected} bottleneck blocks, "
            f"3 convs each, plus the first conv and the fc. ResNet-164 is n = 18.",
        )
    for wrong, why in known:
        if abs(value - wrong) < 0.01:
            return Feedback(False, f"You answered {answer!r}. {why}")
    return Feedback(
        False,
        f"You answered {answer!r}. Depth = 9n + 2 for bottleneck blocks: 3 stages x n "
        f"blocks x 3 convs, plus the first conv and the fc.",
    )


def _filter(weight_norm: float) -> nn.Conv2d:
    """A 1-filter 3x3 conv whose weight (all entries equal) has norm ``weight_norm``."""
    conv = nn.Conv2d(1, 1, 3, bias=False)
    with torch.no_grad():
        conv.weight.fill_(1.0)
        conv.weight.mul_(weight_norm / conv.weight.norm())
    return conv


def _normalized_filter_norm(weight_norm: float) -> float:
    g = torch.Generator().manual_seed(0)
    d = filter_normalized_direction(_filter(weight_norm), g)["weight"]  # the draw's own norm cancels out
    return float(d.norm())


def _step_norms(weight_norm: float, step: float) -> tuple[float, float]:
    """The smallest and largest norm of w + step·d, d the filter-normalized direction: d along -w, along +w."""
    w = _filter(weight_norm).weight.detach()
    along = w / w.norm() * _normalized_filter_norm(weight_norm)  # parallel to w, with the normalized norm
    return float((w - step * along).norm()), float((w + step * along).norm())


def check_filter_norm(
    answer: Any, weight_norm: float = 0.5, direction_norm: float = 3.0, step: float = 0.25
) -> Feedback:
    """A filter w of norm 0.5, a random direction filter d of norm 3.0, filter-normalized: the smallest
    and largest norm of w + 0.25·d (one grid step of section 4), as (smallest, largest)."""
    if is_unanswered(answer):
        return Feedback(False, NOT_ANSWERED)
    low, high = _step_norms(weight_norm, step)
    d_norm = _normalized_filter_norm(weight_norm)
    tol = 1e-4
    single = {
        d_norm: "That is the norm of d after filter normalization. The question asks one step further: "
        f"the norm of w + {step}·d, at its smallest and its largest.",
        step * d_norm: f"That is the norm of the step {step}·d. Add it to w: how small and how large can "
        "the sum's norm be?",
        math.hypot(weight_norm, step * d_norm): "That is the typical case, d at right angles to w (a random "
        "direction in many dimensions nearly is). The extremes are d along w and against it.",
        high: "That is the largest norm, d along w. And the smallest?",
        low: "That is the smallest norm, d against w. And the largest?",
    }
    try:
        value = float(answer)
    except (TypeError, ValueError):
        pass
    else:
        for wrong, why in single.items():
            if abs(value - wrong) < 1e-3:  # one number, perhaps rounded to three decimals
                return Feedback(False, f"You answered {answer!r}. {why}")
        return Feedback(False, f"You answered {answer!r}. Answer two numbers: (smallest, largest).")
    try:
        first, second = (float(v) for v in answer)
    except (TypeError, ValueError):
        return Feedback(False, f"You answered {answer!r}. Answer two numbers: (smallest, largest).")
    pair = (min(first, second), max(first, second))
    if abs(pair[0] - low) < tol and abs(pair[1] - high) < tol:
        return Feedback(
            True,
            f"({low:.3g}, {high:.3g}): after normalization d has the filter's norm {d_norm:.2g}, so a "
            f"step of {step} moves the filter by {step * d_norm:.3g}, {step:g} times its own norm, for small "
            "and large filters alike; the sum's norm lies between the difference and the sum of the two "
            f"norms (d against w, d along w). A typical random d, nearly at right angles to w, gives "
            f"{math.hypot(weight_norm, step * d_norm):.3g}.",
        )
    raw = step * direction_norm
    known = {
        (abs(weight_norm - raw), weight_norm + raw): f"You used d's norm before normalization ({direction_norm}): "
        f"filter normalization first rescales d to the norm of w.",
        (weight_norm - raw, weight_norm + raw): f"You used d's norm before normalization ({direction_norm}), "
        "and a norm cannot be negative.",
        (weight_norm - d_norm, weight_norm + d_norm): f"That is a full step (1·d). The grid step is {step}.",
        (weight_norm - step, weight_norm + step): "You took d as a unit vector: filter normalization "
        "rescales it to the norm of w, not to 1.",
        (weight_norm, weight_norm + step * d_norm): "The step can point against w too: then it shrinks the "
        "filter.",
    }
    for (a, b), why in known.items():
        if abs(pair[0] - min(a, b)) < tol and abs(pair[1] - max(a, b)) < tol:
            return Feedback(False, f"You answered {answer!r}. {why}")
    return Feedback(
        False,
        f"You answered {answer!r}. First the norm of d after normalization, then the norm of the step "
        f"{step}·d; the sum w + step·d is shortest when d points against w and longest along it.",
    )
