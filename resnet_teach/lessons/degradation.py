"""Notebook 05 (the degradation problem): the rerun widget's logic and the exercise checkers.

No ipywidgets or matplotlib here: the widget (``resnet_teach.widgets.degradation``) only
wraps these functions, and pytest checks them at every slider position.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import torch

from .._checks import check_int
from .._rng import seeded
from ..blocks import BasicBlock
from ..cifar import cifar_resnet
from ..degradation import (
    DegradationSettings,
    Results,
    check_depths,
    final_numbers,
    gradient_norms_at_init,
    ordering_margins,
    run_degradation,
    run_names,
)
from ..exercises import Feedback, compare
from ..trace import count_parameters

__all__ = ["WIDGET_DEPTHS", "WIDGET_MAX_EPOCHS", "RerunPlan", "plan_rerun", "rerun", "verdict",
           "check_identity_block", "check_shortcut_parameters", "check_largest_gradient_layer",
           "check_valid_depths", "DEPTH_CANDIDATES"]

# The widget's range: up to 56 layers (the paper's plain-56 of Figure 1) and 10 epochs keep a
# rerun around a minute on a laptop CPU (8 vs 56 at 10 epochs is the slowest choice).
WIDGET_DEPTHS: tuple[int, int] = (8, 56)
WIDGET_MAX_EPOCHS = 10
WIDGET_MAX_SEED = 99


@dataclass(frozen=True)
class RerunPlan:
    """A checked request for a short rerun of the experiment."""

    depths: tuple[int, int]
    epochs: int
    seed: int

    @property
    def names(self) -> list:
        return run_names(self.depths)

    def describe(self) -> str:
        layers = 2 * sum(self.depths)
        return (f"Will train {', '.join(self.names)} for {self.epochs} epoch(s) with seed {self.seed}: "
                f"{layers} weighted layers in all.")


def plan_rerun(shallow: int, deep: int, epochs: int = DegradationSettings.epochs, seed: int = 0) -> RerunPlan:
    """Check the widget's choice; a combination that makes no sense raises a readable ValueError."""
    shallow = check_int("shallow", shallow, WIDGET_DEPTHS[0])
    deep = check_int("deep", deep, WIDGET_DEPTHS[0])
    for label, d in (("shallow", shallow), ("deep", deep)):
        if d > WIDGET_DEPTHS[1]:
            raise ValueError(f"{label}={d} must be <= {WIDGET_DEPTHS[1]}: deeper nets take too long for a "
                             f"laptop rerun (call run_degradation yourself if you have the time)")
    check_depths((shallow, deep))
    epochs = check_int("epochs", epochs, 1)
    if epochs > WIDGET_MAX_EPOCHS:
        raise ValueError(f"epochs={epochs} must be <= {WIDGET_MAX_EPOCHS} for a rerun in the widget")
    seed = check_int("seed", seed, 0)
    if seed > WIDGET_MAX_SEED:
        raise ValueError(f"seed={seed} must be <= {WIDGET_MAX_SEED} in the widget")
    return RerunPlan((shallow, deep), epochs, seed)


def rerun(plan: RerunPlan, progress: bool | None = None) -> Results:
    """Run the planned experiment (the notebook's settings apart from depths, epochs and seed)."""
    if not isinstance(plan, RerunPlan):
        raise TypeError(f"plan must be a RerunPlan (from plan_rerun), got {type(plan).__name__}")
    return run_degradation(plan.depths, plan.seed, plan.epochs, progress=progress)


def verdict(results: Results) -> str:
    """One line per claim: did it hold in this run, and by how much (final training loss)."""
    final = final_numbers(results)
    margins = ordering_margins(results)
    shallow, deep = sorted({int(name.split("-")[1]) for name in final})
    loss = {name: f["train_loss"] for name, f in final.items()}
    held = margins["plain_gap"] > 0
    first = (f"Degradation {'seen' if held else 'NOT seen'}: plain-{deep} ended at training loss "
             f"{loss[f'plain-{deep}']:.4f}, plain-{shallow} at {loss[f'plain-{shallow}']:.4f}.")
    if not held:
        first += " (Too little depth difference or training? Try a deeper net.)"
    fixed = margins["residual_gain"] > 0
    second = (f"Residual fix {'seen' if fixed else 'NOT seen'}: resnet-{deep} ended at "
              f"{loss[f'resnet-{deep}']:.4f}, {'below' if fixed else 'not below'} plain-{deep}.")
    return first + "\n" + second


# ---------------------------------------------------------------------------------------------
# Exercises
# ---------------------------------------------------------------------------------------------

