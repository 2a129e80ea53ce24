"""Notebook 02, section 8: what BN does to training, measured.

- ``activation_stds``: the std of the signal after every stage of a small CNN at
  initialization (with BN it stays put, without BN it shrinks layer by layer);
- ``gradient_norms``: the loss gradient's norm for every weight, at initialization;
- ``lr_sweep``: the same network trained with and without BN at a few learning rates;
- ``check_failed_runs``: a predict-then-run exercise on that sweep;
- ``bn_output_stats``: what a trained network's BN layers output, per channel.

Every function works on a copy or a fresh model and leaves the caller's global RNG alone.
"""
from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import torch
from torch import Tensor, nn

from .._checks import check_float
from ..data import Split
from ..exercises import Feedback, compare
from ..trace import forward_hooks
from ..train import History, fixed_threads, train

__all__ = ["activation_stds", "gradient_norms", "SweepRun", "lr_sweep", "failed", "check_failed_runs",
           "bn_output_stats"]


def _stage_names(model: nn.Module) -> list[str]:
    """Where to measure: the stem's ReLU, every block, the global average pool, the fc layer."""
    names = []
    for name, _module in model.named_modules():
        parent, _, child = name.rpartition(".")
        if name == "relu" or name in ("avgpool", "fc") or (parent.startswith("layer") and "." not in parent
                                                              and child.isdigit()):
            names.append(name)
    if not names:
        raise ValueError("model has none of the modules relu, layer*.N, avgpool, fc to measure")
    return names


@torch.no_grad()
def activation_stds(model: nn.Module, images: Tensor) -> dict[str, float]:
    """The std of the output of the stem (after its ReLU), of every block, of the global average
    pool and of the fc layer (the logits), for one forward pass of ``images`` in training mode
    (BN uses the batch's statistics, as in the first training step). Runs on a copy, so the
    model's running statistics do not change."""
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be an nn.Module, got {type(model).__name__}")
    if not isinstance(images, Tensor) or images.dim() != 4:
        raise ValueError(f"images must be a 4-D tensor (N, C, H, W), got {getattr(images, 'shape', images)!r}")
    net = copy.deepcopy(model).train()
    stds: dict[str, float] = {}
    modules = dict(net.named_modules())

    def record(name: str):
        def hook(mod: nn.Module, inp: Any, out: Tensor) -> None:  # returns None: output unchanged
            stds.setdefault(name, out.std().item())  # the first call (a module may run twice)
        return hook

    with forward_hooks((modules[name], record(name)) for name in _stage_names(net)), fixed_threads(1):
        net(images)
    return stds


def gradient_norms(model: nn.Module, images: Tensor, labels: Tensor) -> dict[str, float]:
    """The L2 norm of the cross-entropy loss gradient for every conv and fc weight, one batch,
    training mode, computed on a copy (the model keeps its weights and statistics)."""
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be an nn.Module, got {type(model).__name__}")
    net = copy.deepcopy(model).train()
    with fixed_threads(1):
        nn.functional.cross_entropy(net(images), labels).backward()
    return {name: mod.weight.grad.norm().item() for name, mod in net.named_modules()
            if isinstance(mod, (nn.Conv2d, nn.Linear))}


@dataclass
class SweepRun:
    norm: str  # "with BN" or "without BN"
    lr: float
    history: History

    @property
    def final_loss(self) -> float:
        return self.history["train_loss"][-1]

    @property
    def label(self) -> str:
        return f"{self.norm}, lr {self.lr:g}"


