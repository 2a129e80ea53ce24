"""Residual blocks: BasicBlock (two 3x3 convs) and Bottleneck (1x1 -> 3x3 -> 1x1).

Module names (conv1, bn1, ..., downsample) are torchvision's, so state_dicts load both ways.

    out = relu(F(x) + shortcut(x))

``F`` is the residual branch; ``shortcut`` is the identity ("identity block") or, when the
shape changes, a projection: 1x1 conv + BN with the block's stride ("conv block").
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from torch import Tensor, nn

from ._checks import check_bool, check_choice, check_int

__all__ = ["conv3x3", "conv1x1", "BasicBlock", "Bottleneck", "ZeroPadShortcut", "make_shortcut"]

NormLayer = Callable[[int], nn.Module]


def conv3x3(in_planes: int, out_planes: int, stride: int = 1, groups: int = 1, dilation: int = 1) -> nn.Conv2d:
    """3x3 convolution that keeps the size at stride 1 (padding = dilation). No bias: BN follows."""
    in_planes, out_planes = check_int("in_planes", in_planes, 1), check_int("out_planes", out_planes, 1)
    stride, dilation = check_int("stride", stride, 1), check_int("dilation", dilation, 1)
    groups = check_int("groups", groups, 1)
    return nn.Conv2d(in_planes, out_planes, kernel_size=3, stride=stride, padding=dilation,
                     groups=groups, bias=False, dilation=dilation)


def conv1x1(in_planes: int, out_planes: int, stride: int = 1) -> nn.Conv2d:
    """1x1 convolution: mixes channels, changes their number, never looks at neighbours."""
    in_planes, out_planes = check_int("in_planes", in_planes, 1), check_int("out_planes", out_planes, 1)
    stride = check_int("stride", stride, 1)
    return nn.Conv2d(in_planes, out_planes, kernel_size=1, stride=stride, bias=False)


class ZeroPadShortcut(nn.Module):
    """The paper's option A: an identity shortcut that needs no parameters.

    Subsample by taking every ``stride``-th pixel, then append zero channels up to ``planes``.
    """

    def __init__(self, inplanes: int, planes: int, stride: int = 1) -> None:
        super().__init__()
        self.inplanes = check_int("inplanes", inplanes, 1)
        self.planes = check_int("planes", planes, 1)
        self.stride = check_int("stride", stride, 1)
        if planes < inplanes:
            raise ValueError(f"planes={planes} must be >= inplanes={inplanes}: zero padding "
                             f"can add channels, not remove them")

    def forward(self, x: Tensor) -> Tensor:
        x = x[:, :, :: self.stride, :: self.stride]  # (N, inplanes, H/s, W/s)
        extra = self.planes - self.inplanes
        if extra == 0:
            return x
        # pad the channel dimension (dim 1) with zeros: F.pad pads from the last dim backwards
        return nn.functional.pad(x, (0, 0, 0, 0, 0, extra))  # (N, planes, H/s, W/s)

    def extra_repr(self) -> str:
        return f"{self.inplanes}, {self.planes}, stride={self.stride}"


def make_shortcut(inplanes: int, outplanes: int, stride: int, shortcut: str,
                  norm_layer: NormLayer) -> nn.Module | None:
    """The shortcut of one block for the paper's options.

    A: zero-padded identity where the shape changes (no parameters);
    B: projection (1x1 conv + BN) where the shape changes, identity elsewhere (torchvision);
    C: projection on every block.
    Returns ``None`` for a plain identity shortcut.
    """
    inplanes, outplanes = check_int("inplanes", inplanes, 1), check_int("outplanes", outplanes, 1)
    stride = check_int("stride", stride, 1)
    shortcut = check_choice("shortcut", shortcut, ("A", "B", "C"))
    if not callable(norm_layer):
        raise TypeError(f"norm_layer={norm_layer!r} must be callable, e.g. nn.BatchNorm2d")
    changes_shape = stride != 1 or inplanes != outplanes
    if shortcut == "C" or (shortcut == "B" and changes_shape):
        return nn.Sequential(conv1x1(inplanes, outplanes, stride), norm_layer(outplanes))
    if shortcut == "A" and changes_shape:
        return ZeroPadShortcut(inplanes, outplanes, stride)
    return None


def check_block_args(inplanes: Any, planes: Any, stride: Any, downsample: Any, groups: Any, base_width: Any,
                      dilation: Any, norm_layer: Any, residual: Any, expansion: int) -> tuple[int, ...]:
    """The checked (inplanes, planes, stride, groups, base_width, dilation); refuses a block whose
    shortcut could not be added to its branch."""
    checked = (check_int("inplanes", inplanes, 1), check_int("planes", planes, 1), check_int("stride", stride, 1),
               check_int("groups", groups, 1), check_int("base_width", base_width, 1),
               check_int("dilation", dilation, 1))
    inplanes, planes, stride = checked[:3]
    if norm_layer is not None and not callable(norm_layer):
        raise TypeError(f"norm_layer={norm_layer!r} must be callable, e.g. nn.BatchNorm2d")
    if downsample is not None and not isinstance(downsample, nn.Module):
        raise TypeError(f"downsample={downsample!r} must be an nn.Module (e.g. make_shortcut(...)) or None")
    check_bool("residual", residual)
    if residual and downsample is None and (stride != 1 or inplanes != planes * expansion):
        raise ValueError(
            f"downsample=None with stride={stride}, inplanes={inplanes} and planes*expansion={planes * expansion}: "
            f"the identity shortcut keeps the input's shape, so it cannot be added to the branch's output; "
            f"pass downsample=make_shortcut(...), or use stride=1 and inplanes == planes*expansion")
    return checked


class BasicBlock(nn.Module):
    """Two 3x3 convs (ResNet-18/34). ``residual=False`` drops the shortcut: a plain block."""

    expansion: int = 1

    def __init__(
        self,
        inplanes: int,
        planes: int,
        stride: int = 1,
        downsample: nn.Module | None = None,
        groups: int = 1,
        base_width: int = 64,
        dilation: int = 1,
        norm_layer: NormLayer | None = None,
        residual: bool = True,
    ) -> None:
        super().__init__()
        inplanes, planes, stride, groups, base_width, dilation = check_block_args(
            inplanes, planes, stride, downsample, groups, base_width, dilation, norm_layer, residual, self.expansion)
        if groups != 1 or base_width != 64:
            raise ValueError(f"BasicBlock supports only groups=1 and base_width=64, got "
                             f"groups={groups}, base_width={base_width}")
        if dilation > 1:
            raise ValueError(f"BasicBlock supports only dilation=1, got dilation={dilation}")
        norm_layer = norm_layer or nn.BatchNorm2d
        self.conv1 = conv3x3(inplanes, planes, stride)
        self.bn1 = norm_layer(planes)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = conv3x3(planes, planes)
        self.bn2 = norm_layer(planes)
        self.downsample = downsample
        self.stride = stride
        self.residual = residual

    def forward(self, x: Tensor) -> Tensor:
        identity = x  # (N, inplanes, H, W)
        out = self.relu(self.bn1(self.conv1(x)))  # (N, planes, H/s, W/s)
        out = self.bn2(self.conv2(out))  # (N, planes, H/s, W/s): no ReLU before the addition
        if self.residual:
            if self.downsample is not None:
                identity = self.downsample(x)
            out += identity  # in place, as torchvision: one allocation fewer per block
        return self.relu(out)


class Bottleneck(nn.Module):
    """1x1 (reduce) -> 3x3 -> 1x1 (expand by 4) (ResNet-50/101/152).

    ``stride_in_1x1=False`` (default) puts the stride on the 3x3 conv, as torchvision does
    ("ResNet v1.5"); ``True`` puts it on the first 1x1 as in the paper ("v1"). Same parameters;
    the 3x3 costs the same in both (its output is at the reduced size either way), but v1's
    first 1x1 already runs at the reduced size, so v1 has fewer FLOPs. v1.5's 3x3 sees every
    pixel where v1's strided 1x1 skips three in four, which makes v1.5 slightly more accurate.
    """

    expansion: int = 4

    def __init__(
        self,
        inplanes: int,
        planes: int,
        stride: int = 1,
        downsample: nn.Module | None = None,
        groups: int = 1,
        base_width: int = 64,
        dilation: int = 1,
        norm_layer: NormLayer | None = None,
        residual: bool = True,
        stride_in_1x1: bool = False,
    ) -> None:
        super().__init__()
        inplanes, planes, stride, groups, base_width, dilation = check_block_args(
            inplanes, planes, stride, downsample, groups, base_width, dilation, norm_layer, residual, self.expansion)
        check_bool("stride_in_1x1", stride_in_1x1)
        norm_layer = norm_layer or nn.BatchNorm2d
        width = int(planes * (base_width / 64.0)) * groups
        if width < 1:
            raise ValueError(f"planes={planes} with base_width={base_width} leaves no channels "
                             f"for the 3x3 conv")
        stride_1x1, stride_3x3 = (stride, 1) if stride_in_1x1 else (1, stride)
        self.conv1 = conv1x1(inplanes, width, stride_1x1)
        self.bn1 = norm_layer(width)
        self.conv2 = conv3x3(width, width, stride_3x3, groups, dilation)
        self.bn2 = norm_layer(width)
        self.conv3 = conv1x1(width, planes * self.expansion)
        self.bn3 = norm_layer(planes * self.expansion)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = downsample
        self.stride = stride
        self.residual = residual
        self.stride_in_1x1 = stride_in_1x1

    def forward(self, x: Tensor) -> Tensor:
        identity = x  # (N, inplanes, H, W)
        out = self.relu(self.bn1(self.conv1(x)))  # (N, width, H, W) or (H/s, W/s) in v1
        out = self.relu(self.bn2(self.conv2(out)))  # (N, width, H/s, W/s)
        out = self.bn3(self.conv3(out))  # (N, 4*planes, H/s, W/s)
        if self.residual:
            if self.downsample is not None:
                identity = self.downsample(x)
            out += identity  # in place, as torchvision: one allocation fewer per block
        return self.relu(out)


def residual_branch_last_norm(block: nn.Module) -> nn.Module:
    """The norm layer at the end of a block's residual branch (zeroed by zero_init_residual)."""
    return block.bn3 if isinstance(block, Bottleneck) else block.bn2


def init_weights(model: nn.Module, zero_init_residual: bool = False) -> None:
    """torchvision's initialisation: He (fan_out) for convs, BN to the identity map."""
    for m in model.modules():
        if isinstance(m, nn.Conv2d):
            nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
        elif isinstance(m, (nn.BatchNorm2d, nn.GroupNorm)):
            # (other norm layers, such as ScratchBatchNorm2d, start at weight 1, bias 0 themselves)
            if m.weight is not None:  # affine=False norms have nothing to initialise
                nn.init.constant_(m.weight, 1)
            if m.bias is not None:
                nn.init.constant_(m.bias, 0)
    if zero_init_residual:
        # Each block's last BN scales its branch by gamma = 0: the block starts as the identity.
        for m in model.modules():
            if isinstance(m, (BasicBlock, Bottleneck)):
                norm = residual_branch_last_norm(m)
                if getattr(norm, "weight", None) is not None:
                    nn.init.constant_(norm.weight, 0)

