"""ResNet-18/34/50/101/152 for ImageNet-sized inputs, module for module torchvision's.

    stem:   conv1 7x7/2 -> bn1 -> relu -> maxpool 3x3/2        224 -> 112 -> 56
    layer1: blocks at 64 planes, stride 1                       56
    layer2: blocks at 128 planes, first block stride 2          28
    layer3: blocks at 256 planes, first block stride 2          14
    layer4: blocks at 512 planes, first block stride 2          7
    head:   avgpool (global) -> flatten -> fc                   1 -> num_classes

Because the names match, ``ours.load_state_dict(torchvision_model.state_dict())`` works.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
from torch import Tensor, nn

from ._checks import IntOrPair, check_bool, check_choice, check_int, check_pair
from .blocks import BasicBlock, Bottleneck, NormLayer, init_weights, make_shortcut
from .sizes import feature_map_size
from .variants import make_deep_stem, make_shortcut_d

__all__ = ["ResNet", "resnet18", "resnet34", "resnet50", "resnet101", "resnet152", "STAGES",
           "resnext50_32x4d", "resnext101_32x8d", "resnext101_64x4d", "wide_resnet50_2",
           "wide_resnet101_2"]

Block = type[BasicBlock | Bottleneck]

# depth -> (block, blocks per stage), Table 1 of He et al. (2015)
STAGES = {
    18: (BasicBlock, [2, 2, 2, 2]),
    34: (BasicBlock, [3, 4, 6, 3]),
    50: (Bottleneck, [3, 4, 6, 3]),
    101: (Bottleneck, [3, 4, 23, 3]),
    152: (Bottleneck, [3, 8, 36, 3]),
}


def check_block(block: Any) -> None:
    if not (isinstance(block, type) and issubclass(block, nn.Module) and hasattr(block, "expansion")):
        raise TypeError(f"block={block!r} must be a block class such as BasicBlock or Bottleneck")


def check_forward_input(x: Any, in_channels: int) -> None:
    """A readable error instead of a conv's shape error deep inside PyTorch."""
    if not isinstance(x, Tensor):
        raise TypeError(f"x must be a torch.Tensor, got {type(x).__name__}")
    if x.dim() != 4 or x.shape[1] != in_channels:
        raise ValueError(f"x.shape={tuple(x.shape)} must be (N, in_channels={in_channels}, H, W)")


