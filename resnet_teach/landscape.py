"""Loss landscapes (Li et al. 2018, "Visualizing the loss landscape of neural nets"), one 2-D slice.

Around the trained weights w, evaluate the loss at w + alpha d1 + beta d2 on a grid, for two
random directions d1, d2. Raw random directions would be meaningless: a BN network does not
change if a filter is scaled, so a step of 0.1 is huge for a filter of norm 0.01 and tiny for
one of norm 10. *Filter normalization* scales each filter of a direction to the norm of the
same filter in w:  d[i] <- d[i] / ||d[i]|| * ||w[i]||  (i = an output channel of a conv or a
row of the fc). Biases and BN parameters are not perturbed (their direction is 0), as in the
paper's treatment of them.

The loss uses batch statistics (BN in train mode; our choice: Li et al.'s code evaluates with
``net.eval()``, the stored running statistics) on a fixed subset of the training data: a
perturbed network's BN running statistics belong to the unperturbed weights, and in eval mode
they mismatch so badly that the loss explodes far from the centre. Train-mode BN recomputes
the statistics for the weights being evaluated, which is what the network would see if it were
trained there.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence

import torch
from torch import Tensor, nn

from ._checks import check_bool, check_float
from .data import Split
from .train import fixed_threads

__all__ = ["filter_normalized_direction", "loss_surface", "local_minima", "edge_rise"]

Direction = dict[str, Tensor]


def filter_normalized_direction(model: nn.Module, generator: torch.Generator) -> Direction:
    """A random direction in weight space with each filter scaled to the norm of the model's filter.

    Returns ``{parameter name: tensor}`` for every parameter; 1-D ones (biases, BN's gamma and
    beta) get zeros. Draws from ``generator`` only (the global RNG is left alone).
    """
    if not isinstance(generator, torch.Generator):
        raise TypeError(f"generator must be a torch.Generator, got {type(generator).__name__}")
    direction = {}
    for name, p in model.named_parameters():
        if p.dim() <= 1:
            direction[name] = torch.zeros_like(p)
            continue
        d = torch.randn(p.shape, generator=generator, dtype=p.dtype)
        d_norm = d.flatten(1).norm(dim=1).view(-1, *[1] * (p.dim() - 1))  # one norm per filter
        w_norm = p.detach().flatten(1).norm(dim=1).view(-1, *[1] * (p.dim() - 1))
        direction[name] = d / d_norm * w_norm
    return direction


@torch.no_grad()
def loss_surface(
    model: nn.Module,
    data: Split,
    d1: Direction,
    d2: Direction,
    coords: Sequence[float],
    batch_stats: bool = True,
    num_threads: int | None = 1,
) -> Tensor:
    """Cross-entropy at w + a d1 + b d2 for a, b in ``coords``: a (len(coords), len(coords)) tensor,
    rows indexed by b, columns by a. All of ``data`` is one batch. The model is left unchanged.

    ``batch_stats=True``: BN uses the batch's statistics (train mode); False: the running ones.
    """
    if not isinstance(data, Split):
        raise TypeError(f"data must be a resnet_teach.Split, got {type(data).__name__}")
    if isinstance(coords, (str, bytes)) or not hasattr(coords, "__iter__"):
        raise TypeError(f"coords={coords!r} must be a sequence of numbers, such as (-1, 0, 1)")
    coords = [check_float(f"coords[{i}]", c) for i, c in enumerate(coords)]
    batch_stats = check_bool("batch_stats", batch_stats)
    if len(coords) < 2:
        raise ValueError(f"coords={coords!r} must hold at least 2 values")
    work = copy.deepcopy(model)
    params = dict(work.named_parameters())
    for label, d in (("d1", d1), ("d2", d2)):
        if set(d) != set(params):
            raise ValueError(
                f"{label} must have one tensor per parameter of the model "
                f"(make it with filter_normalized_direction(model, ...))"
            )
    centre = {name: p.detach().clone() for name, p in params.items()}
    buffers = {name: b.clone() for name, b in work.named_buffers()}
    work.train(batch_stats)
    surface = torch.empty(len(coords), len(coords))
    with fixed_threads(num_threads):
        for row, b in enumerate(coords):
            for col, a in enumerate(coords):
                for name, p in params.items():
                    p.copy_(centre[name] + a * d1[name] + b * d2[name])
                for name, buf in work.named_buffers():
                    buf.copy_(buffers[name])  # every point starts from the same BN state
                logits = work(data.images)  # (N, num_classes)
                surface[row, col] = nn.functional.cross_entropy(logits, data.labels)
    return surface


def local_minima(surface: Tensor, margin: float = 0.05) -> int:
    """How many interior grid points lie at least ``margin`` below all 8 of their neighbours.

    Border points are not counted: with only 3 or 5 neighbours, a point on the edge of the slice
    looks like a minimum whenever the loss happens to fall towards the edge. ``margin`` (in loss
    units) ignores dips too shallow to matter. A dip in a 2-D slice is still not a minimum in
    weight space: the other directions are not looked at.
    """
    if not isinstance(surface, Tensor) or surface.dim() != 2:
        raise TypeError("surface must be a 2-D tensor (from loss_surface)")
    margin = check_float("margin", margin)
    if margin < 0:
        raise ValueError(f"margin={margin} must be >= 0 (a depth in loss units)")
    h, w = surface.shape
    count = 0
    for i in range(1, h - 1):
        for j in range(1, w - 1):
            window = surface[i - 1 : i + 2, j - 1 : j + 2].flatten()
            others = torch.cat([window[:4], window[5:]])
            count += bool((surface[i, j] + margin <= others).all())
    return count


def edge_rise(surface: Tensor) -> float:
    """Mean loss on the grid's border minus the loss at its centre (odd grid sizes)."""
    if not isinstance(surface, Tensor) or surface.dim() != 2 or surface.shape[0] % 2 == 0:
        raise ValueError("surface must be a square 2-D tensor with an odd size, so that it has a centre")
    c = surface.shape[0] // 2
    border = torch.cat([surface[0], surface[-1], surface[1:-1, 0], surface[1:-1, -1]])
    return float(border.mean() - surface[c, c])
