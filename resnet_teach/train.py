"""A small, deterministic trainer for CPU-sized experiments.

Same seed + same thread count = the same numbers, bit for bit, on the same machine with the
same PyTorch build. The thread count matters: PyTorch splits sums across threads, and a
different split rounds differently. Another CPU (other SIMD kernels) rounds differently too, so
after many steps trained numbers agree between machines only in their earlier digits: state
claims about them as asserted margins, not as digits.
"""
from __future__ import annotations

import contextlib
import math
import os
from collections.abc import Iterator
from dataclasses import dataclass, fields, replace

import torch
from torch import Tensor, nn

from ._checks import check_choice, check_float, check_int
from ._rng import seeded
from .data import Split

__all__ = ["TrainConfig", "train", "evaluate", "progress_enabled", "fixed_threads"]

History = dict[str, list[float]]
Data = Split | tuple[Tensor, Tensor]


@dataclass(frozen=True)
class TrainConfig:
    """Settings of one training run (the defaults suit the built-in digits), checked when made."""

    epochs: int = 5
    batch_size: int = 128
    lr: float = 1e-3
    optimizer: str = "adam"  # "adam" or "sgd"
    momentum: float = 0.9  # SGD only
    weight_decay: float = 0.0
    schedule: str = "cosine"  # "cosine" (to zero over all steps) or "constant"
    seed: int = 0
    num_threads: int | None = 1  # None: leave PyTorch's setting alone

    def __post_init__(self) -> None:
        checked = {
            "epochs": check_int("epochs", self.epochs, 1),
            "batch_size": check_int("batch_size", self.batch_size, 1),
            "lr": check_float("lr", self.lr, 0.0, low_inclusive=False),
            "optimizer": check_choice("optimizer", self.optimizer, ("adam", "sgd")),
            "momentum": check_float("momentum", self.momentum, 0.0),
            "weight_decay": check_float("weight_decay", self.weight_decay, 0.0),
            "schedule": check_choice("schedule", self.schedule, ("cosine", "constant")),
            "seed": check_int("seed", self.seed, 0),
            "num_threads": None if self.num_threads is None else check_int("num_threads", self.num_threads, 1),
        }
        for name, value in checked.items():  # the checked values, e.g. int(np.int64(3))
            object.__setattr__(self, name, value)


def progress_enabled(progress: bool | None = None) -> bool:
    """Show a progress bar? Not under CI, nor where RESNET_TEACH_PROGRESS=0 (the tests set it)."""
    if progress is not None:
        return bool(progress)
    if os.environ.get("RESNET_TEACH_PROGRESS", "") == "0":
        return False
    return os.environ.get("CI", "").lower() not in ("1", "true", "yes")


@contextlib.contextmanager
def fixed_threads(num_threads: int | None) -> Iterator[None]:
    """Run a block with ``torch.set_num_threads(num_threads)``, then restore the old setting."""
    if num_threads is None:
        yield
        return
    num_threads = check_int("num_threads", num_threads, 1)
    old = torch.get_num_threads()
    torch.set_num_threads(num_threads)
    try:
        yield
    finally:
        torch.set_num_threads(old)


def _as_tensors(name: str, data: Data) -> tuple[Tensor, Tensor]:
    if isinstance(data, (tuple, list)) and len(data) == 2 and all(isinstance(t, Tensor) for t in data):
        x, y = data
        if len(x) != len(y):
            raise ValueError(f"{name}: {len(x)} images but {len(y)} labels")
    elif not isinstance(data, Split):
        raise TypeError(f"{name} must be a Split or an (images, labels) pair of tensors, got {type(data).__name__}")
    else:
        x, y = data.images, data.labels
    if len(y) == 0:
        raise ValueError(f"{name} has no images: there is nothing to train on or evaluate")
    return x, y


@torch.no_grad()
def evaluate(model: nn.Module, data: Data, batch_size: int = 512) -> dict[str, float]:
    """Loss and accuracy in eval mode (BN uses its running statistics)."""
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be an nn.Module, got {type(model).__name__}")
    batch_size = check_int("batch_size", batch_size, 1)
    x, y = _as_tensors("data", data)
    was_training = model.training
    model.eval()
    loss_sum, correct = 0.0, 0
    for i in range(0, len(y), batch_size):
        logits = model(x[i:i + batch_size])
        loss_sum += nn.functional.cross_entropy(logits, y[i:i + batch_size], reduction="sum").item()
        correct += (logits.argmax(1) == y[i:i + batch_size]).sum().item()
    model.train(was_training)
    return {"loss": loss_sum / len(y), "accuracy": correct / len(y)}


