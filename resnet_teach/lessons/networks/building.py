"""Notebook 04, part 1: ResNet-18/34/50/101/152 built and counted.

Networks that are only counted, never run, are built on the *meta* device
(``resnet_teach.build_on_meta``): every parameter has its shape but no memory and no
initialisation, so even ResNet-152 builds in a blink. Shapes and multiply-adds by arithmetic
are core (``resnet_teach.stages``); ``trace_shapes`` gets the same by running the network.
"""
from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

import torch
from torch import nn

from ..._checks import check_choice, check_int
from ..._rng import seeded
from ...blocks import Bottleneck
from ...cifar import cifar_resnet
from ...paper import PAPER_TABLE1_GFLOPS
from ...resnet import STAGES, ResNet, resnet18, resnet34, resnet50, resnet101, resnet152
from ...stages import network_macs
from ...trace import build_on_meta, count_parameters

__all__ = [
    "IMAGENET_BUILDERS", "NETWORKS", "SIZE_RANGE", "CHANNEL_RANGE", "meta_network", "stage_table",
    "layer_counts", "torchvision_reference", "flops_table", "compare_with_torchvision", "d2l_resnet18",
]

IMAGENET_BUILDERS: dict[int, Callable[..., ResNet]] = {
    18: resnet18, 34: resnet34, 50: resnet50, 101: resnet101, 152: resnet152}

# The explorer's menu: name -> (builder, keyword arguments). The CIFAR networks are the
# paper's, with shortcut option A (zero-padding) where the shape changes; the package's
# default is B.
NETWORKS: dict[str, tuple[Callable[..., nn.Module], dict[str, Any]]] = {
    **{f"ResNet-{d}": (b, {}) for d, b in IMAGENET_BUILDERS.items()},
    **{f"CIFAR ResNet-{d}": (cifar_resnet, {"depth": d, "shortcut": "A"})
       for d in (20, 32, 44, 56, 110)},
}
SIZE_RANGE = (1, 512)  # the explorer's input-size slider
CHANNEL_RANGE = (1, 4)  # the explorer's input-channel slider


def meta_network(network: str, in_channels: int = 3) -> nn.Module:
    """One of the explorer's ``NETWORKS`` built on the meta device, cached per (network,
    channels): for counting and shapes only. Shared between callers, so do not modify it."""
    network = check_choice("network", network, tuple(NETWORKS))
    return _meta_network(network, check_int("in_channels", in_channels, 1))


@functools.cache
def _meta_network(network: str, in_channels: int) -> nn.Module:
    builder, kwargs = NETWORKS[network]
    return build_on_meta(builder, in_channels=in_channels, **kwargs)


@functools.cache
def _meta_v1(depth: int) -> nn.Module:
    return build_on_meta(IMAGENET_BUILDERS[depth], stride_in_1x1=True)


def stage_table() -> list[dict[str, Any]]:
    """Table 1 of the paper from ``STAGES``: blocks per stage, and the depth they add up to.

    depth = conv1 + (convs per block) x (blocks) + fc.
    """
    rows = []
    for depth, (block, layers) in STAGES.items():
        convs_per_block = 3 if block is Bottleneck else 2
        counted = 1 + convs_per_block * sum(layers) + 1
        rows.append({
            "network": f"ResNet-{depth}", "block": block.__name__, "blocks per stage": list(layers),
            "weighted layers": f"1 + {convs_per_block}·{sum(layers)} + 1 = {counted}",
            "counted depth": counted,
            "channels out of layer1..4": [64 * 2 ** i * block.expansion for i in range(4)],
        })
    return rows


