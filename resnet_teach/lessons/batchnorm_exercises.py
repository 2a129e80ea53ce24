"""Notebook 02's exercises: the checkers, with the mistakes they name."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
from torch import Tensor, nn

from .._checks import check_float
from .._rng import seeded
from ..exercises import Feedback, compare

__all__ = ["ANSWER_RTOL", "ROUNDED_RTOL", "exercise_batch", "check_running_stats", "RAISE_SHAPES",
           "check_which_raise", "check_first_batch_weight", "check_two_value_batch", "two_value_outputs"]

# ---------------------------------------------------------------- exercises

ANSWER_RTOL = 1e-2  # an answer rounded to 3 significant digits, e.g. 1.37 for 1.36667, is right
ROUNDED_RTOL = 6e-2  # within this but not ANSWER_RTOL: the right idea, rounded too far (1.4)


def _checked(answer: Any, expected: Any, why: str, hint: str,
             mistakes: Sequence[tuple[Any, str]] = ()) -> Feedback:
    """``compare`` with the notebook's 1% tolerance; a named mistake first, then "rounded too
    far" for an answer within 6% (two significant digits, e.g. 1.4 for 1.367)."""
    result = compare(answer, expected, why, hint, equal=_close(), mistakes=mistakes)
    if result.correct or result.message != f"You answered {answer!r}. {hint}".strip():
        return result  # right, unanswered, or a named mistake
    try:
        nearly = _close(ROUNDED_RTOL)(answer, expected)
    except (TypeError, ValueError, RuntimeError):  # not numbers: the generic hint stands
        nearly = False
    if nearly:
        return Feedback(False, f"You answered {answer!r}. Close, but more than 1% off, which three "
                               "significant digits of the exact value never are. Recompute without "
                               "rounding the steps, and round only the final numbers.")
    return result


def _close(rtol: float = ANSWER_RTOL, atol: float = 1e-6):
    """Equal within ``rtol`` of the expected value, so that answers rounded to the precision the
    notebook prints are accepted (``atol`` only matters for an expected value of 0)."""
    def equal(answer, expected) -> bool:
        a = torch.as_tensor(answer, dtype=torch.float64).flatten()
        e = torch.as_tensor(expected, dtype=torch.float64).flatten()
        return a.shape == e.shape and bool(torch.allclose(a, e, atol=atol, rtol=rtol))
    return equal


def _pair_hint(answer: Any, names: str = "") -> str:
    """"Give a pair" only to an answer that is not a pair of numbers."""
    if isinstance(answer, (list, tuple)) and len(answer) == 2:
        try:
            [float(v) for v in answer if not isinstance(v, (str, bool))]
            if not any(isinstance(v, (str, bool)) for v in answer):
                return ""
        except (TypeError, ValueError):
            pass
    return f"Give a pair of numbers{' ' + names if names else ''}, e.g. (2.45, 0.0123). "


def exercise_batch() -> Tensor:
    """Exercise 1's batch: four 1x1 'images' of one channel, (N, C, H, W) = (4, 1, 1, 1)."""
    return torch.tensor([1.0, 2.0, 3.0, 6.0]).view(4, 1, 1, 1)


