"""Notebook 07 (why residual networks train): the widgets' logic (the checkers are in ``why_exercises``).

No ipywidgets or matplotlib here: the widgets (``resnet_teach.widgets.why``) only wrap these
functions, and pytest checks them, including every nonsense combination.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import torch
from torch import nn

from .._checks import check_choice, check_int
from ..data import Split, digits
from ..lesion import block_names, lesioned
from ..shattered import KINDS, make_network, shattering
from ..train import evaluate, fixed_threads, train

__all__ = [
    "SIGNAL_DEPTHS",
    "signal_view",
    "lesion_view",
    "lesion_parts",
    "LESION_DEPTH",
    "LESION_EPOCHS",
    "lesion_training_plan",
    "train_lesion_networks",
]

# The signal widget's range: up to 56 layers keeps one measurement well under a second.
SIGNAL_DEPTHS = (8, 56)
KIND_NAMES = {"plain": "plain", "residual": "resnet (v1)", "preact": "pre-activation (v2)"}


def lag1_verdict(lag1: float) -> str:
    """Words for a lag-1 autocorrelation. |lag-1| < 0.25 is the notebook's asserted bound for
    white noise (256 samples scatter by about 0.06); below -0.25 neighbours flip sign."""
    if lag1 > 0.5:
        return "smooth"
    if lag1 >= 0.25:
        return "rough"
    if lag1 > -0.25:
        return "shattered: close to white noise"
    return "anti-correlated: neighbouring points tend to flip sign, not white noise"


def signal_view(depth: int, kind: str, data: Split, seed: int = 0) -> dict[str, Any]:
    """The signal widget: check the choice, measure, and describe it in one line.

    Returns ``shattering(...)``'s dict plus ``"text"``: ``"question"`` (the network and the seed)
    and ``"answer"`` (the autocorrelation and its verdict) joined by a space. A depth that is not
    6n+2, or outside ``SIGNAL_DEPTHS``, raises a ValueError that says which depths work.
    """
    depth = check_int("depth", depth, 1)
    low, high = SIGNAL_DEPTHS
    if not low <= depth <= high or (depth - 2) % 6 != 0:
        valid = ", ".join(str(d) for d in range(low, high + 1, 6))
        raise ValueError(f"depth={depth} must be one of the CIFAR depths 6n+2 this widget measures: {valid}")
    check_choice("kind", kind, KINDS)
    check_int("seed", seed, 0)
    result = shattering(depth, kind, data, seed=seed)
    lag1 = result["lag1"]
    verdict = lag1_verdict(lag1)
    result["question"] = f"{KIND_NAMES[kind]}, depth {depth}, seed {seed}: lag-1 autocorrelation"
    result["answer"] = f"{lag1:+.2f} ({verdict})"
    result["text"] = f"{result['question']} {result['answer']}"
    return result


def lesion_parts(models: Mapping[str, nn.Module], network: str, block: str, data: Split) -> tuple[str, str]:
    """The lesion widget's question (which network, which block) and answer (the accuracies).

    A block that changes the shape (the first of layer2 and layer3) raises a ValueError that
    explains why it cannot be deleted.
    """
    check_choice("network", network, tuple(models))
    model = models[network]
    names = block_names(model)
    check_choice("block", block, tuple(names))
    with fixed_threads(1):
        base = evaluate(model, data)["accuracy"]
        acc = evaluate(lesioned(model, block), data)["accuracy"]  # ValueError for a stride-2 block
    return (f"{network} without {block}: test accuracy",
            f"{acc:.2f} (all blocks: {base:.2f}; change {acc - base:+.2f})")


def lesion_view(models: Mapping[str, nn.Module], network: str, block: str, data: Split) -> str:
    """The lesion widget: the held-out accuracy of ``models[network]`` without ``block``, in words
    (``lesion_parts``' question and answer joined by a space)."""
    return " ".join(lesion_parts(models, network, block, data))


# Notebook 07's lesion study: resnet-32 and its plain twin, 6 epochs each.
LESION_DEPTH = 32
LESION_EPOCHS = 6


def _lesion_names(depth: int) -> tuple[str, str]:
    return f"resnet-{depth}", f"plain-{depth}"


def lesion_training_plan(depth: int = LESION_DEPTH, epochs: int = LESION_EPOCHS, seed: int = 0) -> str:
    """What ``train_lesion_networks`` will do, in one line (the deck shows it before Train)."""
    depth, epochs, seed = check_int("depth", depth, 8), check_int("epochs", epochs, 1), check_int("seed", seed, 0)
    residual, plain = _lesion_names(depth)
    return (f"Press Train to train {residual} and {plain} on the digits, {epochs} epoch(s) each with "
            f"seed {seed}, as notebook 07 does; then delete one block and measure the test accuracy.")


def train_lesion_networks(
    data: Split | None = None,
    depth: int = LESION_DEPTH,
    epochs: int = LESION_EPOCHS,
    seed: int = 0,
    progress: bool | None = None,
) -> dict[str, nn.Module]:
    """Notebook 07's two networks for the lesion study, trained: ``{"resnet-32": ..., "plain-32": ...}``.

    Each is ``make_network(depth, kind, seed)`` trained by ``train(model, data, epochs, seed=seed)``
    (Adam, cosine decay, one thread), exactly as the notebook's cell does; ``data`` defaults to
    the digits' training split. ``progress``: ``train``'s progress bar (None: shown unless CI or
    RESNET_TEACH_PROGRESS=0). The caller's global RNG is left alone.
    """
    depth, epochs, seed = check_int("depth", depth, 8), check_int("epochs", epochs, 1), check_int("seed", seed, 0)
    if (depth - 2) % 6:
        raise ValueError(f"depth={depth} must be a CIFAR depth 6n+2 (8, 14, 20, 26, 32, ...)")
    data = digits("train") if data is None else data
    if not isinstance(data, Split):
        raise TypeError(f"data must be a resnet_teach.Split, got {type(data).__name__}")
    models = {}
    with torch.random.fork_rng(devices=[]):  # train seeds the global RNG; the caller's stays as it was
        for name, kind in zip(_lesion_names(depth), ("residual", "plain")):
            model = make_network(depth, kind, seed=seed)
            train(model, data, epochs, seed=seed, progress=progress, desc=name)
            models[name] = model
    return models
