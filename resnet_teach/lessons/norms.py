"""Notebook 02: BatchNorm, LayerNorm, InstanceNorm, GroupNorm as "normalize over other axes".

For x of shape (N, C, H, W), each norm subtracts a mean and divides by a standard deviation
computed over a different set of values (Wu & He 2018, Group Normalization, Figure 2):

    BatchNorm:    per channel, over (N, H, W)        (depends on the batch)
    LayerNorm:    per sample, over (C, H, W)
    InstanceNorm: per sample and channel, over (H, W)
    GroupNorm:    per sample and group of C/G channels, over (C/G, H, W)

GroupNorm(1, C) is LayerNorm over (C, H, W), and GroupNorm(C, C) is InstanceNorm, both
asserted by ``norm_equivalences``. ``norm_accuracies`` trains a small network with BN and
with GN at one batch size (Wu & He's Figure 1 in miniature: BN degrades at a batch of two, GN
does not). ``bn_parameter_table`` counts what BN's per-channel γ and β cost in a whole network.
"""
from __future__ import annotations

from typing import Any

import torch
from torch import Tensor, nn

from .._checks import check_float, check_int, check_shape
from ..data import digits
from ..exercises import Feedback
from ..train import evaluate, train
from .mistakes import check_with_mistakes

__all__ = ["NORMS", "small_net", "norm_accuracies", "LR_PER_IMAGE", "normalize_over", "group_norm_by_hand",
           "norm_equivalences", "statistics_groups", "bn_parameter_table", "check_groupnorm_statistics",
           "check_bn_params"]

# name -> (axes the statistics are taken over, for x of shape (N, C, H, W); what one set is)
NORMS: dict[str, tuple[str, str]] = {
    "BatchNorm": ("(N, H, W)", "one channel across the whole batch"),
    "LayerNorm": ("(C, H, W)", "one sample, all its channels"),
    "InstanceNorm": ("(H, W)", "one sample, one channel"),
    "GroupNorm": ("(C/G, H, W)", "one sample, one group of C/G channels"),
}


def normalize_over(x: Tensor, dims: tuple[int, ...], eps: float = 1e-5) -> Tensor:
    """(x - mean) / sqrt(biased var + eps), the statistics taken over ``dims``."""
    if not isinstance(dims, (tuple, list)) or not dims:
        raise TypeError(f"dims={dims!r} must be a non-empty tuple of axes of x, such as (0, 2, 3)")
    dims = tuple(check_int(f"dims[{i}]", d) for i, d in enumerate(dims))
    if len({d % x.dim() for d in dims}) != len(dims) or not all(-x.dim() <= d < x.dim() for d in dims):
        raise ValueError(f"dims={dims} must be different axes of x, which has {x.dim()}")
    eps = check_float("eps", eps, 0.0, low_inclusive=False)
    mu = x.mean(dim=dims, keepdim=True)
    var = x.var(dim=dims, unbiased=False, keepdim=True)
    return (x - mu) / torch.sqrt(var + eps)


def group_norm_by_hand(x: Tensor, groups: int, eps: float = 1e-5) -> Tensor:
    """GroupNorm without γ/β: split C into ``groups``, normalize each over (C/G, H, W)."""
    n, c, h, w = x.shape
    g = check_int("groups", groups, 1)
    if c % g:
        raise ValueError(f"groups={g} must divide the {c} channels")
    return normalize_over(x.reshape(n, g, c // g, h, w), (2, 3, 4), eps).reshape(n, c, h, w)


def norm_equivalences(shape: tuple[int, int, int, int] = (3, 6, 5, 5), seed: int = 0) -> dict[str, dict[str, float]]:
    """Largest |difference| between PyTorch's layers (fresh, so γ = 1, β = 0) and the axes."""
    shape, seed = check_shape("shape", shape, 4), check_int("seed", seed, 0)
    n, c, h, w = shape
    x = 2 * torch.randn(shape, generator=torch.Generator().manual_seed(seed)) + 1  # (N, C, H, W)
    with torch.no_grad():
        pairs = {
            "BatchNorm2d (train) vs axes (N, H, W)": (nn.BatchNorm2d(c)(x), normalize_over(x, (0, 2, 3))),
            "LayerNorm([C, H, W]) vs axes (C, H, W)": (nn.LayerNorm([c, h, w])(x), normalize_over(x, (1, 2, 3))),
            "InstanceNorm2d vs axes (H, W)": (nn.InstanceNorm2d(c)(x), normalize_over(x, (2, 3))),
            "GroupNorm(2, C) vs groups by hand": (nn.GroupNorm(2, c)(x), group_norm_by_hand(x, 2)),
            "GroupNorm(1, C) vs LayerNorm([C, H, W])": (nn.GroupNorm(1, c)(x), nn.LayerNorm([c, h, w])(x)),
            "GroupNorm(C, C) vs InstanceNorm2d": (nn.GroupNorm(c, c)(x), nn.InstanceNorm2d(c)(x)),
        }
    return {name: {"max |difference|": float((a - b).abs().max()), "scale": float(b.abs().max())}
            for name, (a, b) in pairs.items()}


def statistics_groups(norm: str, batch: int = 4, channels: int = 6, groups: int = 2) -> Tensor:
    """(batch, channels) integer ids: cells with the same id share one mean and variance.

    Each (sample, channel) cell stands for that channel's whole H x W map.
    """
    n, c, g = check_int("batch", batch, 1), check_int("channels", channels, 1), check_int("groups", groups, 1)
    if c % g:
        raise ValueError(f"groups={g} must divide channels={c}")
    samples, chans = torch.arange(n).view(n, 1), torch.arange(c).view(1, c)
    if norm == "BatchNorm":
        return chans.expand(n, c).clone()
    if norm == "LayerNorm":
        return samples.expand(n, c).clone()
    if norm == "InstanceNorm":
        return samples * c + chans
    if norm == "GroupNorm":
        return samples * g + chans // (c // g)
    raise ValueError(f"norm={norm!r} must be one of {', '.join(repr(k) for k in NORMS)}")


# Adam's learning rate per image of the batch in ``norm_accuracies``: 1e-3 at a batch of two.
LR_PER_IMAGE = 5e-4


def small_net(norm_layer: Any) -> nn.Sequential:
    """Three 3x3 convs (16, 32, 32 channels), each followed by ``norm_layer(channels)`` and a
    ReLU, global average pooling and a linear layer: for 8x8 digits."""
    if not callable(norm_layer):
        raise TypeError(f"norm_layer={norm_layer!r} must be callable, e.g. nn.BatchNorm2d")
    return nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1, bias=False), norm_layer(16), nn.ReLU(),  # (N, 16, 8, 8)
        nn.Conv2d(16, 32, 3, stride=2, padding=1, bias=False), norm_layer(32), nn.ReLU(),  # (N, 32, 4, 4)
        nn.Conv2d(32, 32, 3, stride=2, padding=1, bias=False), norm_layer(32), nn.ReLU(),  # (N, 32, 2, 2)
        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(32, 10))  # (N, 10)


