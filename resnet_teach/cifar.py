"""The paper's CIFAR-10 networks (He et al. 2015, section 4.2): depth 6n + 2.

    conv1 3x3, 16 channels (no 7x7, no max pool: a 32x32 image is small already)
    layer1: n BasicBlocks at 16 channels, 32x32
    layer2: n BasicBlocks at 32 channels, 16x16 (first block stride 2)
    layer3: n BasicBlocks at 64 channels, 8x8   (first block stride 2)
    global average pooling -> fc
    6n conv layers in the blocks + conv1 + fc = 6n + 2 weighted layers.

``residual=False`` gives the "plain" network: the same layers with no shortcuts.
"""
from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor, nn

from ._checks import check_bool, check_choice, check_int
from .blocks import BasicBlock, NormLayer, init_weights, make_shortcut
from .resnet import check_forward_input

__all__ = ["CifarResNet", "cifar_resnet"]


class CifarResNet(nn.Module):
    def __init__(
        self,
        depth: int,
        residual: bool = True,
        num_classes: int = 10,
        shortcut: str = "B",
        in_channels: int = 3,
        widths: Sequence[int] = (16, 32, 64),
        norm_layer: NormLayer | None = None,
        zero_init_residual: bool = False,
    ) -> None:
        super().__init__()
        depth = check_int("depth", depth, 1)
        if depth < 8 or (depth - 2) % 6 != 0:
            raise ValueError(f"depth={depth} is not 6n+2 with n >= 1 (valid: 8, 14, 20, 26, 32, ...)")
        residual = check_bool("residual", residual)
        zero_init_residual = check_bool("zero_init_residual", zero_init_residual)
        self.num_classes = num_classes = check_int("num_classes", num_classes, 1)
        self.in_channels = in_channels = check_int("in_channels", in_channels, 1)
        shortcut = check_choice("shortcut", shortcut, ("A", "B", "C"))
        if isinstance(widths, (str, bytes)) or not isinstance(widths, Sequence) or len(widths) != 3:
            raise ValueError(f"widths={widths!r} must give 3 channel counts, one per stage")
        widths = [check_int(f"widths[{i}]", w, 1) for i, w in enumerate(widths)]
        if norm_layer is not None and not callable(norm_layer):
            raise TypeError(f"norm_layer={norm_layer!r} must be callable, e.g. nn.BatchNorm2d")
        self.depth, self.residual, self.shortcut = depth, residual, shortcut
        self.blocks_per_stage = (depth - 2) // 6
        self._norm_layer = norm_layer = norm_layer or nn.BatchNorm2d

        self.inplanes = widths[0]
        self.conv1 = nn.Conv2d(in_channels, widths[0], kernel_size=3, stride=1, padding=1, bias=False)
        self.bn1 = norm_layer(widths[0])
        self.relu = nn.ReLU(inplace=True)
        self.layer1 = self._make_layer(widths[0], stride=1)
        self.layer2 = self._make_layer(widths[1], stride=2)
        self.layer3 = self._make_layer(widths[2], stride=2)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.num_features = widths[2]
        self.fc = nn.Linear(widths[2], num_classes)
        init_weights(self, zero_init_residual)

    def _make_layer(self, planes: int, stride: int) -> nn.Sequential:
        blocks = []
        for i in range(self.blocks_per_stage):
            s = stride if i == 0 else 1
            # A plain network has no shortcut at all, not even the projection.
            down = make_shortcut(self.inplanes, planes, s, self.shortcut, self._norm_layer) if self.residual else None
            blocks.append(BasicBlock(self.inplanes, planes, s, down, norm_layer=self._norm_layer,
                                     residual=self.residual))
            self.inplanes = planes
        return nn.Sequential(*blocks)

    def forward_features(self, x: Tensor) -> Tensor:
        check_forward_input(x, self.in_channels)
        x = self.relu(self.bn1(self.conv1(x)))  # (N, 16, H, W)
        x = self.layer1(x)  # (N, 16, H, W)
        x = self.layer2(x)  # (N, 32, H/2, W/2)
        return self.layer3(x)  # (N, 64, H/4, W/4)

    def forward_head(self, x: Tensor, pre_logits: bool = False) -> Tensor:
        x = torch.flatten(self.avgpool(x), 1)  # (N, 64)
        return x if pre_logits else self.fc(x)  # (N, num_classes)

    def forward(self, x: Tensor) -> Tensor:
        return self.forward_head(self.forward_features(x))

    def extra_repr(self) -> str:
        kind = "residual" if self.residual else "plain"
        return f"depth={self.depth} ({kind}, n={self.blocks_per_stage}, shortcut={self.shortcut!r})"


def cifar_resnet(depth: int, residual: bool = True, num_classes: int = 10, shortcut: str = "B",
                 preact: bool = False, **kwargs) -> nn.Module:
    """A 6n+2 CIFAR network; ``residual=False`` is the plain twin of the same depth.

    With ``shortcut="A"`` (zero-padded identity, the paper's CIFAR choice) a residual network
    has exactly the parameters of its plain twin. ``preact=True`` gives ResNet v2
    (pre-activation blocks, ``resnet_teach.preact``; shortcut "A" or "B"); pass
    ``block="bottleneck"`` with it for the 9n+2 networks such as ResNet-164 and ResNet-1001.
    """
    if not isinstance(preact, bool):
        raise TypeError(f"preact={preact!r} must be a bool")
    if preact:
        if residual is not True:
            raise ValueError(f"preact=True with residual={residual!r}: pre-activation is a way of "
                             f"wiring the residual block; a plain network has no shortcut to keep clean")
        from .preact import preact_cifar_resnet

        return preact_cifar_resnet(depth, num_classes=num_classes, shortcut=shortcut, **kwargs)
    return CifarResNet(depth, residual=residual, num_classes=num_classes, shortcut=shortcut, **kwargs)
