"""Gradient norms layer by layer at initialization (notebooks 05 and 07)."""

from __future__ import annotations

from torch import nn

from ._checks import check_int
from ._rng import seeded
from .cifar import cifar_resnet
from .data import Split, digits
from .train import fixed_threads

__all__ = ["gradient_norms_at_init"]


def gradient_norms_at_init(depth: int = 32, residual: bool = False, seed: int = 0, batch_size: int = 128,
                           shortcut: str = "A", data: Split | None = None,
                           num_threads: int | None = 1, relative: bool = False) -> dict[str, float]:
    """The L2 norm of the loss gradient for every weighted layer (conv and fc), before training.

    One batch (the first ``batch_size`` training digits), train mode (BN uses batch
    statistics, as in the first training step), cross-entropy. Returns
    ``{"conv1": ..., "layer1.0.conv1": ..., ..., "fc": ...}`` from input to output: ``depth``
    entries, one per weighted layer. With ``relative=True`` each entry is ||grad|| / ||weight||
    instead: with BN after a conv, scaling the conv's weights by a scales their gradient by 1/a,
    so the raw norm also says how large the weights are (conv1, with one input channel, has
    few and small ones).
    """
    if not isinstance(relative, bool):
        raise TypeError(f"relative={relative!r} must be True or False")
    depth = check_int("depth", depth, 8)
    batch_size = check_int("batch_size", batch_size, 1)
    seed = check_int("seed", seed, 0)
    data = data if data is not None else digits("train")
    if not isinstance(data, Split):
        raise TypeError(f"data must be a resnet_teach.Split, got {type(data).__name__}")
    x, y = data.images[:batch_size], data.labels[:batch_size]  # (B, C, H, W), (B,)
    with fixed_threads(num_threads), seeded(seed):
        model = cifar_resnet(depth, residual=residual, num_classes=int(data.labels.max()) + 1,
                             shortcut=shortcut, in_channels=x.shape[1])
        model.train()
        loss = nn.functional.cross_entropy(model(x), y)
        loss.backward()
        # Projection shortcuts (options B, C) are not counted in the depth: skip them.
        return {name: (module.weight.grad.norm() / (module.weight.norm() if relative else 1)).item()
                for name, module in model.named_modules()
                if isinstance(module, (nn.Conv2d, nn.Linear)) and "downsample" not in name}