def _block_is_identity(gamma_beta: Any) -> bool:
    gamma, beta = (float(v) for v in gamma_beta)
    with seeded(0):
        block = BasicBlock(16, 16)
        # The input of a block is the output of a ReLU, so it is never negative.
        x = torch.relu(torch.randn(4, 16, 8, 8))  # (N, C, H, W)
    with torch.no_grad():
        block.bn2.weight.fill_(gamma)
        block.bn2.bias.fill_(beta)
    with torch.no_grad():
        same_in_train = torch.equal(block.train()(x), x)
        same_in_eval = torch.equal(block.eval()(x), x)
    return same_in_train and same_in_eval


def check_identity_block(answer: Any) -> Feedback:
    """Exercise: which (gamma, beta) of a BasicBlock's last BN make the block return its input exactly?"""
    return compare(answer, None, equal=lambda a, _: _block_is_identity(a),
                   why="With gamma = beta = 0 the residual branch outputs zeros, so the block computes "
                       "relu(0 + x) = x: its input is a ReLU output, never negative. Two numbers per "
                       "channel make the block 'do nothing' (zero_init_residual=True starts every block "
                       "there); the conv weights cannot, because BN divides out their scale.",
                   hint="Give a pair (gamma, beta). What must the residual branch output so that "
                        "relu(branch + x) equals x?")


def _shortcut_extra_parameters(depth: int = 32) -> tuple[int, int]:
    plain = count_parameters(cifar_resnet(depth, residual=False, shortcut="A", in_channels=1))
    option_a = count_parameters(cifar_resnet(depth, residual=True, shortcut="A", in_channels=1))
    option_b = count_parameters(cifar_resnet(depth, residual=True, shortcut="B", in_channels=1))
    return option_a - plain, option_b - plain


def check_shortcut_parameters(answer: Any) -> Feedback:
    """Exercise: how many parameters do option-A and option-B shortcuts add to plain-32?"""
    expected = _shortcut_extra_parameters(32)
    return compare(tuple(answer) if isinstance(answer, (list, tuple)) else answer, expected,
                   why=f"Option A adds {expected[0]} parameters (zero padding needs none); option B adds "
                       f"{expected[1]}: two 1x1 projections with their BN, 16->32 and 32->64 channels. "
                       f"With option A the comparison is fair: same weights, only the wiring differs.",
                   hint="Answer a pair (extra_A, extra_B); count_parameters and cifar_resnet(32, "
                        "residual=..., shortcut=..., in_channels=1) give all three counts.")


def check_largest_gradient_layer(answer: Any) -> Feedback:
    """Exercise: in plain-32 at initialization, which layer gets the largest gradient norm?"""
    norms = gradient_norms_at_init(32, residual=False, seed=0)
    expected = max(norms, key=norms.get)
    last_conv = [name for name in norms if name != "fc"][-1]
    ratio = norms[expected] / norms[last_conv]
    return compare(answer, expected,
                   why=f"{expected!r} gets the largest gradient, {ratio:.1f} times that of the last conv "
                       f"{last_conv!r}. The gradients GROW towards the input instead of vanishing: with "
                       f"BN, vanishing gradients do not explain why the plain net trains worse (shortcuts "
                       f"still help the gradients: they keep every layer's norm in a narrower band).",
                   hint="Answer a layer name such as 'conv1' or 'layer3.4.conv2': the keys of "
                        "gradient_norms_at_init(32, residual=False).")


DEPTH_CANDIDATES: tuple[int, ...] = (8, 16, 18, 20, 34, 44, 50, 56, 110)


def _buildable(depth: int) -> bool:
    try:
        cifar_resnet(depth, widths=(1, 1, 1))  # 1 channel per stage: only the structure matters
    except ValueError:
        return False
    return True


def check_valid_depths(answer: Any, candidates: Sequence[int] = DEPTH_CANDIDATES) -> Feedback:
    """Exercise: which of ``candidates`` can a CIFAR ResNet (6n+2) have?"""
    expected = sorted(d for d in candidates if _buildable(d))
    others = sorted(d for d in candidates if d not in expected)

    def same(a: Any, e: Any) -> bool:
        return sorted(int(v) for v in a) == e

    return compare(answer, expected, equal=same,
                   why=f"{expected}: depth - 2 must split into 3 stages x n blocks x 2 convs, so (depth - 2) "
                       f"must divide by 6; {others} fail that." + (
                           " 50 passes (n = 8), yet a CIFAR net of depth 50 is not ImageNet's ResNet-50: "
                           "that one has bottleneck blocks and four stages." if 50 in expected else ""),
                   hint="Give a list of depths. Depth = 6n + 2: subtract 2 and check divisibility by 6.")

