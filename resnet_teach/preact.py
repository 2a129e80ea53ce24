"""Pre-activation residual blocks and CIFAR networks: ResNet v2 (He et al. 2016,
"Identity Mappings in Deep Residual Networks").

v1 (He et al. 2015) adds, then activates:   out = relu(F(x) + x)
v2 activates first, and adds last:          out = F(x) + x,   F = conv(relu(bn(conv(relu(bn(x))))))

Nothing acts on the sum, so the identity path from any block to any later one is clean: the
signal of block l reaches block L as x_L = x_l + sum of the residuals in between, and the
gradient reaches block l as dloss/dx_L * (1 + ...), never through a ReLU or a BN.

Where the shape changes, the projection shortcut (a 1x1 conv, no BN) takes the *pre-activated*
input, as in the authors' code: the block's first BN+ReLU is shared by both paths. A v2 network
ends with a BN+ReLU before the pooling, since no block activates its output.

CIFAR family: basic blocks, depth 6n + 2 (three stages of n blocks, 2 convs each), or
bottleneck blocks, depth 9n + 2 (3 convs each, output 4x the stage width): ResNet-164 is
n = 18, ResNet-1001 is n = 111.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor, nn

from ._checks import check_choice, check_int
from .blocks import NormLayer, ZeroPadShortcut, check_block_args, conv1x1, conv3x3, init_weights
from .paper import IDENTITY_MAPPINGS_TABLE2
from .resnet import check_forward_input

__all__ = [
    "PreActBasicBlock",
    "PreActBottleneck",
    "PreActCifarResNet",
    "preact_cifar_resnet",
    "preact_depth_rule",
    "PAPER_V2_CIFAR10_ERRORS",
    "PAPER_V2_PARAMS_M",
]


class _PreActBlock(nn.Module):
    """What both pre-activation blocks share: the argument checks (those of ``blocks``), the first
    BN+ReLU, whose output both paths take, and the shortcut. A block adds its convs in ``_build``."""

    expansion: int = 1

    def __init__(
        self,
        inplanes: int,
        planes: int,
        stride: int = 1,
        downsample: nn.Module | None = None,
        norm_layer: NormLayer | None = None,
    ) -> None:
        super().__init__()
        inplanes, planes, stride = check_block_args(
            inplanes, planes, stride, downsample, 1, 64, 1, norm_layer, True, self.expansion)[:3]
        norm_layer = norm_layer or nn.BatchNorm2d
        self.bn1 = norm_layer(inplanes)
        self.relu = nn.ReLU(inplace=False)  # the input is also the shortcut: never overwrite it
        self._build(inplanes, planes, stride, norm_layer)
        self.downsample = downsample
        self.stride = stride

    def _build(self, inplanes: int, planes: int, stride: int, norm_layer: NormLayer) -> None:
        raise NotImplementedError


class PreActBasicBlock(_PreActBlock):
    """BN -> ReLU -> conv3x3 -> BN -> ReLU -> conv3x3, plus the shortcut; nothing after the sum."""

    expansion: int = 1

    def _build(self, inplanes: int, planes: int, stride: int, norm_layer: NormLayer) -> None:
        self.conv1 = conv3x3(inplanes, planes, stride)
        self.bn2 = norm_layer(planes)
        self.conv2 = conv3x3(planes, planes)

    def forward(self, x: Tensor) -> Tensor:
        pre = self.relu(self.bn1(x))  # (N, inplanes, H, W): the pre-activation
        identity = self.downsample(pre) if self.downsample is not None else x
        out = self.conv1(pre)  # (N, planes, H/s, W/s)
        out = self.conv2(self.relu(self.bn2(out)))  # (N, planes, H/s, W/s)
        return out + identity  # no ReLU after the addition: the identity path stays clean


class PreActBottleneck(_PreActBlock):
    """BN -> ReLU -> 1x1 (reduce) -> BN -> ReLU -> 3x3 -> BN -> ReLU -> 1x1 (expand by 4), plus shortcut."""

    expansion: int = 4

    def _build(self, inplanes: int, planes: int, stride: int, norm_layer: NormLayer) -> None:
        self.conv1 = conv1x1(inplanes, planes)
        self.bn2 = norm_layer(planes)
        self.conv2 = conv3x3(planes, planes, stride)
        self.bn3 = norm_layer(planes)
        self.conv3 = conv1x1(planes, planes * self.expansion)

    def forward(self, x: Tensor) -> Tensor:
        pre = self.relu(self.bn1(x))  # (N, inplanes, H, W)
        identity = self.downsample(pre) if self.downsample is not None else x
        out = self.conv1(pre)  # (N, planes, H, W)
        out = self.conv2(self.relu(self.bn2(out)))  # (N, planes, H/s, W/s)
        out = self.conv3(self.relu(self.bn3(out)))  # (N, 4*planes, H/s, W/s)
        return out + identity


def preact_depth_rule(block: str) -> tuple:
    """(layers per block, a text rule): basic 6n + 2, bottleneck 9n + 2."""
    check_choice("block", block, ("basic", "bottleneck"))
    return (2, "6n+2") if block == "basic" else (3, "9n+2")


class PreActCifarResNet(nn.Module):
    """ResNet v2 for CIFAR: conv1 3x3 -> 3 stages of pre-activation blocks -> BN+ReLU -> GAP -> fc.

    ``shortcut="B"`` (default, the authors' code): a 1x1 projection where the shape changes;
    ``"A"``: zero padding there, so the network has no parameters beyond its plain twin's convs.
    """

    def __init__(
        self,
        depth: int,
        num_classes: int = 10,
        block: str = "basic",
        shortcut: str = "B",
        in_channels: int = 3,
        widths: Sequence[int] = (16, 32, 64),
        norm_layer: NormLayer | None = None,
    ) -> None:
        super().__init__()
        depth = check_int("depth", depth, 1)
        per_block, rule = preact_depth_rule(block)
        step = 3 * per_block
        if depth < step + 2 or (depth - 2) % step != 0:
            valid = ", ".join(str(step * n + 2) for n in range(1, 5))
            raise ValueError(
                f"depth={depth} is not {rule} with n >= 1, as {block} blocks need (valid: {valid}, ...)"
            )
        self.num_classes = check_int("num_classes", num_classes, 1)
        self.in_channels = check_int("in_channels", in_channels, 1)
        shortcut = check_choice("shortcut", shortcut, ("A", "B"))
        if isinstance(widths, str) or not isinstance(widths, Sequence) or len(widths) != 3:
            raise ValueError(f"widths={widths!r} must give 3 channel counts, one per stage")
        widths = [check_int(f"widths[{i}]", w, 1) for i, w in enumerate(widths)]
        if norm_layer is not None and not callable(norm_layer):
            raise TypeError(f"norm_layer={norm_layer!r} must be callable, e.g. nn.BatchNorm2d")
        self.depth, self.block, self.shortcut = depth, block, shortcut
        self.blocks_per_stage = (depth - 2) // step
        self._block_cls = PreActBasicBlock if block == "basic" else PreActBottleneck
        self._norm_layer = norm_layer = norm_layer or nn.BatchNorm2d

        self.inplanes = widths[0]
        self.conv1 = nn.Conv2d(in_channels, widths[0], kernel_size=3, stride=1, padding=1, bias=False)
        self.layer1 = self._make_layer(widths[0], stride=1)
        self.layer2 = self._make_layer(widths[1], stride=2)
        self.layer3 = self._make_layer(widths[2], stride=2)
        self.bn_final = norm_layer(self.inplanes)  # no block activates its output: do it once here
        self.relu = nn.ReLU(inplace=True)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.num_features = self.inplanes
        self.fc = nn.Linear(self.inplanes, num_classes)
        init_weights(self)

    def _make_layer(self, planes: int, stride: int) -> nn.Sequential:
        blocks = []
        out = planes * self._block_cls.expansion
        for i in range(self.blocks_per_stage):
            s = stride if i == 0 else 1
            down = None
            if s != 1 or self.inplanes != out:
                down = (
                    conv1x1(self.inplanes, out, s)
                    if self.shortcut == "B"
                    else ZeroPadShortcut(self.inplanes, out, s)
                )
            blocks.append(self._block_cls(self.inplanes, planes, s, down, norm_layer=self._norm_layer))
            self.inplanes = out
        return nn.Sequential(*blocks)

    def forward_features(self, x: Tensor) -> Tensor:
        check_forward_input(x, self.in_channels)
        x = self.conv1(x)  # (N, 16, H, W): the first block's BN+ReLU activates it
        x = self.layer1(x)  # (N, 16 or 64, H, W)
        x = self.layer2(x)  # (N, 32 or 128, H/2, W/2)
        x = self.layer3(x)  # (N, 64 or 256, H/4, W/4)
        return self.relu(self.bn_final(x))

    def forward_head(self, x: Tensor, pre_logits: bool = False) -> Tensor:
        x = torch.flatten(self.avgpool(x), 1)  # (N, C)
        return x if pre_logits else self.fc(x)  # (N, num_classes)

    def forward(self, x: Tensor) -> Tensor:
        return self.forward_head(self.forward_features(x))

    def extra_repr(self) -> str:
        return (
            f"depth={self.depth} (pre-activation, {self.block}, n={self.blocks_per_stage}, "
            f"shortcut={self.shortcut!r})"
        )


def preact_cifar_resnet(
    depth: int, num_classes: int = 10, block: str = "basic", shortcut: str = "B", **kwargs
) -> PreActCifarResNet:
    """A CIFAR ResNet v2: ``block="basic"`` (depth 6n+2) or ``"bottleneck"`` (depth 9n+2, e.g. 164, 1001)."""
    return PreActCifarResNet(depth, num_classes=num_classes, block=block, shortcut=shortcut, **kwargs)


# The paper's CIFAR-10 test errors (%), original (v1) -> pre-activation (v2): Table 2 (ResNet-110,
# ResNet-164, quoted in paper.py) and Table 3 (ResNet-1001), and the parameter counts it quotes
# with them, in millions.
PAPER_V2_CIFAR10_ERRORS = {
    **{net: (IDENTITY_MAPPINGS_TABLE2["original (Fig. 4a)"][net],
             IDENTITY_MAPPINGS_TABLE2["full pre-activation (Fig. 4e)"][net]) for net in ("ResNet-110", "ResNet-164")},
    "ResNet-1001": (7.61, 4.92),
}
PAPER_V2_PARAMS_M = {164: 1.7, 1001: 10.2}