class ResNet(nn.Module):
    """ResNet for ImageNet-style inputs.

    Arguments beyond torchvision's:
      head: "gap" (global average pooling, any input size) or "flatten" (flatten the last
        feature map into fc; needs ``input_size`` and works only at that size).
      shortcut: the paper's option "A" (zero-padded identity), "B" (projection where the shape
        changes; torchvision) or "C" (projection everywhere).
      residual: False gives the "plain" network of the same depth (no shortcuts).
      stride_in_1x1: Bottleneck only; True is the paper's v1, False torchvision's v1.5.
      avg_down: ResNet-D (Tong He et al. 2019): a strided projection shortcut becomes a 2x2 average
        pool then a stride-1 1x1 conv, so it reads every pixel (``variants.make_shortcut_d``).
      deep_stem: ResNet-C: the 7x7 stem conv becomes three 3x3 convs, 32-32-64 channels
        (``variants.make_deep_stem``); conv1 is then an nn.Sequential.
    """

    def __init__(
        self,
        block: Block,
        layers: Sequence[int],
        num_classes: int = 1000,
        in_channels: int = 3,
        zero_init_residual: bool = False,
        groups: int = 1,
        width_per_group: int = 64,
        replace_stride_with_dilation: Sequence[bool] | None = None,
        norm_layer: NormLayer | None = None,
        head: str = "gap",
        input_size: IntOrPair | None = None,
        shortcut: str = "B",
        residual: bool = True,
        stride_in_1x1: bool = False,
        avg_down: bool = False,
        deep_stem: bool = False,
    ) -> None:
        super().__init__()
        check_block(block)
        if isinstance(layers, (str, bytes)) or not isinstance(layers, Sequence) or len(layers) != 4:
            raise ValueError(f"layers={layers!r} must list 4 block counts, one per stage")
        layers = [check_int(f"layers[{i}]", n, 1) for i, n in enumerate(layers)]
        self.num_classes = num_classes = check_int("num_classes", num_classes, 1)
        self.in_channels = in_channels = check_int("in_channels", in_channels, 1)
        self.groups = check_int("groups", groups, 1)
        self.base_width = check_int("width_per_group", width_per_group, 1)
        head = check_choice("head", head, ("gap", "flatten"))
        shortcut = check_choice("shortcut", shortcut, ("A", "B", "C"))
        residual = check_bool("residual", residual)
        zero_init_residual = check_bool("zero_init_residual", zero_init_residual)
        stride_in_1x1 = check_bool("stride_in_1x1", stride_in_1x1)
        if norm_layer is not None and not callable(norm_layer):
            raise TypeError(f"norm_layer={norm_layer!r} must be callable, e.g. nn.BatchNorm2d")
        if stride_in_1x1 and not issubclass(block, Bottleneck):
            raise ValueError(f"stride_in_1x1=True needs block=Bottleneck, got {block.__name__}")
        for name, flag in (("avg_down", avg_down), ("deep_stem", deep_stem)):
            if not isinstance(flag, bool):
                raise TypeError(f"{name}={flag!r} must be a bool")
        if avg_down and shortcut == "A":
            raise ValueError("avg_down=True changes the projection shortcut; shortcut='A' has "
                             "none (use 'B' or 'C')")
        if replace_stride_with_dilation is None:
            replace_stride_with_dilation = [False, False, False]
        if (isinstance(replace_stride_with_dilation, (str, bytes))
                or not isinstance(replace_stride_with_dilation, Sequence) or len(replace_stride_with_dilation) != 3):
            raise ValueError(f"replace_stride_with_dilation={replace_stride_with_dilation!r} "
                             f"must have 3 booleans (for layer2, layer3, layer4)")
        replace_stride_with_dilation = [check_bool(f"replace_stride_with_dilation[{i}]", d)
                                        for i, d in enumerate(replace_stride_with_dilation)]
        if head == "flatten" and input_size is None:
            raise ValueError("input_size=None: head='flatten' must be given input_size=(H, W), since the "
                             "fc layer's width depends on the last feature map's size")
        if head == "gap" and input_size is not None:
            raise ValueError(f"input_size={input_size!r} is only used with head='flatten'; "
                             f"the GAP head works at any size")
        if head == "flatten":
            input_size = check_pair("input_size", input_size, 1)

        self._norm_layer = norm_layer = norm_layer or nn.BatchNorm2d
        self.inplanes = 64
        self.dilation = 1
        self.residual = residual
        self._block_kwargs = {"residual": residual}
        if issubclass(block, Bottleneck):
            self._block_kwargs["stride_in_1x1"] = stride_in_1x1
        self.shortcut = shortcut
        self.head = head
        self._make_shortcut = make_shortcut_d if avg_down else make_shortcut
        self.deep_stem = deep_stem

        if deep_stem:  # ResNet-C: three 3x3 convs see the same 224 -> 112 as one 7x7/2
            self.conv1: nn.Module = make_deep_stem(in_channels, self.inplanes, norm_layer)
        else:
            self.conv1 = nn.Conv2d(in_channels, self.inplanes, kernel_size=7, stride=2, padding=3, bias=False)
        self.bn1 = norm_layer(self.inplanes)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        self.layer1 = self._make_layer(block, 64, layers[0])
        self.layer2 = self._make_layer(block, 128, layers[1], stride=2, dilate=replace_stride_with_dilation[0])
        self.layer3 = self._make_layer(block, 256, layers[2], stride=2, dilate=replace_stride_with_dilation[1])
        self.layer4 = self._make_layer(block, 512, layers[3], stride=2, dilate=replace_stride_with_dilation[2])
        self.num_features = 512 * block.expansion
        if head == "gap":
            self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
            self.fc = nn.Linear(self.num_features, num_classes)
        else:
            self.input_size = input_size
            h, w = self.feature_map_size(self.input_size)
            self.avgpool = nn.Identity()  # kept so the names match the GAP network's
            self.fc = nn.Linear(self.num_features * h * w, num_classes)
        init_weights(self, zero_init_residual)

    def _make_layer(self, block: Block, planes: int, blocks: int, stride: int = 1,
                    dilate: bool = False) -> nn.Sequential:
        previous_dilation = self.dilation
        if dilate:  # keep the resolution, widen the kernels' reach instead
            self.dilation *= stride
            stride = 1
        outplanes = planes * block.expansion
        layers: list[nn.Module] = [block(
            self.inplanes, planes, stride, self._shortcut(outplanes, stride),
            self.groups, self.base_width, previous_dilation, self._norm_layer, **self._block_kwargs)]
        self.inplanes = outplanes
        for _ in range(1, blocks):
            layers.append(block(
                self.inplanes, planes, 1, self._shortcut(outplanes, 1),
                self.groups, self.base_width, self.dilation, self._norm_layer, **self._block_kwargs))
        return nn.Sequential(*layers)

    def _shortcut(self, outplanes: int, stride: int) -> nn.Module | None:
        # A plain network has no shortcut at all, so no projection either (its weights would
        # never get a gradient).
        if not self.residual:
            return None
        return self._make_shortcut(self.inplanes, outplanes, stride, self.shortcut, self._norm_layer)

    def feature_map_size(self, input_size: IntOrPair) -> IntOrPair:
        """(H, W) of layer4's output for an input of ``input_size`` (an int gives an int), from
        the output-size formula applied to this network's own layers: a swapped stem counts."""
        h, w = feature_map_size(self, input_size)
        return (h, w) if isinstance(input_size, (tuple, list)) else h

    def forward_features(self, x: Tensor) -> Tensor:
        check_forward_input(x, self.in_channels)
        x = self.relu(self.bn1(self.conv1(x)))  # (N, 64, H/2, W/2)
        x = self.maxpool(x)  # (N, 64, H/4, W/4)
        x = self.layer1(x)  # (N, 64*e, H/4, W/4)
        x = self.layer2(x)  # (N, 128*e, H/8, W/8)
        x = self.layer3(x)  # (N, 256*e, H/16, W/16)
        return self.layer4(x)  # (N, 512*e, H/32, W/32)

    def forward_head(self, x: Tensor, pre_logits: bool = False) -> Tensor:
        x = self.avgpool(x)  # GAP: (N, C, 1, 1); flatten head: unchanged (N, C, h, w)
        x = torch.flatten(x, 1)  # (N, C) or (N, C*h*w)
        return x if pre_logits else self.fc(x)  # (N, num_classes): logits, not probabilities

    def forward(self, x: Tensor) -> Tensor:
        return self.forward_head(self.forward_features(x))


