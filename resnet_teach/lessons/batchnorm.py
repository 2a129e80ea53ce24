"""Notebook 02: batch normalization. The momentum explorer's logic and the "forgot eval()"
measurement (the exercise checkers are in ``batchnorm_exercises``).

Everything here asks PyTorch for the answer: the momentum trajectory is what ``nn.BatchNorm2d``
actually stores, checked step by step against the update formula.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass

import torch
from torch import nn

from .._checks import check_bool, check_float, check_int
from ..data import Split
from ..train import fixed_threads

__all__ = ["MAX_STEPS", "MomentumTrajectory", "momentum_trajectory", "accuracy_without_eval"]

MAX_STEPS = 1000  # the explorer's limit: enough to converge for any momentum >= 0.01


@dataclass
class MomentumTrajectory:
    """Running statistics of one ``nn.BatchNorm2d(1)`` fed ``steps`` training batches.

    Lists of running values have ``steps + 1`` entries (index 0 = PyTorch's initial 0 and 1);
    the per-batch lists have ``steps`` entries. ``formula_*`` are the same quantities from
    ``running = (1 - m) * running + m * batch`` in float64; ``max_difference`` is the largest
    gap between the two, so a wrong formula shows up as a large number.
    """

    momentum: float | None
    steps: int
    batch_size: int
    size: int
    data_mean: float  # the distribution the batches are drawn from
    data_var: float
    running_mean: list[float]
    running_var: list[float]
    formula_mean: list[float]
    formula_var: list[float]
    batch_mean: list[float]
    batch_var_biased: list[float]  # what the batch is normalized with
    batch_var_unbiased: list[float]  # what goes into running_var
    factors: list[float]  # the weight of the NEW batch at each step
    num_batches_tracked: int
    max_difference: float

    @property
    def values_per_channel(self) -> int:
        return self.batch_size * self.size * self.size

    def initial_weight(self) -> float:
        """How much the initial value (0 for the mean, 1 for the variance) still weighs."""
        weight = 1.0
        for f in self.factors:
            weight *= 1.0 - f
        return weight

    def formula_text(self, step: int | None = None) -> list[str]:
        """The update of ``step`` (1-based; default: the last) with the numbers filled in."""
        step = self.steps if step is None else check_int("step", step, 1)
        if step > self.steps:
            raise ValueError(f"step={step} must be <= steps={self.steps}")
        m = self.factors[step - 1]
        name = f"1/{step}" if self.momentum is None else f"{m:g}"
        lines = []
        for stat, run, batch in (("running_mean", self.running_mean, self.batch_mean),
                                 ("running_var", self.running_var, self.batch_var_unbiased)):
            lines.append(f"{stat} = (1 - {name}) * {run[step - 1]:.4f} + {name} * {batch[step - 1]:.4f} "
                         f"= {run[step]:.4f}")
        return lines


def _check_momentum(momentum: float | None) -> float | None:
    if momentum is None:
        return None
    return check_float("momentum", momentum, 0.0, 1.0)


def momentum_trajectory(momentum: float | None = 0.1, steps: int = 50, batch_size: int = 16,
                        size: int = 4, data_mean: float = 3.0, data_std: float = 2.0,
                        seed: int = 0) -> MomentumTrajectory:
    """Feed ``steps`` random batches (N=batch_size, C=1, size x size) to ``nn.BatchNorm2d(1)``
    in training mode and record its running statistics, next to the formula's.

    The batches come from a normal distribution with ``data_mean`` and ``data_std``, so the
    running statistics should approach ``data_mean`` and ``data_std ** 2``.
    ``momentum=None`` is PyTorch's cumulative average (the weight of batch t is 1/t).
    """
    momentum = _check_momentum(momentum)
    steps = check_int("steps", steps, 1)
    if steps > MAX_STEPS:
        raise ValueError(f"steps={steps} must be <= {MAX_STEPS}")
    batch_size = check_int("batch_size", batch_size, 1)
    size = check_int("size", size, 1)
    data_mean = check_float("data_mean", data_mean)
    data_std = check_float("data_std", data_std, 0.0, low_inclusive=False)
    seed = check_int("seed", seed, 0)
    if batch_size * size * size == 1:
        raise ValueError("batch_size=1 with size=1 gives each channel a single value: "
                         "nn.BatchNorm2d refuses it in training ('Expected more than 1 value per "
                         "channel when training'): one value normalizes to beta whatever it was, and its "
                         "unbiased variance would be 0/0. "
                         "Make batch_size or size at least 2.")

    gen = torch.Generator().manual_seed(seed)
    bn = nn.BatchNorm2d(1, momentum=momentum).train()
    m_count = batch_size * size * size
    running = {"mean": [bn.running_mean.item()], "var": [bn.running_var.item()]}
    formula = {"mean": [bn.running_mean.item()], "var": [bn.running_var.item()]}
    batch_mean, var_biased, var_unbiased, factors = [], [], [], []
    with torch.no_grad(), fixed_threads(1):
        for t in range(1, steps + 1):
            x = data_mean + data_std * torch.randn(batch_size, 1, size, size, generator=gen)  # (N, 1, S, S)
            bn(x)
            xd = x.double()
            mean = xd.mean().item()
            biased = xd.var(correction=0).item()
            unbiased = biased * m_count / (m_count - 1)
            factor = 1.0 / t if momentum is None else momentum
            formula["mean"].append((1 - factor) * formula["mean"][-1] + factor * mean)
            formula["var"].append((1 - factor) * formula["var"][-1] + factor * unbiased)
            running["mean"].append(bn.running_mean.item())
            running["var"].append(bn.running_var.item())
            batch_mean.append(mean)
            var_biased.append(biased)
            var_unbiased.append(unbiased)
            factors.append(factor)
    # compare relative to the data's scale: PyTorch works in float32
    scale = max(1.0, abs(data_mean), data_std ** 2)
    diff = max(max(abs(a - b) for a, b in zip(running[k], formula[k])) for k in ("mean", "var")) / scale
    return MomentumTrajectory(
        momentum=momentum, steps=steps, batch_size=batch_size, size=size,
        data_mean=data_mean, data_var=data_std ** 2,
        running_mean=running["mean"], running_var=running["var"],
        formula_mean=formula["mean"], formula_var=formula["var"],
        batch_mean=batch_mean, batch_var_biased=var_biased, batch_var_unbiased=var_unbiased,
        factors=factors, num_batches_tracked=int(bn.num_batches_tracked.item()), max_difference=diff)


@torch.no_grad()
def accuracy_without_eval(model: nn.Module, data: Split, batch_size: int,
                          sort_by_label: bool = False, in_place: bool = False) -> float:
    """Accuracy of ``model`` evaluated while it is still in TRAINING mode: every BN layer
    normalizes with the statistics of the batch it is given.

    ``sort_by_label`` feeds the images class by class (batches of one digit), as a data loader
    without shuffling would. The forward passes also update the running statistics (even
    under ``no_grad``), so the model is copied first unless ``in_place=True``.
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be an nn.Module, got {type(model).__name__}")
    if not isinstance(data, Split):
        raise TypeError(f"data must be a resnet_teach Split, got {type(data).__name__}")
    batch_size = check_int("batch_size", batch_size, 1)
    sort_by_label, in_place = check_bool("sort_by_label", sort_by_label), check_bool("in_place", in_place)
    x, y = data.images, data.labels
    if sort_by_label:
        order = torch.argsort(y, stable=True)
        x, y = x[order], y[order]
    net = model if in_place else copy.deepcopy(model)
    net.train()
    correct = 0
    with fixed_threads(1):
        for i in range(0, len(y), batch_size):
            correct += (net(x[i:i + batch_size]).argmax(1) == y[i:i + batch_size]).sum().item()
    return correct / len(y)