def check_running_stats(answer: Sequence[float]) -> Feedback:
    """Exercise 1: (running_mean, running_var) of a fresh BatchNorm2d(1) after one training
    forward pass of ``exercise_batch()``."""
    bn = nn.BatchNorm2d(1).train()
    with torch.no_grad():
        bn(exercise_batch())
    expected = (bn.running_mean.item(), bn.running_var.item())
    x, m = exercise_batch(), bn.momentum
    mean, biased, unbiased = x.mean().item(), x.var(correction=0).item(), x.var().item()
    mistakes = [
        ((m * mean, (1 - m) + m * biased), "That running_var uses the BIASED variance (divide by N*H*W). "
         "The batch is normalized with it, but running_var remembers the UNBIASED one (divide by "
         "N*H*W - 1)."),
        ((mean, unbiased), "Those are the batch's own statistics. The running statistics only mix in "
         "a fraction of the new batch (momentum) and keep the rest of their old values."),
        ((mean, biased), "Those are the batch's own statistics (and its biased variance). The running "
         "statistics only mix in a fraction of the new batch and keep the rest of their old values."),
        (((1 - m) * mean, m + (1 - m) * unbiased), "You gave the NEW batch the weight 1 - momentum, as "
         "Keras does. In PyTorch momentum is the weight of the new batch."),
        ((m * mean, m * unbiased), "running_var starts at 1, not 0 (running_mean starts at 0)."),
        ((m * mean, m + (1 - m) * unbiased), "Your running_mean is right, but in running_var you gave the "
         "NEW batch the weight 1 - momentum, as Keras does (section 4). In PyTorch momentum is the "
         "weight of the new batch, in both statistics."),
        ((m * mean, m + (1 - m) * biased), "In running_var you gave the NEW batch the weight 1 - momentum "
         "(Keras's convention), and used the biased variance."),
    ]
    keras_weight = 1 - 0.99  # Keras's default momentum 0.99 is the weight of the OLD value
    mistakes += [((keras_weight * mean, (1 - keras_weight) + keras_weight * v),
                  "You used a momentum of 0.01 for the new batch: Keras's default momentum=0.99 "
                  "translated to PyTorch. This layer has PyTorch's default, momentum=0.1.")
                 for v in (unbiased, biased)]
    return _checked(answer, expected,
                   why=f"running_mean = {1 - m:g} * 0 + {m:g} * {x.mean().item():g} = {expected[0]:.4f}; "
                       f"running_var = {1 - m:g} * 1 + {m:g} * {x.var().item():.4f} = {expected[1]:.4f} "
                       f"(the UNBIASED variance, divided by N*H*W - 1).",
                   hint=_pair_hint(answer, "(running_mean, running_var)") + "Start from 0 and 1; the new "
                        "batch weighs momentum = 0.1; which variance goes into running_var?",
                   mistakes=mistakes)


RAISE_SHAPES: tuple[tuple[int, int, int, int], ...] = (
    (1, 3, 1, 1), (1, 3, 2, 2), (2, 3, 1, 1), (1, 1, 1, 7), (8, 64, 1, 1), (1, 64, 7, 7))


def _raises_in_training(shape: tuple[int, int, int, int]) -> bool:
    bn = nn.BatchNorm2d(shape[1]).train()
    try:
        with torch.no_grad(), seeded(0):
            bn(torch.randn(shape))
    except ValueError:
        return True
    return False


def check_which_raise(answer: Sequence[int]) -> Feedback:
    """Exercise 2: the indices into ``RAISE_SHAPES`` of the inputs that a BatchNorm2d in
    training mode refuses."""
    expected = sorted(i for i, s in enumerate(RAISE_SHAPES) if _raises_in_training(s))

    def equal(a, e) -> bool:
        return sorted(int(i) for i in a) == e

    batch_of_one = [i for i, s in enumerate(RAISE_SHAPES) if s[0] == 1]
    one_pixel = [i for i, s in enumerate(RAISE_SHAPES) if s[2] * s[3] == 1]
    mistakes = [
        (batch_of_one, "You picked every batch of one image (N = 1), blog post 003's rule. A single "
                       "image with several pixels gives each channel several values: count N * H * W."),
        (one_pixel, "You picked every 1x1 map. With several images (N > 1) a 1x1 map still gives each "
                    "channel N values: count N * H * W."),
        ([], "One of the shapes gives each channel a single value. One value normalizes to beta "
             "whatever it was, and its unbiased variance (for running_var) would be 0/0."),
    ]
    return compare(answer, expected,
                   why="Only an input with N * H * W == 1 raises: a single value per channel normalizes "
                       "to beta whatever it was, and its unbiased variance (divide by N * H * W - 1 = 0) "
                       "would be 0/0. A single image with H * W > 1 is fine.",
                   hint="Give a list of indices (0-based). For each shape count the values per channel: "
                        "N * H * W.",
                   equal=equal, mistakes=mistakes)


def _first_batch_weight(momentum: float | None, steps: int) -> float:
    """Ask nn.BatchNorm2d: the first batch has mean 1, the later ones mean 0, so running_mean
    ends up equal to the first batch's weight."""
    bn = nn.BatchNorm2d(1, momentum=momentum).train()
    with torch.no_grad():
        bn(torch.ones(2, 1, 1, 1))
        for _ in range(steps - 1):
            bn(torch.tensor([1.0, -1.0]).view(2, 1, 1, 1))
    return bn.running_mean.item()


