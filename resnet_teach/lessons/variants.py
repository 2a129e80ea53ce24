"""Notebook 03: ResNeXt, Wide ResNet, ResNet-C/D, and the family tree.

Networks that are only counted are built on the meta device (shapes, no memory); parity with
torchvision loads its state_dict with ``strict=True`` into our builder and compares outputs.
"""
from __future__ import annotations

import functools
import inspect
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch
import torchvision
from torch import Tensor, nn

from .._checks import check_choice, check_int
from ..blocks import Bottleneck, make_shortcut
from ..exercises import Feedback
from ..preact import PreActBasicBlock
from ..resnet import (
    ResNet,
    resnet50,
    resnet101,
    resnext50_32x4d,
    resnext101_32x8d,
    resnext101_64x4d,
    wide_resnet50_2,
    wide_resnet101_2,
)
from ..trace import count_macs, count_parameters
from ..variants import make_shortcut_d
from .mistakes import check_with_mistakes

__all__ = [
    "VARIANT_BUILDERS", "meta_variant", "variant_table", "bottleneck_convs", "torchvision_parity",
    "projection_pixels", "trick_table", "FamilyEntry", "family_tree",
    "check_resnext_width", "check_projection_fraction",
]

VARIANT_BUILDERS: dict[str, Callable[..., ResNet]] = {
    "resnet50": resnet50, "resnext50_32x4d": resnext50_32x4d, "wide_resnet50_2": wide_resnet50_2,
    "resnet101": resnet101, "resnext101_32x8d": resnext101_32x8d,
    "resnext101_64x4d": resnext101_64x4d, "wide_resnet101_2": wide_resnet101_2,
}


def meta_variant(name: str, **kwargs: Any) -> ResNet:
    """One of ``VARIANT_BUILDERS`` on the meta device: shapes and counts, no memory."""
    check_choice("name", name, tuple(VARIANT_BUILDERS))
    with torch.device("meta"):
        return VARIANT_BUILDERS[name](**kwargs)


def _macs_on_meta(model: nn.Module, size: int = 224) -> int:
    with torch.device("meta"):
        return count_macs(model, (1, model.in_channels, size, size))


@functools.cache
def _variant_row(name: str) -> tuple[tuple[str, Any], ...]:
    model = meta_variant(name)
    conv2 = model.layer1[0].conv2  # the first 3x3 of layer1
    return (("network", name), ("groups", model.groups), ("width_per_group", model.base_width),
            ("layer1 3x3 width", conv2.in_channels), ("params", count_parameters(model)),
            ("GMACs at 224", round(_macs_on_meta(model) / 1e9, 2)))


def variant_table(names: tuple[str, ...] = ("resnet50", "resnext50_32x4d", "wide_resnet50_2")) -> list[dict[str, Any]]:
    """Groups, inner width, parameters and multiply-adds (GMACs, 224x224) of each network."""
    if not isinstance(names, (tuple, list)):
        raise TypeError(f"names={names!r} must be a tuple of variant names, such as ('resnet50',)")
    return [dict(_variant_row(check_choice(f"names[{i}]", n, tuple(VARIANT_BUILDERS)))) for i, n in enumerate(names)]


def bottleneck_convs(name: str, stage: int = 1) -> list[dict[str, Any]]:
    """The three convs of the first block of ``layer{stage}``: shape of the weight, parameters."""
    check_int("stage", stage, 1)
    if stage > 4:
        raise ValueError(f"stage={stage} must be 1, 2, 3 or 4")
    block = getattr(meta_variant(name), f"layer{stage}")[0]
    rows = []
    for conv_name in ("conv1", "conv2", "conv3"):
        conv = getattr(block, conv_name)
        k = conv.kernel_size[0]
        rows.append({"conv": conv_name, "kind": f"{k}x{k}", "in → out": f"{conv.in_channels} → {conv.out_channels}",
                     "groups": conv.groups, "weight": str(list(conv.weight.shape)),
                     "params": conv.weight.numel()})
    return rows


