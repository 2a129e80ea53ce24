"""Residual networks as ensembles of paths (Veit et al. 2016, "Residual networks behave like
ensembles of relatively shallow networks").

* Lesion study: delete one block (replace it by the identity) from a trained network and
  measure the accuracy. A residual network loses little: the other paths still carry the
  signal. A plain network collapses: its single path is cut.
* Unrolled view: a block computes x + F(x), so n blocks in a row hold 2**n paths from input to
  output, each passing through k of the residual branches and skipping the others. The number
  of paths of length k is C(n, k), a binomial distribution centred on n / 2.
* Which paths carry the gradient: Veit et al.'s measurement. Forward a batch through the whole
  network; in the backward pass, let the gradient through the branches of k randomly chosen
  blocks only and through the skips of the others. With the ReLU masks of the forward pass
  held fixed, the gradient of the whole network is exactly the sum over all paths.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Sequence

import torch
from torch import Tensor, nn

from ._checks import check_int
from .blocks import BasicBlock
from .cifar import CifarResNet
from .data import Split
from .train import evaluate, fixed_threads

__all__ = [
    "block_names",
    "deletable_blocks",
    "lesioned",
    "lesion_study",
    "path_length_counts",
    "path_gradient",
    "path_gradient_magnitudes",
]


def _check_cifar(model: nn.Module) -> CifarResNet:
    if not isinstance(model, CifarResNet):
        raise TypeError(f"model must be a CifarResNet (cifar_resnet(...)), got {type(model).__name__}")
    return model


def block_names(model: nn.Module) -> list[str]:
    """Every block, input to output: ``["layer1.0", ..., "layer3.4"]``."""
    _check_cifar(model)
    return [
        f"{stage}.{i}" for stage in ("layer1", "layer2", "layer3") for i in range(len(getattr(model, stage)))
    ]


def deletable_blocks(model: nn.Module) -> list[str]:
    """The blocks that keep the shape (stride 1, same channels): only these can become the identity.

    The first block of layer2 and layer3 halves the size and doubles the channels; the
    identity cannot stand in for it.
    """
    names = []
    for name in block_names(model):
        block = model.get_submodule(name)
        if block.stride == 1 and block.conv1.in_channels == block.conv2.out_channels:
            names.append(name)
    return names


def lesioned(model: nn.Module, name: str) -> nn.Module:
    """A copy of ``model`` with block ``name`` replaced by ``nn.Identity()`` (the model is unchanged)."""
    allowed = deletable_blocks(model)
    if name not in allowed:
        if name in block_names(model):
            raise ValueError(
                f"name={name!r} changes the shape (stride 2, more channels): the identity "
                f"cannot replace it; deletable blocks: {', '.join(allowed)}"
            )
        raise ValueError(
            f"name={name!r} is not a block of this network; deletable blocks: {', '.join(allowed)}"
        )
    copy_ = copy.deepcopy(model)
    stage, index = name.split(".")
    getattr(copy_, stage)[int(index)] = nn.Identity()
    return copy_


def lesion_study(model: nn.Module, data: Split, num_threads: int | None = 1) -> dict[str, float]:
    """Held-out accuracy with each deletable block deleted in turn.

    Returns ``{"none": accuracy of the intact model, "layer1.0": ..., ...}``.
    """
    _check_cifar(model)
    with fixed_threads(num_threads):
        result = {"none": evaluate(model, data)["accuracy"]}
        for name in deletable_blocks(model):
            result[name] = evaluate(lesioned(model, name), data)["accuracy"]
    return result


def path_length_counts(n: int) -> list[int]:
    """How many of the 2**n paths through n residual blocks pass through k branches, k = 0..n: C(n, k)."""
    check_int("n", n, 0)
    return [math.comb(n, k) for k in range(n + 1)]


def _block_forward(block: BasicBlock, x: Tensor, through_branch: bool) -> Tensor:
    """A v1 BasicBlock's forward with the same value, but a gradient through one path only."""
    branch = block.bn2(block.conv2(block.relu(block.bn1(block.conv1(x)))))  # (N, planes, H/s, W/s)
    skip = block.downsample(x) if block.downsample is not None else x
    if through_branch:
        return torch.relu(branch + skip.detach())
    return torch.relu(branch.detach() + skip)


def path_gradient(model: nn.Module, x: Tensor, y: Tensor, through: Sequence[int]) -> Tensor:
    """The loss gradient at the first block's input carried by one group of paths: those through
    the branches of the blocks numbered in ``through`` (0 = layer1.0) and the skips of all others.

    The forward values are the network's own (so are its ReLU masks); summed over all 2**n
    choices of ``through`` these gradients give the network's full gradient.
    """
    blocks = [model.get_submodule(name) for name in block_names(model)]
    chosen = set(int(i) for i in through)
    if not chosen <= set(range(len(blocks))):
        raise ValueError(f"through={sorted(chosen)} must number blocks 0..{len(blocks) - 1}")
    stem = model.relu(model.bn1(model.conv1(x))).detach()  # (B, 16, H, W)
    h = stem.clone().requires_grad_(True)
    out = h
    for i, block in enumerate(blocks):
        out = _block_forward(block, out, i in chosen)
    loss = nn.functional.cross_entropy(model.forward_head(out), y)
    (grad,) = torch.autograd.grad(loss, h)
    return grad  # (B, 16, H, W)


def path_gradient_magnitudes(
    model: nn.Module,
    data: Split,
    samples: int = 4,
    batch_size: int = 128,
    seed: int = 0,
    num_threads: int | None = 1,
) -> list[float]:
    """Veit et al.'s measurement: the mean norm of the loss gradient at the first block's input
    carried by paths of length k, for k = 0..n (n blocks), in eval mode on ``batch_size``
    images of ``data``, averaged over ``samples`` random choices of the k blocks.

    Multiply by ``path_length_counts(n)`` to see how much each length contributes in all.
    """
    model = _check_cifar(model)
    if not model.residual:
        raise ValueError("model is a plain network: it has a single path, nothing to decompose")
    if not isinstance(data, Split):
        raise TypeError(f"data must be a resnet_teach.Split, got {type(data).__name__}")
    samples = check_int("samples", samples, 1)
    batch_size = check_int("batch_size", batch_size, 1)
    seed = check_int("seed", seed, 0)
    n = len(block_names(model))
    x, y = data.images[:batch_size], data.labels[:batch_size]  # (B, C, H, W), (B,)
    g = torch.Generator().manual_seed(seed)
    was_training = model.training
    model.eval()
    means = []
    try:
        with fixed_threads(num_threads):
            for k in range(n + 1):
                norms = [
                    path_gradient(model, x, y, torch.randperm(n, generator=g)[:k].tolist()).norm().item()
                    for _ in range(samples)
                ]
                means.append(sum(norms) / samples)
    finally:
        model.train(was_training)
    return means