def _resnet(depth: int, **kwargs: Any) -> ResNet:
    block, layers = STAGES[depth]
    return ResNet(block, layers, **kwargs)


def resnet18(**kwargs: Any) -> ResNet:
    """ResNet-18: BasicBlock x [2, 2, 2, 2]; 11,689,512 parameters with 1000 classes."""
    return _resnet(18, **kwargs)


def resnet34(**kwargs: Any) -> ResNet:
    """ResNet-34: BasicBlock x [3, 4, 6, 3]; 21,797,672 parameters with 1000 classes."""
    return _resnet(34, **kwargs)


def resnet50(**kwargs: Any) -> ResNet:
    """ResNet-50: Bottleneck x [3, 4, 6, 3]; 25,557,032 parameters with 1000 classes."""
    return _resnet(50, **kwargs)


def resnet101(**kwargs: Any) -> ResNet:
    """ResNet-101: Bottleneck x [3, 4, 23, 3]."""
    return _resnet(101, **kwargs)


def resnet152(**kwargs: Any) -> ResNet:
    """ResNet-152: Bottleneck x [3, 8, 36, 3]."""
    return _resnet(152, **kwargs)


# ResNeXt (Xie et al. 2017) and Wide ResNet (Zagoruyko & Komodakis 2016), as torchvision builds
# them: the same Bottleneck network; only the 3x3 conv's width and groups change,
# width = planes * width_per_group / 64 * groups.

def resnext50_32x4d(**kwargs: Any) -> ResNet:
    """ResNeXt-50 32x4d: 32 groups of 4 channels in layer1's 3x3; 25,028,904 parameters."""
    return _resnet(50, groups=32, width_per_group=4, **kwargs)


def resnext101_32x8d(**kwargs: Any) -> ResNet:
    """ResNeXt-101 32x8d: 32 groups of 8 channels in layer1's 3x3."""
    return _resnet(101, groups=32, width_per_group=8, **kwargs)


def resnext101_64x4d(**kwargs: Any) -> ResNet:
    """ResNeXt-101 64x4d: 64 groups of 4 channels in layer1's 3x3."""
    return _resnet(101, groups=64, width_per_group=4, **kwargs)


def wide_resnet50_2(**kwargs: Any) -> ResNet:
    """Wide ResNet-50-2: every Bottleneck's inner width doubled; 68,883,240 parameters."""
    return _resnet(50, width_per_group=64 * 2, **kwargs)


def wide_resnet101_2(**kwargs: Any) -> ResNet:
    """Wide ResNet-101-2: every Bottleneck's inner width doubled."""
    return _resnet(101, width_per_group=64 * 2, **kwargs)