def torchvision_parity(name: str, size: int = 64, seed: int = 0) -> dict[str, Any]:
    """Load torchvision's ``name`` state_dict into ours (strict=True); compare the outputs.

    Both are built with the same random weights (torchvision's), in eval mode, on a random
    (2, 3, size, size) batch; the caller's random stream is left as it was.
    """
    check_choice("name", name, tuple(VARIANT_BUILDERS))
    size, seed = check_int("size", size, 32), check_int("seed", seed, 0)
    with torch.random.fork_rng(devices=[]), torch.no_grad():
        torch.manual_seed(seed)
        theirs = getattr(torchvision.models, name)().eval()
        ours = VARIANT_BUILDERS[name]().eval()
        result = ours.load_state_dict(theirs.state_dict(), strict=True)
        x = torch.randn(2, 3, size, size)  # (N, C, H, W)
        a, b = ours(x), theirs(x)  # (2, 1000) each
    return {"network": name, "missing keys": len(result.missing_keys),
            "unexpected keys": len(result.unexpected_keys),
            "params": count_parameters(ours), "torchvision params": count_parameters(theirs),
            "max |difference|": float((a - b).abs().max()), "output scale": float(b.abs().max())}


def projection_pixels(avg_down: bool, size: int = 8) -> Tensor:
    """Which input pixels reach a stride-2 projection shortcut's output (autograd says).

    The shortcut is built by the package (``make_shortcut`` or, with ``avg_down``, ResNet-D's
    ``make_shortcut_d``), 1 channel in and out, weight 1, no norm; the answer is
    ``input.grad != 0`` after ``output.sum().backward()``: a (size, size) bool tensor.
    """
    if not isinstance(avg_down, bool):
        raise TypeError(f"avg_down={avg_down!r} must be a bool")
    check_int("size", size, 2)
    maker = make_shortcut_d if avg_down else make_shortcut
    shortcut = maker(1, 2, 2, "B", lambda channels: nn.Identity())
    with torch.random.fork_rng(devices=[]):
        for m in shortcut.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.ones_(m.weight)
        x = torch.rand(1, 1, size, size, requires_grad=True)  # (N, C, H, W)
        shortcut(x).sum().backward()  # (1, 2, size/2, size/2) summed
    return x.grad[0, 0] != 0


@functools.cache
def _trick_row(deep_stem: bool, avg_down: bool) -> tuple[tuple[str, Any], ...]:
    with torch.device("meta"):
        model = resnet50(deep_stem=deep_stem, avg_down=avg_down)
    name = "ResNet-50" + {(False, False): " (v1.5, torchvision)", (True, False): "-C (deep stem)",
                          (False, True): " v1.5 + avg-pool shortcut",
                          (True, True): "-D (deep stem + avg-pool shortcut)"}[(deep_stem, avg_down)]
    return (("network", name), ("call", f"resnet50(deep_stem={deep_stem}, avg_down={avg_down})"),
            ("params", count_parameters(model)), ("MACs at 224", _macs_on_meta(model)))


def trick_table() -> list[dict[str, Any]]:
    """ResNet-50 with and without the deep stem and the avg-pool shortcut: counts and MACs."""
    return [dict(_trick_row(c, d)) for c, d in ((False, False), (True, False), (False, True), (True, True))]


@dataclass(frozen=True)
class FamilyEntry:
    name: str
    change: str
    paper: str  # title and link
    code: str  # the call that builds it
    where: str  # "file: line" of the resnet_teach code that makes the difference ("" if none)


def _where(obj: Any, contains: str) -> str:
    """``resnet_teach/file.py: <the first line of obj's source containing contains>``.

    The line's text rather than its number, so the notebook's output survives edits elsewhere
    in the file."""
    lines, _ = inspect.getsourcelines(obj)
    line = next((text.strip() for text in lines if contains in text), None)
    if line is None:
        raise ValueError(f"contains={contains!r} is not in the source of {obj.__qualname__}")
    package = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    path = os.path.relpath(inspect.getsourcefile(obj), os.path.dirname(package))
    return f"{path.replace(os.sep, '/')}: {line}"


