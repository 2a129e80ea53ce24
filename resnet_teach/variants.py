"""ResNet-C and ResNet-D: two "bag of tricks" changes (Tong He et al. 2019, arXiv:1812.01187).

    ResNet-C, the deep stem:   conv 7x7/2 (3 -> 64)
                           ->  conv 3x3/2 (3 -> 32), BN, ReLU, conv 3x3 (32 -> 32), BN, ReLU,
                               conv 3x3 (32 -> 64)        (then the stem's bn1, ReLU, max pool)
    ResNet-D, avg-pool downsample:  1x1 conv with stride 2, BN
                                ->  2x2 average pool with stride 2, 1x1 conv with stride 1, BN

A 1x1 convolution with stride 2 reads one pixel in four and ignores the other three; averaging
2x2 first lets the projection see all of them. ``ResNet(avg_down=True, deep_stem=True)`` uses
both (module layout as timm's ``resnet50d``).
"""
from __future__ import annotations

from torch import nn

from ._checks import check_choice, check_int
from .blocks import NormLayer, conv1x1, conv3x3, make_shortcut

__all__ = ["make_deep_stem", "make_shortcut_d", "STEM_WIDTH"]

STEM_WIDTH = 32  # the paper's channels after the first two 3x3 convs of the deep stem


def make_deep_stem(in_channels: int, out_channels: int, norm_layer: NormLayer) -> nn.Sequential:
    """ResNet-C's stem conv: three 3x3 convs, the first with stride 2 (224 -> 112, as 7x7/2).

    The last conv has no norm and ReLU of its own: the network's ``bn1`` and ``relu`` follow,
    as they follow the 7x7 conv.
    """
    check_int("in_channels", in_channels, 1)
    check_int("out_channels", out_channels, 1)
    w = STEM_WIDTH
    return nn.Sequential(
        conv3x3(in_channels, w, stride=2), norm_layer(w), nn.ReLU(inplace=True),  # (N, 32, H/2, W/2)
        conv3x3(w, w), norm_layer(w), nn.ReLU(inplace=True),  # (N, 32, H/2, W/2)
        conv3x3(w, out_channels),  # (N, 64, H/2, W/2)
    )


def make_shortcut_d(inplanes: int, outplanes: int, stride: int, shortcut: str,
                    norm_layer: NormLayer) -> nn.Module | None:
    """Like ``blocks.make_shortcut``, but a strided projection averages before it projects.

    Returns ``Sequential(AvgPool2d(stride), conv1x1(stride=1), norm)`` where the projection has
    a stride; everything else (identity, stride-1 projection) is ``make_shortcut``'s.
    """
    check_choice("shortcut", shortcut, ("B", "C"))
    check_int("stride", stride, 1)
    plain = make_shortcut(inplanes, outplanes, stride, shortcut, norm_layer)
    if plain is None or stride == 1:
        return plain
    return nn.Sequential(
        nn.AvgPool2d(stride, stride, ceil_mode=True, count_include_pad=False),  # (N, in, H/s, W/s)
        conv1x1(inplanes, outplanes),  # (N, out, H/s, W/s): every pixel went into the average
        norm_layer(outplanes),
    )