def check_first_batch_weight(answer: float) -> Feedback:
    """Exercise 3: a fresh BatchNorm2d(1, momentum=0.1) runs 5 training steps (batches 1..5);
    the weight of batch 1's mean in the final running_mean."""
    expected = _first_batch_weight(0.1, 5)
    m = 0.1
    mistakes = [
        (m, "That is its weight right after step 1. Each of the later steps shrinks the old value."),
        (m * (1 - m) ** 5, "One shrink too many: batch 1 is not shrunk by its own step, only by the "
                           "steps after it."),
        (m * (1 - m) ** 3, "One shrink too few: count the steps after batch 1."),
        ((1 - m) ** 4, "You left out the weight batch 1 gets when it enters (momentum)."),
        (_first_batch_weight(None, 5), "That is momentum=None, the cumulative average. This layer has "
                                       "momentum=0.1."),
        ((1 - m) * m ** 4, "You swapped the roles: in PyTorch momentum (0.1) is the weight of the NEW "
                           "batch, 1 - momentum what the old value keeps."),
    ]
    return _checked(answer, expected,
                   why=f"It enters with weight 0.1 and is multiplied by (1 - 0.1) at each of the 4 later "
                       f"steps: 0.1 * 0.9**4 = {expected:.5f}. With momentum=None it would be 1/5 = "
                       f"{_first_batch_weight(None, 5):.5f}.",
                   hint="Momentum is the weight of the NEW batch; every later step shrinks the old "
                        "value by (1 - momentum).",
                   mistakes=mistakes)


def check_two_value_batch(answer: Sequence[float]) -> Feedback:
    """Exercise 4: outputs of a fresh BatchNorm2d(1) in training mode for a batch of two 1x1
    images with values 7 and 3 (in that order)."""
    expected = two_value_outputs(7.0, 3.0)
    x = torch.tensor([7.0, 3.0])
    mean, var = x.mean().item(), x.var(correction=0).item()
    far, near = two_value_outputs(1000.0, -5.0), two_value_outputs(0.001, 0.0)
    eps = nn.BatchNorm2d(1).eps
    unbiased_std = x.var(correction=1).item() ** 0.5
    mistakes = [
        (((7 - mean) / unbiased_std, (3 - mean) / unbiased_std),
         "You divided by the UNBIASED standard deviation. In training BN normalizes with the BIASED "
         "one (divide by the number of values, here 2)."),
        ((7 - mean, 3 - mean), "You subtracted the mean but did not divide by the standard deviation."),
        ((7.0, 3.0), "Those are the inputs unchanged, as an eval-mode layer with the initial running "
                     "statistics (mean 0, variance 1) would give. This layer is in training mode: it "
                     "uses the batch's own statistics."),
        ((expected[1], expected[0]), "The right numbers in the wrong order: the first output belongs "
                                     "to 7."),
        ((abs(expected[0]), abs(expected[1])), "Both outputs have the same sign. After subtracting the mean "
                                               "of 7 and 3, one value is above it and one below."),
    ]
    return _checked(answer, expected,
                   why=f"Mean {mean:g}, biased variance {var:g}, so (7 - {mean:g}) / {var ** 0.5:g} and "
                       f"(3 - {mean:g}) / {var ** 0.5:g}, up to eps: ({expected[0]:.5f}, {expected[1]:.5f}). "
                       f"Two values far apart compared with sqrt(eps) = {eps ** 0.5:.4f} always come out "
                       f"as about +1 and -1: 1000 and -5 give ({far[0]:.4f}, {far[1]:.4f}). Values "
                       f"closer than that do not: 0.001 and 0 give ({near[0]:.4f}, {near[1]:.4f}).",
                   hint=_pair_hint(answer) + "Subtract the mean of the two, then divide by their "
                        "standard deviation. Which one does training mode use?",
                   mistakes=mistakes)


def two_value_outputs(a: float, b: float) -> tuple[float, float]:
    """Outputs of a fresh nn.BatchNorm2d(1) in training mode for a batch of two 1x1 images."""
    a, b = check_float("a", a), check_float("b", b)
    bn = nn.BatchNorm2d(1).train()
    with torch.no_grad():
        out = bn(torch.tensor([a, b]).view(2, 1, 1, 1)).flatten().tolist()  # (N, C, H, W) = (2, 1, 1, 1)
    return out[0], out[1]