def family_tree() -> list[FamilyEntry]:
    """v1 -> v1.5 -> ResNet-D; pre-activation; ResNeXt; Wide ResNet, each with its paper and
    the line of resnet_teach that builds it (computed, so it stays right when the code moves)."""
    return [
        FamilyEntry("ResNet v1", "stride on the first 1x1 of a Bottleneck",
                    "He et al. 2015, Deep Residual Learning, https://arxiv.org/abs/1512.03385",
                    "resnet50(stride_in_1x1=True)", _where(Bottleneck.__init__, "stride_1x1, stride_3x3 =")),
        FamilyEntry("ResNet v1.5", "stride on the 3x3 (torchvision's default)",
                    "NVIDIA DeepLearningExamples, ResNet50 v1.5 For PyTorch, "
                    "https://github.com/NVIDIA/DeepLearningExamples/tree/master/PyTorch/Classification/ConvNets/resnet50v1.5",
                    "resnet50()", _where(Bottleneck.__init__, "self.conv2 =")),
        FamilyEntry("ResNet-C / ResNet-D", "deep stem; 2x2 average pool before the 1x1 projection",
                    "Tong He et al. 2019, Bag of Tricks, https://arxiv.org/abs/1812.01187",
                    "resnet50(deep_stem=True, avg_down=True)", _where(make_shortcut_d, "nn.AvgPool2d")),
        FamilyEntry("Pre-activation ResNet", "BN and ReLU before each conv; nothing after the addition",
                    "He et al. 2016, Identity Mappings, https://arxiv.org/abs/1603.05027",
                    "preact_cifar_resnet(20) (notebook 07)",
                    _where(PreActBasicBlock.forward, "return out + identity")),
        FamilyEntry("ResNeXt", "grouped 3x3 (32 groups), wider inner width",
                    "Xie et al. 2017, Aggregated Residual Transformations, https://arxiv.org/abs/1611.05431",
                    "resnext50_32x4d()", _where(resnext50_32x4d, "return")),
        FamilyEntry("Wide ResNet", "inner width of every Bottleneck doubled",
                    "Zagoruyko & Komodakis 2016, Wide Residual Networks, https://arxiv.org/abs/1605.07146",
                    "wide_resnet50_2()", _where(wide_resnet50_2, "return")),
    ]


# --- exercises --------------------------------------------------------------------------------

def check_resnext_width(answer: Any) -> Feedback:
    """Channels of the 3x3 conv in layer3's blocks of resnext50_32x4d (planes = 256)."""
    block = meta_variant("resnext50_32x4d").layer3[0]
    expected = block.conv2.out_channels
    planes = 256
    return check_with_mistakes(
        answer, expected,
        f"{expected}: width = planes · width_per_group / 64 · groups = {planes} · 4 / 64 · 32.",
        mistakes=[(planes * 4 // 64, "That is the width of one group: multiply by the 32 groups."),
                  (planes, "That is layer3's planes, the width of ResNet-50's 3x3; ResNeXt scales "
                           "it by width_per_group / 64 · groups."),
                  (planes * Bottleneck.expansion, "That is the block's output (planes · expansion); "
                                                  "the question asks about the 3x3 inside.")],
        hint="width = int(planes · width_per_group / 64) · groups, with planes = 256 in layer3.")


def check_projection_fraction(answer: Any, size: int = 25) -> Feedback:
    """Fraction of the input pixels of a ``size`` x ``size`` map that a stride-2 1x1 projection
    (v1.5's shortcut) reads. The exercise asks about an odd size, 25x25, where the answer is not
    the quarter of an even map."""
    check_int("size", size, 2)
    mask = projection_pixels(False, size=size)
    read, total = int(mask.sum()), mask.numel()
    expected = read / total
    per_side = -(-size // 2)  # ceil(size / 2): rows (and columns) the window lands on
    return check_with_mistakes(
        answer, expected,
        f"{read}/{total} = {expected:.4f}: stride 2 lands on rows 0, 2, ..., {size - 1 if size % 2 else size - 2} "
        f"({per_side} of {size}) and on as many columns, so {per_side}·{per_side} = {read} pixels.",
        mistakes=[(0.25, "That is the share on an even map. On an odd map the window also lands on "
                         "the last row and the last column: count them."),
                  (per_side / size, "Stride 2 skips pixels along the height AND along the width."),
                  (1 - expected, "That is the share it ignores; the question asks what it reads."),
                  (1.0, "That is ResNet-D's average-pool shortcut; the plain 1x1/2 conv reads less.")],
        hint=f"Count the rows of a {size}x{size} input that a 1x1 window with stride 2 lands on "
             f"(rows 0, 2, 4, ...), square it, and divide by {size}·{size}.", tol=1e-9)
