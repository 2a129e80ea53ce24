"""Notebook 03: residual blocks, traced; shortcut options; v1 vs v1.5; zero_init_residual.

Every function computes its answer from a real block or network (``trace_shapes``,
``count_parameters``), so what the notebook prints is what PyTorch does. The block diagrams
themselves are core (``resnet_teach.diagram``), re-exported here for the notebook.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch
from torch import Tensor, nn

from .._checks import check_choice, check_int
from ..blocks import Bottleneck, ZeroPadShortcut, make_shortcut, residual_branch_last_norm
from ..diagram import RESIDUAL_BLOCKS, BlockDiagram, Step, block_diagram, describe_layer, parameter_formula
from ..exercises import Feedback, compare, is_unanswered
from ..resnet import STAGES, ResNet, resnet34, resnet101
from ..trace import build_on_meta, count_parameters, forward_hooks, trace_shapes

__all__ = [
    "Step", "BlockDiagram", "block_diagram", "describe_layer", "parameter_formula",
    "block_kinds", "shortcut_options", "stride_placement", "zero_init_report",
    "check_bottleneck_params", "check_conv_block_shape", "check_option_c_extra_params",
    "check_zero_gammas", "check_v1_wipe_prediction",
]


def block_kinds(model: nn.Module) -> list[dict[str, Any]]:
    """Per stage (layer1..): how many blocks have a projection / zero-pad / identity shortcut."""
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be an nn.Module, got {type(model).__name__}")
    rows = []
    for stage, layer in model.named_children():
        blocks = [b for b in layer.children() if isinstance(b, RESIDUAL_BLOCKS)] if isinstance(
            layer, nn.Sequential) else []
        if not blocks:
            continue
        conv = sum(b.downsample is not None for b in blocks)
        rows.append({"stage": stage, "blocks": len(blocks), "conv blocks": conv,
                     "identity blocks": len(blocks) - conv,
                     "first block": f"{blocks[0].conv1.in_channels}→"
                                    f"{residual_branch_last_norm(blocks[0]).num_features} channels, "
                                    f"stride {blocks[0].stride}"})
    return rows


def _shortcut_modules(model: nn.Module) -> list[nn.Module]:
    return [m.downsample for m in model.modules()
            if isinstance(m, RESIDUAL_BLOCKS) and m.downsample is not None]


def shortcut_options(depth: int = 34, num_classes: int = 1000) -> list[dict[str, Any]]:
    """The paper's options A, B, C for one ImageNet ResNet: shortcuts of each kind and parameters.

    A: zero-padded identity where the shape changes; B: projection there (torchvision);
    C: projection on every block. Built on the meta device, so no weights are allocated.
    """
    depth = check_choice("depth", depth, tuple(STAGES))
    num_classes = check_int("num_classes", num_classes, 1)
    block, layers = STAGES[depth]
    rows = []
    for option in ("A", "B", "C"):
        model = build_on_meta(ResNet, block=block, layers=layers, num_classes=num_classes, shortcut=option)
        shortcuts = _shortcut_modules(model)
        rows.append({
            "option": option,
            "projection shortcuts": sum(isinstance(s, nn.Sequential) for s in shortcuts),
            "zero-pad shortcuts": sum(isinstance(s, ZeroPadShortcut) for s in shortcuts),
            "identity shortcuts": sum(len(stage) for stage in (model.layer1, model.layer2,
                                                               model.layer3, model.layer4)) - len(shortcuts),
            "shortcut params": sum(count_parameters(s) for s in shortcuts),
            "total params": count_parameters(model),
        })
    return rows


def stride_placement(inplanes: int = 256, planes: int = 128, size: int = 56, stride: int = 2
                     ) -> dict[str, dict[str, Any]]:
    """ResNet v1 (stride on the first 1x1) vs v1.5 (stride on the 3x3) for one Bottleneck
    with a projection shortcut: parameters, and each conv's output shape and multiply-adds."""
    inplanes = check_int("inplanes", inplanes, 1)
    planes = check_int("planes", planes, 1)
    size = check_int("size", size, 1)
    stride = check_int("stride", stride, 1)
    result = {}
    for version, in_1x1 in (("v1", True), ("v1.5", False)):
        down = make_shortcut(inplanes, planes * Bottleneck.expansion, stride, "B", nn.BatchNorm2d)
        block = Bottleneck(inplanes, planes, stride, down, stride_in_1x1=in_1x1)
        trace = trace_shapes(block, (1, inplanes, size, size))
        convs = [(r.name, describe_layer(block.get_submodule(r.name)), r.output_shape, r.macs)
                 for r in trace if r.type == "Conv2d"]
        result[version] = {"params": count_parameters(block), "convs": convs,
                           "macs": sum(r.macs for r in trace)}
    return result


@dataclass(frozen=True)
class BlockCheck:
    name: str  # e.g. "layer2.0"
    shortcut: str  # "identity" or "projection"
    max_error: float  # max |block(x) - expected| where expected = relu(shortcut(x))
    returns_input: bool  # block(x) equals x exactly (possible only where the shape is kept)
    shortcut_gap: float = 0.0  # max |block(x) - shortcut(x)|: what the final ReLU removes