def lr_sweep(make_model: Callable[[bool], nn.Module], data: Split, lrs: Sequence[float],
             **settings: Any) -> list[SweepRun]:
    """Train ``make_model(True)`` (with BN) and ``make_model(False)`` (without) once per learning
    rate, with the same ``settings`` (passed to ``resnet_teach.train``). Runs are ordered: every
    lr with BN, then every lr without."""
    if not callable(make_model):
        raise TypeError(f"make_model must be callable, got {make_model!r}")
    if len(lrs) == 0:
        raise ValueError("lrs=[] must hold at least one learning rate")
    lrs = [check_float(f"lrs[{i}]", lr, 0.0, low_inclusive=False) for i, lr in enumerate(lrs)]
    runs = []
    for with_bn in (True, False):
        for lr in lrs:
            history = train(make_model(with_bn), data, lr=lr, progress=False, **settings)
            runs.append(SweepRun("with BN" if with_bn else "without BN", lr, history))
    return runs


def failed(run: SweepRun, threshold: float = 2.0) -> bool:
    """A run that did not learn: its final training loss is above ``threshold`` (ln 10 = 2.30 is a
    uniform guess over 10 classes) or not a number (it diverged)."""
    threshold = check_float("threshold", threshold)
    return not run.final_loss < threshold  # NaN compares False: a diverged run failed


def check_failed_runs(answer: Any, runs: Sequence[SweepRun]) -> Feedback:
    """Predict-then-run: the indices of the sweep's runs that end with a training loss above 2
    (hardly better than a uniform guess, or diverged)."""
    expected = sorted(i for i, run in enumerate(runs) if failed(run))

    def indices(a: Any) -> list[int]:
        if isinstance(a, (int, bool)) or not all(isinstance(i, int) and not isinstance(i, bool) for i in a):
            raise TypeError("a list of int indices")
        return sorted(set(a))

    def why_wrong(a: Any) -> str:
        try:
            given = indices(a)
        except TypeError:
            return "Give a list of indices, e.g. [0, 3]."
        notes = []
        for i in sorted(set(expected) - set(given)):
            run = runs[i]
            if run.norm == "without BN" and run.lr == min(r.lr for r in runs):
                notes.append(f"run {i} ({run.label}) also failed: a small learning rate is not 'safe' "
                             "here. Without BN the signal reaching the loss is tiny, so small steps "
                             "leave the network at the guessing level.")
            elif run.norm == "without BN":
                notes.append(f"run {i} ({run.label}) also failed: without BN a large step throws the "
                             "weights far off (the loss jumps or becomes nan).")
            else:
                notes.append(f"run {i} ({run.label}) also failed.")
        for i in sorted(set(given) - set(expected)):
            run = runs[i]
            if run.norm == "with BN":
                notes.append(f"run {i} ({run.label}) did learn: BN rescales every layer's input, so the "
                             "step size matters much less.")
            else:
                notes.append(f"run {i} ({run.label}) did learn, more slowly than with BN.")
        return " ".join(notes)

    losses = ", ".join(f"{i}: {run.final_loss:.2f}" for i, run in enumerate(runs))
    result = compare(answer, expected,
                     why=f"Final training losses {losses}. The runs above 2 (or nan) are {expected}.",
                     hint="", equal=lambda a, e: indices(a) == e)
    if result.correct or not result.message.startswith("You answered"):
        return result
    return Feedback(False, f"You answered {answer!r}. {why_wrong(answer)}".strip())


@torch.no_grad()
def bn_output_stats(model: nn.Module, images: Tensor) -> dict[str, tuple[Tensor, Tensor]]:
    """For every BatchNorm2d of ``model``: the (mean, std) per channel of its output, over
    ``images`` in evaluation mode (the running statistics, then gamma and beta). On a copy."""
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be an nn.Module, got {type(model).__name__}")
    net = copy.deepcopy(model).eval()
    stats: dict[str, tuple[Tensor, Tensor]] = {}
    def record(name: str):
        def hook(mod: nn.Module, inp: Any, out: Tensor) -> None:  # returns None: output unchanged
            stats[name] = (out.mean(dim=(0, 2, 3)), out.std(dim=(0, 2, 3)))
        return hook

    bns = [(mod, record(name)) for name, mod in net.named_modules() if isinstance(mod, nn.BatchNorm2d)]
    with forward_hooks(bns), fixed_threads(1):
        net(images)
    return stats