def norm_accuracies(batch_size: int = 2, seed: int = 0, train_images: int = 600, epochs: int = 3,
                    groups: int = 4, lr_per_image: float = LR_PER_IMAGE) -> dict[str, float]:
    """Train ``small_net`` with BatchNorm and with GroupNorm(``groups``) on the same
    ``train_images`` digits, ``epochs`` epochs in batches of ``batch_size``, same seed; return
    each one's test accuracy (eval mode).

    The learning rate (Adam) is ``lr_per_image · batch_size``: linear in the batch, the rule
    Wu & He 2018 follow for their batch-size study (0.1·N/32 for SGD at N images per GPU), so
    every batch size sees the same images the same number of times. At a batch of two, BN
    normalizes every training step with the statistics of two images and evaluates with
    running statistics gathered from such pairs; GN never looks at the batch.
    """
    n = check_int("train_images", train_images, 2)
    b = check_int("batch_size", batch_size, 1)
    if b > n:
        raise ValueError(f"batch_size={b} must be <= train_images={n}")
    g = check_int("groups", groups, 1)
    if 16 % g:
        raise ValueError(f"groups={g} must divide 16 (small_net's channels are 16, 32 and 32)")
    lr = check_float("lr_per_image", lr_per_image, 0.0, low_inclusive=False) * b
    epochs, seed = check_int("epochs", epochs, 1), check_int("seed", seed, 0)
    data, test = digits("train"), digits("test")
    subset = (data.images[:n], data.labels[:n])
    result = {}
    for name, norm in (("BatchNorm", nn.BatchNorm2d), ("GroupNorm", lambda c: nn.GroupNorm(g, c))):
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            model = small_net(norm)
            train(model, subset, epochs=epochs, batch_size=b, lr=lr, seed=seed, progress=False)
        result[name] = evaluate(model, test)["accuracy"]
    return result


def bn_parameter_table(model: nn.Module) -> list[dict[str, Any]]:
    """Every BatchNorm2d of ``model``: channels, parameters (γ and β), 2·channels."""
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be an nn.Module, got {type(model).__name__}")
    return [{"layer": name, "channels": m.num_features,
             "parameters": sum(p.numel() for p in m.parameters()), "2·channels": 2 * m.num_features}
            for name, m in model.named_modules() if isinstance(m, nn.BatchNorm2d)]


# --- exercises --------------------------------------------------------------------------------

def check_groupnorm_statistics(answer: Any) -> Feedback:
    """How many (mean, variance) pairs GroupNorm(8, 64) computes for a (16, 64, 28, 28) batch."""
    n, c, g = 16, 64, 8
    expected = int(statistics_groups("GroupNorm", n, c, g).unique().numel())
    return check_with_mistakes(
        answer, expected, f"{expected} = N · G = {n} · {g}: one pair per sample and group.",
        mistakes=[(g, "Each sample gets its own statistics: GroupNorm never mixes the batch."),
                  (n * c, "That is InstanceNorm's count; here 8 channels share one pair."),
                  (c, "That is BatchNorm's count (one pair per channel).")],
        hint="GroupNorm takes one mean and one variance per sample and per group.")


def check_bn_params(answer: Any) -> Feedback:
    """Parameters of nn.BatchNorm2d(256) (the running statistics are buffers, not parameters)."""
    bn = nn.BatchNorm2d(256)
    expected = sum(p.numel() for p in bn.parameters())
    return check_with_mistakes(
        answer, expected, f"{expected} = γ and β, one each per channel; the running mean and "
                          f"variance are buffers, not parameters.",
        mistakes=[(256, "BN has two parameters per channel: γ and β."),
                  (4 * 256, "running_mean and running_var are buffers: they are not trained, "
                            "and count_parameters does not count them."),
                  (4 * 256 + 1, "running_mean, running_var and num_batches_tracked are buffers, "
                                "not parameters.")],
        hint="One γ and one β per channel, shared by every position of that channel's map.")