def train(model: nn.Module, data: Data, epochs: int | None = None, *,
          config: TrainConfig | None = None, test_data: Data | None = None,
          progress: bool | None = None, desc: str = "training",
          stop_below_error: float | None = None, **overrides) -> History:
    """Train ``model`` on ``data`` with cross-entropy; return the per-epoch history.

    Settings come from ``config`` (a TrainConfig), then ``epochs`` and any keyword that names
    a TrainConfig field (``lr=0.01``, ``seed=1``, ...). The history has ``train_loss`` and
    ``train_accuracy`` / ``train_error`` (averaged over the epoch's batches, measured in train
    mode while the weights change), and ``test_loss`` / ``test_accuracy`` / ``test_error``
    if ``test_data`` is given (in eval mode, after each epoch). With ``stop_below_error``,
    training stops after the first epoch whose training error is below it (the history is
    then shorter than ``epochs``).
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be an nn.Module, got {type(model).__name__}")
    if config is not None and not isinstance(config, TrainConfig):
        raise TypeError(f"config must be a TrainConfig, got {type(config).__name__}")
    known = {f.name for f in fields(TrainConfig)}
    unknown = set(overrides) - known
    if unknown:
        raise TypeError(f"unknown setting(s) {sorted(unknown)}; TrainConfig has {sorted(known)}")
    if epochs is not None:
        overrides["epochs"] = epochs
    cfg = replace(config if config is not None else TrainConfig(), **overrides)  # checked again
    if stop_below_error is not None:
        check_float("stop_below_error", stop_below_error, 0.0, 1.0, low_inclusive=False)
    x, y = _as_tensors("data", data)

    with fixed_threads(cfg.num_threads), seeded(cfg.seed):  # the caller's RNG is left alone
        params = [p for p in model.parameters() if p.requires_grad]
        if cfg.optimizer == "adam":
            opt = torch.optim.Adam(params, lr=cfg.lr, weight_decay=cfg.weight_decay)
        else:
            opt = torch.optim.SGD(params, lr=cfg.lr, momentum=cfg.momentum, weight_decay=cfg.weight_decay)
        steps_per_epoch = math.ceil(len(y) / cfg.batch_size)
        total = cfg.epochs * steps_per_epoch
        sched = (torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=total)
                 if cfg.schedule == "cosine" else None)
        shuffle = torch.Generator().manual_seed(cfg.seed)
        history: History = {"train_loss": [], "train_accuracy": [], "train_error": []}
        if test_data is not None:
            history.update(test_loss=[], test_accuracy=[], test_error=[])

        bar = None
        if progress_enabled(progress):
            from tqdm.auto import tqdm  # imported only when a bar is shown

            bar = tqdm(total=total, desc=desc, leave=False)
        model.train()
        try:
            for _ in range(cfg.epochs):
                perm = torch.randperm(len(y), generator=shuffle)
                loss_sum, correct = 0.0, 0
                for i in range(0, len(y), cfg.batch_size):
                    idx = perm[i:i + cfg.batch_size]
                    logits = model(x[idx])  # (B, num_classes)
                    loss = nn.functional.cross_entropy(logits, y[idx])
                    opt.zero_grad(set_to_none=True)
                    loss.backward()
                    opt.step()
                    if sched is not None:
                        sched.step()
                    loss_sum += loss.item() * len(idx)
                    correct += (logits.argmax(1) == y[idx]).sum().item()
                    if bar is not None:
                        bar.update(1)
                history["train_loss"].append(loss_sum / len(y))
                history["train_accuracy"].append(correct / len(y))
                history["train_error"].append(1 - correct / len(y))
                if test_data is not None:
                    ev = evaluate(model, test_data)
                    history["test_loss"].append(ev["loss"])
                    history["test_accuracy"].append(ev["accuracy"])
                    history["test_error"].append(1 - ev["accuracy"])
                    model.train()
                if stop_below_error is not None and history["train_error"][-1] < stop_below_error:
                    break
        finally:
            if bar is not None:
                bar.close()
    return history