def layer_counts(model: nn.Module) -> dict[str, int]:
    """What the depth in a ResNet's name counts: the convs on the main path plus the fc.

    The shortcuts' 1x1 projection convs are not counted (nor BN, ReLU or pooling).
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be an nn.Module, got {type(model).__name__}")
    convs = [name for name, m in model.named_modules() if isinstance(m, nn.Conv2d)]
    projection = [n for n in convs if ".downsample." in n]
    fc = sum(isinstance(m, nn.Linear) for m in model.modules())
    main = len(convs) - len(projection)
    return {"main-path convs": main, "projection convs": len(projection), "all convs": len(convs),
            "fc layers": fc, "main-path convs + fc": main + fc}


def torchvision_reference(depth: int) -> dict[str, float]:
    """The parameter count and "GFLOPS" torchvision publishes for its ImageNet weights.

    torchvision's "GFLOPS" are multiply-adds / 1e9, like the paper's "FLOPs". Read from the
    metadata that ships inside torchvision (``meta["_ops"]``: a private key, but torchvision
    keeps the number nowhere else), so nothing is downloaded.
    """
    depth = check_choice("depth", depth, tuple(IMAGENET_BUILDERS))
    import torchvision

    weights = getattr(torchvision.models, f"ResNet{depth}_Weights").IMAGENET1K_V1
    return {"num_params": weights.meta["num_params"], "gflops": weights.meta["_ops"]}


def flops_table(depths: Sequence[int] = tuple(IMAGENET_BUILDERS)) -> list[dict[str, Any]]:
    """Multiply-adds at 224x224 for v1.5 (torchvision) and v1 (the paper), beside Table 1 and
    torchvision's published numbers. BasicBlock networks have no 1x1 conv to move the stride
    to, so for them v1 = v1.5."""
    rows = []
    for depth in depths:
        depth = check_choice("depth", depth, tuple(IMAGENET_BUILDERS))
        v15 = network_macs(meta_network(f"ResNet-{depth}"))
        v1 = network_macs(_meta_v1(depth)) if STAGES[depth][0] is Bottleneck else v15
        rows.append({"depth": depth, "params": count_parameters(meta_network(f"ResNet-{depth}")),
                     "v1.5 (torchvision)": v15, "v1 (paper)": v1,
                     "paper Table 1": PAPER_TABLE1_GFLOPS[depth],
                     "torchvision published": torchvision_reference(depth)["gflops"]})
    return rows


def compare_with_torchvision(depth: int, input_size: int = 64, batch_size: int = 1,
                             seed: int = 0) -> dict[str, Any]:
    """Load a random-weight ``torchvision.models.resnet{depth}()`` into ours and compare outputs.

    Ours is built on the meta device and takes torchvision's tensors through
    ``load_state_dict(strict=True, assign=True)``; strict fails on any missing, extra or
    misshapen entry. Both run in eval mode on the same random batch.
    """
    depth = check_choice("depth", depth, tuple(IMAGENET_BUILDERS))
    input_size = check_int("input_size", input_size, 1)
    batch_size = check_int("batch_size", batch_size, 1)
    import torchvision

    seed = check_int("seed", seed, 0)
    with seeded(seed):
        theirs = getattr(torchvision.models, f"resnet{depth}")().eval()  # random weights, no download
        x = torch.randn(batch_size, 3, input_size, input_size)
    ours = build_on_meta(IMAGENET_BUILDERS[depth])
    result = ours.load_state_dict(theirs.state_dict(), strict=True, assign=True)
    ours.eval()
    with torch.no_grad():
        a, b = ours(x), theirs(x)
    return {"depth": depth, "state_dict entries": len(theirs.state_dict()),
            "missing": len(result.missing_keys), "unexpected": len(result.unexpected_keys),
            "output shape": tuple(a.shape), "max difference": float((a - b).abs().max())}


class _D2lResidual(nn.Module):
    """Blog post 002's (d2l's) ``Residual``: convs with biases, a 1x1 shortcut conv without BN."""

    def __init__(self, cin: int, cout: int, stride: int) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride=stride, padding=1)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1)
        self.conv3 = nn.Conv2d(cin, cout, 1, stride=stride) if stride != 1 else None
        self.bn1, self.bn2 = nn.BatchNorm2d(cout), nn.BatchNorm2d(cout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.bn2(self.conv2(torch.relu(self.bn1(self.conv1(x)))))
        return torch.relu(y + (x if self.conv3 is None else self.conv3(x)))


def d2l_resnet18(in_channels: int = 1, num_classes: int = 10) -> nn.Sequential:
    """Blog post 002's ResNet-18, written as the d2l book writes it (``b1`` to ``b5``, then the
    head): every conv keeps ``bias=True`` and the 1x1 shortcut convs have no BN."""
    check_int("in_channels", in_channels, 1)
    check_int("num_classes", num_classes, 1)
    widths = [(64, 64), (64, 128), (128, 256), (256, 512)]  # (in, out) per stage; b2 keeps 64
    stages = [nn.Sequential(_D2lResidual(cin, cout, 1 if cin == cout else 2), _D2lResidual(cout, cout, 1))
              for cin, cout in widths]
    return nn.Sequential(nn.Conv2d(in_channels, 64, 7, stride=2, padding=3), nn.BatchNorm2d(64), nn.ReLU(),
                         nn.MaxPool2d(3, stride=2, padding=1), *stages,
                         nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(512, num_classes))