def zero_init_report(model: nn.Module, x: Tensor) -> list[BlockCheck]:
    """Run ``model`` on ``x`` and check every residual block against ReLU(shortcut(input)).

    With ``zero_init_residual=True`` the last BN of each branch has gamma = 0 (and beta = 0),
    so F(x) = 0 and a block computes ReLU(0 + shortcut(x)): exactly its input for an identity
    block (its input came out of a ReLU, so it is >= 0).
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be an nn.Module, got {type(model).__name__}")
    if not isinstance(x, Tensor):
        raise TypeError(f"x must be a torch.Tensor, got {type(x).__name__}")
    seen: list[tuple[str, nn.Module, Tensor, Tensor]] = []
    blocks = [(m, lambda mod, args, out, name=name: seen.append((name, mod, args[0].detach(), out.detach())))
              for name, m in model.named_modules() if isinstance(m, RESIDUAL_BLOCKS)]
    with forward_hooks(blocks), torch.no_grad():
        model(x)
    report = []
    with torch.no_grad():
        for name, block, inp, out in seen:
            shortcut = inp if block.downsample is None else block.downsample(inp)
            expected = torch.relu(shortcut)
            same = out.shape == inp.shape and torch.equal(out, inp)
            report.append(BlockCheck(name, "identity" if block.downsample is None else "projection",
                                     float((out - expected).abs().max()), same,
                                     float((out - shortcut).abs().max())))
    return report


# --- exercises -------------------------------------------------------------------------------

def check_bottleneck_params(answer: Any) -> Feedback:
    """Parameters of Bottleneck(1024, 256) (no downsample): an identity block of ResNet-50's layer3."""
    if is_unanswered(answer):
        return compare(answer, None, "")
    block = Bottleneck(1024, 256)
    expected = count_parameters(block)
    convs = [block.conv1, block.conv2, block.conv3]
    bns = [block.bn1, block.bn2, block.bn3]
    conv_params = sum(count_parameters(m) for m in convs)
    bn_params = sum(count_parameters(m) for m in bns)
    biases = sum(m.out_channels for m in convs)
    all_1x1 = sum(m.in_channels * m.out_channels for m in convs) + bn_params
    formulas = " + ".join(parameter_formula(m) for m in convs), " + ".join(parameter_formula(m) for m in bns)
    return compare(answer, expected, f"{expected:,} = convs {formulas[0]} + BNs {formulas[1]}.",
                   hint="Count each conv as k·k·in·out (no bias) and each BN as 2·channels; "
                        "the block is 1024 → 256 → 256 → 1024.",
                   mistakes=[(conv_params, "That counts the convs only: each BN has parameters too (γ and β "
                                           "per channel)."),
                             (conv_params + bn_params // 2, "Each BN has two parameters per channel, γ and β."),
                             (expected + bn_params, "BN's running mean and variance are buffers, not "
                                                    "parameters: count γ and β only."),
                             (expected + biases, "The convs have bias=False: the BN after each one has "
                                                 "its own shift β."),
                             (all_1x1, "The middle conv is 3x3: its weights are 3·3·in·out.")])


def check_conv_block_shape(answer: Any) -> Feedback:
    """Output shape of layer4's first block, Bottleneck(1024, 512, stride=2) with its projection,
    for an input of (1, 1024, 10, 10) (a 160x160 image)."""
    if is_unanswered(answer):
        return compare(answer, None, "")
    down = make_shortcut(1024, 512 * Bottleneck.expansion, 2, "B", nn.BatchNorm2d)
    block = Bottleneck(1024, 512, stride=2, downsample=down).eval()
    with torch.no_grad():
        expected = tuple(block(torch.zeros(1, 1024, 10, 10)).shape)
    n, c, h, w = expected

    def shape_is(target: tuple[int, ...]):
        return lambda a: tuple(int(v) for v in a) == target

    return compare(answer, expected,
                   f"{expected}: planes·4 = {c} channels, and stride 2 halves 10.",
                   hint="The output has planes·expansion channels; the stride divides H and W.",
                   equal=lambda a, e: tuple(int(v) for v in a) == e,
                   mistakes=[(shape_is((n, c // 4, h, w)), "Those are `planes` channels: the last 1x1 conv "
                                                           "multiplies them by the expansion."),
                             (shape_is((n, 1024, h, w)), "The block does not keep its input's channels: it "
                                                         "outputs planes·expansion."),
                             (shape_is((n, c, 2 * h, 2 * w)), "The stride 2 is missing: it halves the "
                                                              "height and the width."),
                             (shape_is((n, c, h // 2, w // 2)), "Halved once too often: only one conv of "
                                                                "the branch has stride 2."),
                             (lambda a: len(tuple(a)) == 3, "Four numbers: (N, C, H, W), the batch first.")])


def check_option_c_extra_params(answer: Any) -> Feedback:
    """How many parameters option C adds to ResNet-34 over option B."""
    if is_unanswered(answer):
        return compare(answer, None, "")
    rows = {r["option"]: r for r in shortcut_options(34)}
    expected = rows["C"]["total params"] - rows["B"]["total params"]
    extra = rows["C"]["projection shortcuts"] - rows["B"]["projection shortcuts"]
    convs_only = sum(m.weight.numel() for name, m in build_on_meta(resnet34, shortcut="C").named_modules()
                     if "downsample.0" in name) - sum(
        m.weight.numel() for name, m in build_on_meta(resnet34).named_modules() if "downsample.0" in name)
    return compare(answer, expected,
                   f"{expected:,}: C adds a 1x1 conv + BN to the {extra} blocks that B leaves as "
                   f"identities.",
                   hint="Subtract the total parameters of option B from those of option C "
                        "(shortcut_options(34) has both).",
                   mistakes=[(rows["C"]["total params"], "That is C's total: the question asks what C adds "
                                                         "over B."),
                             (rows["C"]["total params"] - rows["A"]["total params"],
                              "That is C compared with A: B already has the three projections of the "
                              "shape-changing blocks."),
                             (convs_only, "The 1x1 convs only: each new projection also has a BN (γ and β "
                                          "per channel).")])


def check_zero_gammas(answer: Any) -> Feedback:
    """How many BN layers of resnet101(zero_init_residual=True) start with all gammas zero."""
    if is_unanswered(answer):
        return compare(answer, None, "")
    model = resnet101(zero_init_residual=True)
    zeroed = [name for name, m in model.named_modules()
              if isinstance(m, nn.BatchNorm2d) and bool((m.weight == 0).all())]
    per_stage = [sum(n.startswith(stage + ".") for n in zeroed)
                 for stage in ("layer1", "layer2", "layer3", "layer4")]
    expected = len(zeroed)
    projections = sum(1 for name, _ in model.named_modules() if name.endswith("downsample.1"))
    block_bns = sum(1 for name, m in model.named_modules()
                    if isinstance(m, nn.BatchNorm2d) and name.startswith("layer") and "downsample" not in name)
    return compare(answer, expected,
                   f"{expected}: the last BN (bn3) of every block, {' + '.join(map(str, per_stage))} "
                   f"blocks per stage. The projection shortcuts' BNs keep gamma = 1.",
                   hint="zero_init_residual zeroes the last BN of every block's residual branch.",
                   mistakes=[(expected + 1, "The stem's BN (bn1) is not in a residual branch: it keeps γ = 1."),
                             (expected + projections, "The projection shortcuts' BNs keep γ = 1: only "
                                                      "the residual branch starts at zero."),
                             (block_bns, "Only the *last* BN of each branch is zeroed (bn3): one zero "
                                         "γ is enough to make the branch output zero."),
                             (16, "That is ResNet-50's count (3 + 4 + 6 + 3 blocks): ResNet-101's layer3 is "
                                  "deeper."),
                             (8, "That is ResNet-18's count (8 BasicBlocks): ResNet-101 has more blocks.")])


def _block_output_changes(stride_in_1x1: bool) -> bool:
    """Does wiping every odd row and column of the input change a downsampling Bottleneck's output?"""
    with torch.random.fork_rng():
        torch.manual_seed(0)
        down = make_shortcut(256, 128 * Bottleneck.expansion, 2, "B", nn.BatchNorm2d)
        block = Bottleneck(256, 128, 2, down, stride_in_1x1=stride_in_1x1).eval()
        x = torch.relu(torch.randn(1, 256, 8, 8))  # (N, C, H, W)
    wiped = x.clone()
    wiped[:, :, 1::2, :] = 0
    wiped[:, :, :, 1::2] = 0
    with torch.no_grad():
        return not torch.equal(block(x), block(wiped))


def check_v1_wipe_prediction(answer: Any) -> Feedback:
    """Predict-then-run: in a v1 downsampling Bottleneck (stride on the first 1x1, with its 1x1
    projection), does wiping every odd row and column of the input change the block's output?"""
    if is_unanswered(answer):
        return compare(answer, None, "")
    expected = _block_output_changes(stride_in_1x1=True)
    v15 = _block_output_changes(stride_in_1x1=False)
    return compare(answer, expected,
                   f"The block's output {'changes' if expected else 'does not change'}: in v1 both paths "
                   f"start with a 1x1 conv of stride 2 (conv1 on the branch, the projection on the "
                   f"shortcut), and both read only the even rows and columns. Three pixels in four never "
                   f"reach the output. In v1.5 the 3x3 conv sees them: its output "
                   f"{'changes' if v15 else 'does not change'}.",
                   hint="Answer True (the output changes) or False (it does not).",
                   equal=lambda a, e: isinstance(a, bool) and a == e,
                   mistakes=[(not expected, "Follow the pixels: which convs does the input meet first, on "
                                            "the branch and on the shortcut, and which input pixels can a "
                                            "1x1 conv with stride 2 read?")])
