"""Notebook 04: ResNet-18/34/50/101/152 built, traced and counted; the network explorer's logic.

Two ways to get shapes and multiply-adds, checked against each other in
tests/test_lesson_networks.py:
* ``trace_shapes`` (resnet_teach.trace) runs the real network with hooks: PyTorch's answer.
* ``stage_report`` walks the network's conv layers and applies the output-size formula of
  notebook 01 to each: no forward pass, so the explorer answers at once even for ResNet-152.
Networks that are only counted, never run, are built on the *meta* device: every parameter
has its shape but no memory and no initialisation, so even ResNet-152 builds in a blink.
"""
from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Sequence, Tuple

import torch
from torch import nn

from .._checks import check_choice, check_int
from ..arithmetic import conv_output_size, pool_output_size
from ..blocks import Bottleneck, ZeroPadShortcut
from ..cifar import CifarResNet, cifar_resnet
from ..exercises import Feedback, compare, is_unanswered
from ..mistakes import check
from ..resnet import STAGES, ResNet, resnet18, resnet34, resnet50, resnet101, resnet152
from ..trace import count_parameters

__all__ = [
    "IMAGENET_BUILDERS", "NETWORKS", "PAPER_TABLE1_GFLOPS", "SIZE_RANGE", "CHANNEL_RANGE",
    "build_on_meta", "meta_network", "format_table", "stage_table", "SizeStep", "spatial_steps", "layer_counts",
    "StageRow", "stage_report", "network_macs", "torchvision_reference", "flops_table",
    "compare_with_torchvision", "NetworkReport", "explore_network",
    "check_layer4_size", "check_fc_params", "check_main_path_convs", "check_smallest_input",
    "check_macs_ratio", "RESNET200_LAYERS",
]

IMAGENET_BUILDERS: Dict[int, Callable[..., ResNet]] = {
    18: resnet18, 34: resnet34, 50: resnet50, 101: resnet101, 152: resnet152}

# The explorer's menu: name -> (builder, keyword arguments). The CIFAR networks are the
# paper's, with shortcut option A (zero-padding) where the shape changes; the package's
# default is B.
NETWORKS: Dict[str, Tuple[Callable[..., nn.Module], Dict[str, Any]]] = {
    **{f"ResNet-{d}": (b, {}) for d, b in IMAGENET_BUILDERS.items()},
    **{f"CIFAR ResNet-{d}": (cifar_resnet, {"depth": d, "shortcut": "A"})
       for d in (20, 32, 44, 56, 110)},
}
SIZE_RANGE = (1, 512)  # the explorer's input-size slider
CHANNEL_RANGE = (1, 4)  # the explorer's input-channel slider

# Quoted from Table 1 of He et al. (2015): "FLOPs" (multiply-adds) / 1e9 at 224x224.
PAPER_TABLE1_GFLOPS = {18: 1.8, 34: 3.6, 50: 3.8, 101: 7.6, 152: 11.3}


def build_on_meta(builder: Callable[..., nn.Module], **kwargs: Any) -> nn.Module:
    """``builder(**kwargs)`` on the meta device: real shapes, no memory, no initialisation.

    Good for counting parameters and walking shapes; such a model cannot compute outputs.
    """
    if not callable(builder):
        raise TypeError(f"builder={builder!r} must be callable, e.g. resnet50")
    with torch.device("meta"):
        return builder(**kwargs)


def format_table(rows: Sequence[Dict[str, Any]]) -> str:
    """Rows of dicts (same keys) as an aligned text table; ints get thousands separators."""
    rows = list(rows)
    if not rows:
        raise ValueError("rows=[] must contain at least one row")
    keys = list(rows[0])
    cells = [[f"{v:,}" if isinstance(v, int) and not isinstance(v, bool) else str(v)
              for v in (r[k] for k in keys)] for r in rows]
    numeric = [all(isinstance(r[k], (int, float)) and not isinstance(r[k], bool) for r in rows)
               for k in keys]
    widths = [max(len(k), *(len(c[i]) for c in cells)) for i, k in enumerate(keys)]

    def line(values: Sequence[str]) -> str:
        return "  ".join(v.rjust(w) if num else v.ljust(w)
                         for v, w, num in zip(values, widths, numeric)).rstrip()

    return "\n".join([line(keys), "-" * (sum(widths) + 2 * (len(keys) - 1))] + [line(c) for c in cells])


def meta_network(network: str, in_channels: int = 3) -> nn.Module:
    """One of the explorer's ``NETWORKS`` built on the meta device, cached per (network,
    channels): for counting and shapes only. Shared between callers, so do not modify it."""
    check_choice("network", network, tuple(NETWORKS))
    return _meta_network(network, check_int("in_channels", in_channels, 1))


@functools.lru_cache(maxsize=None)
def _meta_network(network: str, in_channels: int) -> nn.Module:
    builder, kwargs = NETWORKS[network]
    return build_on_meta(builder, in_channels=in_channels, **kwargs)


@functools.lru_cache(maxsize=None)
def _meta_v1(depth: int) -> nn.Module:
    return build_on_meta(IMAGENET_BUILDERS[depth], stride_in_1x1=True)


def stage_table() -> List[Dict[str, Any]]:
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


@dataclass(frozen=True)
class SizeStep:
    layer: str
    formula: str  # the output-size formula with the numbers filled in
    size: int


def _formula(n: int, k: int, s: int, p: int, out: int) -> str:
    return f"floor(({n} + 2·{p} - {k}) / {s}) + 1 = {out}"


def spatial_steps(input_size: int, stem: str = "imagenet") -> List[SizeStep]:
    """The map's height (= width) through a ResNet, one output-size formula per layer that
    can change it. ``stem="imagenet"``: conv1 7x7/2, maxpool 3x3/2, layer1 (stride 1),
    layer2-4 (first 3x3 conv stride 2), global average pooling. ``stem="cifar"``: conv1 3x3/1,
    layer1, layer2-3."""
    n = check_int("input_size", input_size, 1)
    check_choice("stem", stem, ("imagenet", "cifar"))
    steps = []
    if stem == "imagenet":
        out = conv_output_size(n, kernel_size=7, stride=2, padding=3)
        steps.append(SizeStep("conv1 (7x7, stride 2, padding 3)", _formula(n, 7, 2, 3, out), out))
        n, out = out, pool_output_size(out, kernel_size=3, stride=2, padding=1)
        steps.append(SizeStep("maxpool (3x3, stride 2, padding 1)", _formula(n, 3, 2, 1, out), out))
        stage_strides = [("layer1", 1), ("layer2", 2), ("layer3", 2), ("layer4", 2)]
    else:
        out = conv_output_size(n, kernel_size=3, stride=1, padding=1)
        steps.append(SizeStep("conv1 (3x3, stride 1, padding 1)", _formula(n, 3, 1, 1, out), out))
        stage_strides = [("layer1", 1), ("layer2", 2), ("layer3", 2)]
    for name, stride in stage_strides:
        n, out = out, conv_output_size(out, kernel_size=3, stride=stride, padding=1)
        steps.append(SizeStep(f"{name} (first 3x3 conv, stride {stride}, padding 1)",
                              _formula(n, 3, stride, 1, out), out))
    steps.append(SizeStep("avgpool (global: AdaptiveAvgPool2d(1))", f"{out}x{out} -> 1x1", 1))
    return steps


def layer_counts(model: nn.Module) -> Dict[str, int]:
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


# --- shapes and multiply-adds by arithmetic ---------------------------------------------------

@dataclass(frozen=True)
class StageRow:
    stage: str  # "stem", "layer1", ..., "head"
    layers: str  # what the stage is made of
    output_shape: Tuple[int, ...]  # (N, C, H, W), or (N, classes) for the head
    params: int
    macs: int  # multiply-adds of the stage's convs and linear layers


def _conv(conv: nn.Conv2d, size: Tuple[int, int]) -> Tuple[Tuple[int, int], int]:
    """Output size of one conv by the formula, and its multiply-adds."""
    out = conv_output_size(size, conv.kernel_size, conv.stride, conv.padding, conv.dilation)
    kh, kw = conv.kernel_size
    return out, out[0] * out[1] * conv.out_channels * (conv.in_channels // conv.groups) * kh * kw


def _block(block: nn.Module, size: Tuple[int, int]) -> Tuple[Tuple[int, int], int]:
    convs = [block.conv1, block.conv2] + ([block.conv3] if isinstance(block, Bottleneck) else [])
    out, macs = size, 0
    for conv in convs:
        out, m = _conv(conv, out)
        macs += m
    down = block.downsample
    if isinstance(down, nn.Sequential):  # projection: 1x1 conv + BN
        short, m = _conv(down[0], size)
        macs += m
    elif isinstance(down, ZeroPadShortcut):  # x[:, :, ::s, ::s]
        short = tuple(len(range(0, n, down.stride)) for n in size)
    else:
        short = size
    if short != out:  # PyTorch would fail at the addition
        raise ValueError(f"the shortcut gives {short[0]}x{short[1]} but the branch {out[0]}x{out[1]}")
    return out, macs


def _stem_description(model: nn.Module) -> str:
    k, s = model.conv1.kernel_size[0], model.conv1.stride[0]
    text = f"{k}x{k} conv/{s}, BN, ReLU"
    return text + (", 3x3 max pool/2" if isinstance(model, ResNet) else "")


def stage_report(model: nn.Module, input_size: int, in_channels: int | None = None,
                 batch_size: int = 1) -> List[StageRow]:
    """Stem, stages and head of a ``ResNet`` (GAP head) or ``CifarResNet``: output shape,
    parameters and multiply-adds of each, for a square ``input_size`` input, by arithmetic."""
    if not isinstance(model, (ResNet, CifarResNet)):
        raise TypeError(f"model must be a ResNet or CifarResNet, got {type(model).__name__}")
    if isinstance(model, ResNet) and model.head != "gap":
        raise ValueError(f"model.head={model.head!r}: only the GAP head works at any input size")
    n = check_int("input_size", input_size, 1)
    c = model.in_channels if in_channels is None else check_int("in_channels", in_channels, 1)
    if c != model.in_channels:
        raise ValueError(f"in_channels={c} must equal the model's in_channels={model.in_channels}")
    batch = check_int("batch_size", batch_size, 1)
    size, stem_macs = _conv(model.conv1, (n, n))
    if isinstance(model, ResNet):
        pool = model.maxpool
        size = pool_output_size(size, pool.kernel_size, pool.stride, pool.padding)
    rows = [StageRow("stem", _stem_description(model), (batch, model.conv1.out_channels) + size,
                     count_parameters(model.conv1) + count_parameters(model.bn1), batch * stem_macs)]
    stages = [name for name, _ in model.named_children() if name.startswith("layer")]
    for name in stages:
        layer = getattr(model, name)
        macs = 0
        for block in layer:
            size, m = _block(block, size)
            macs += m
        first = layer[0]
        out_channels = (first.conv3 if isinstance(first, Bottleneck) else first.conv2).out_channels
        rows.append(StageRow(name, f"{len(layer)} x {type(first).__name__}, {first.conv1.out_channels} wide",
                             (batch, out_channels) + size, count_parameters(layer), batch * macs))
    fc = model.fc
    rows.append(StageRow("head", f"global avg pool, fc {fc.in_features}→{fc.out_features}",
                         (batch, fc.out_features), count_parameters(fc),
                         batch * fc.in_features * fc.out_features))
    return rows


def network_macs(model: nn.Module, input_size: int = 224) -> int:
    """Multiply-adds of one forward pass at ``input_size`` x ``input_size`` (the paper's
    "FLOPs"), by arithmetic; ``count_macs`` gets the same number by running the model."""
    return sum(r.macs for r in stage_report(model, input_size))


def torchvision_reference(depth: int) -> Dict[str, float]:
    """The parameter count and "GFLOPS" torchvision publishes for its ImageNet weights.

    torchvision's "GFLOPS" are multiply-adds / 1e9, like the paper's "FLOPs". Read from the
    metadata that ships inside torchvision (``meta["_ops"]``: a private key, but torchvision
    keeps the number nowhere else), so nothing is downloaded.
    """
    check_choice("depth", depth, tuple(IMAGENET_BUILDERS))
    import torchvision

    weights = getattr(torchvision.models, f"ResNet{depth}_Weights").IMAGENET1K_V1
    return {"num_params": weights.meta["num_params"], "gflops": weights.meta["_ops"]}


def flops_table(depths: Sequence[int] = tuple(IMAGENET_BUILDERS)) -> List[Dict[str, Any]]:
    """Multiply-adds at 224x224 for v1.5 (torchvision) and v1 (the paper), beside Table 1 and
    torchvision's published numbers. BasicBlock networks have no 1x1 conv to move the stride
    to, so for them v1 = v1.5."""
    rows = []
    for depth in depths:
        check_choice("depth", depth, tuple(IMAGENET_BUILDERS))
        v15 = network_macs(meta_network(f"ResNet-{depth}"))
        v1 = network_macs(_meta_v1(depth)) if STAGES[depth][0] is Bottleneck else v15
        rows.append({"depth": depth, "params": count_parameters(meta_network(f"ResNet-{depth}")),
                     "v1.5 (torchvision)": v15, "v1 (paper)": v1,
                     "paper Table 1": PAPER_TABLE1_GFLOPS[depth],
                     "torchvision published": torchvision_reference(depth)["gflops"]})
    return rows


def compare_with_torchvision(depth: int, input_size: int = 64, batch_size: int = 1,
                             seed: int = 0) -> Dict[str, Any]:
    """Load a random-weight ``torchvision.models.resnet{depth}()`` into ours and compare outputs.

    Ours is built on the meta device and takes torchvision's tensors through
    ``load_state_dict(strict=True, assign=True)``; strict fails on any missing, extra or
    misshapen entry. Both run in eval mode on the same random batch.
    """
    check_choice("depth", depth, tuple(IMAGENET_BUILDERS))
    check_int("input_size", input_size, 1)
    check_int("batch_size", batch_size, 1)
    import torchvision

    torch.manual_seed(seed)
    theirs = getattr(torchvision.models, f"resnet{depth}")().eval()  # random weights, no download
    ours = build_on_meta(IMAGENET_BUILDERS[depth])
    result = ours.load_state_dict(theirs.state_dict(), strict=True, assign=True)
    ours.eval()
    x = torch.randn(batch_size, 3, input_size, input_size)
    with torch.no_grad():
        a, b = ours(x), theirs(x)
    return {"depth": depth, "state_dict entries": len(theirs.state_dict()),
            "missing": len(result.missing_keys), "unexpected": len(result.unexpected_keys),
            "output shape": tuple(a.shape), "max difference": float((a - b).abs().max())}


# --- the network explorer --------------------------------------------------------------------

@dataclass(frozen=True)
class NetworkReport:
    network: str
    input_shape: Tuple[int, ...]
    rows: Tuple[StageRow, ...]
    too_small: bool  # the map reaches 1x1 before the last stage
    messages: Tuple[str, ...]  # what to watch out for, in plain words

    @property
    def params(self) -> int:
        return sum(r.params for r in self.rows)

    @property
    def macs(self) -> int:
        return sum(r.macs for r in self.rows)

    def table(self) -> str:
        head = ("stage", "made of", "output shape", "params", "mult-adds")
        body = [(r.stage, r.layers, str(list(r.output_shape)), f"{r.params:,}", f"{r.macs:,}")
                for r in self.rows]
        body.append(("total", "", "", f"{self.params:,}", f"{self.macs:,}"))
        widths = [max(len(x[i]) for x in [head] + body) for i in range(5)]
        fmt = lambda x: "  ".join(  # noqa: E731 - a tiny local formatter
            x[i].ljust(widths[i]) if i < 3 else x[i].rjust(widths[i]) for i in range(5)).rstrip()
        lines = [f"{self.network}, input {list(self.input_shape)}", fmt(head), "-" * (sum(widths) + 8)]
        return "\n".join(lines + [fmt(x) for x in body] + list(self.messages))

    def __str__(self) -> str:
        return self.table()




@functools.lru_cache(maxsize=1024)
def explore_network(network: str, input_size: int, in_channels: int = 3) -> NetworkReport:
    """Per-stage output shape, parameters and multiply-adds of ``network`` (a key of
    ``NETWORKS``) for a square input of ``input_size`` pixels and ``in_channels`` channels,
    and plain words on what goes wrong when the input is too small."""
    check_choice("network", network, tuple(NETWORKS))
    size = check_int("input_size", input_size, 1)
    channels = check_int("in_channels", in_channels, 1)
    model = _meta_network(network, channels)
    rows = stage_report(model, size)
    messages, too_small = _size_messages(model, size, rows)
    return NetworkReport(network, (1, channels, size, size), tuple(rows), too_small, tuple(messages))


def _size_messages(model: nn.Module, size: int, rows: List[StageRow]) -> Tuple[List[str], bool]:
    body = [r for r in rows if r.stage != "head"]  # stem, layer1, ...
    names = [r.stage for r in body]
    one = [r.stage for r in body if r.output_shape[-2:] == (1, 1)]
    design = ("ImageNet ResNets are designed for 224x224 inputs (layer4 at 7x7); for small "
              "images such as CIFAR's 32x32, use a CIFAR network") if isinstance(model, ResNet) else (
              "The CIFAR networks are designed for 32x32 inputs (layer3 at 8x8)")
    messages: List[str] = []
    too_small = bool(one) and one[0] != names[-1]
    if too_small:
        later = names[names.index(one[0]) + 1:]
        where = "the stem alone shrinks" if one[0] == "stem" else f"{one[0]} already shrinks"
        verb = "sees" if len(later) == 1 else "all see"
        messages.append(
            f"Input too small: at {size}x{size}, {where} the map to 1x1, so {', '.join(later)} "
            f"{verb} a single pixel: the 3x3 convs look mostly at zero padding and a stride of 2 "
            f"has nothing left to halve. {design}.")
    elif one:
        messages.append(f"At {size}x{size}, {names[-1]} ends at 1x1: global average pooling has "
                        f"a single pixel to average. {design}.")
    if one:
        messages.append("Training on such a 1x1 map with batch size 1 fails: BatchNorm raises "
                        "'Expected more than 1 value per channel when training'.")
    return messages, too_small


# --- exercises -------------------------------------------------------------------------------

def check_layer4_size(answer: Any) -> Feedback:
    """Height (= width) of ResNet-50's layer4 output for a 160x160 input."""
    if is_unanswered(answer):
        return compare(answer, None, "")
    layer4 = next(r for r in stage_report(meta_network("ResNet-50"), 160) if r.stage == "layer4")
    expected = layer4.output_shape[-1]
    sizes = " → ".join(str(s.size) for s in spatial_steps(160)[:-1])
    return check(answer, expected, f"{expected}: {sizes}, five halvings of 160.",
                 hint="Apply the output-size formula to conv1, maxpool, and the first conv "
                      "of layer2, layer3 and layer4 (spatial_steps(160) shows each).",
                 mistakes=[(2 * expected, "One halving short: the max pool of the stem halves the size too."),
                           (4 * expected, "Two halvings short: the stem halves twice (conv1 and the max pool)."),
                           (math.ceil(expected / 2), "One halving too many: layer1 keeps the size (stride 1)."),
                           (1, "That is after global average pooling; the question asks for layer4's output.")])


def check_fc_params(answer: Any) -> Feedback:
    """Parameters of ResNet-50's fc layer for 10 classes."""
    if is_unanswered(answer):
        return compare(answer, None, "")
    fc = build_on_meta(resnet50, num_classes=10).fc
    expected = count_parameters(fc)
    narrow = build_on_meta(resnet18, num_classes=10).fc
    return check(answer, expected,
                 f"{expected:,}: {fc.in_features}·{fc.out_features} weights + "
                 f"{fc.out_features} biases; ResNet-50 ends with 512·{Bottleneck.expansion} = "
                 f"{fc.in_features} channels.",
                 hint="ResNet-50's last stage outputs 512·expansion channels; fc has "
                      "in·out weights and one bias per class.",
                 mistakes=[(fc.weight.numel(), "Biases forgotten: fc has one per class."),
                           (count_parameters(narrow), "That is ResNet-18's width (512 channels): ResNet-50's "
                                                      "Bottlenecks expand by 4."),
                           (narrow.weight.numel(), "ResNet-18's width, and no biases: ResNet-50 ends wider, "
                                                   "and fc has one bias per class."),
                           (count_parameters(build_on_meta(resnet50).fc), "That is the fc for ImageNet's 1000 "
                                                                          "classes; the question asks for 10.")])


RESNET200_LAYERS = (3, 24, 36, 3)  # He et al. 2016, "Identity Mappings", ImageNet: Bottleneck blocks


def check_main_path_convs(answer: Any) -> Feedback:
    """How many conv layers a ResNet-200 (Bottlenecks, [3, 24, 36, 3]) has on its main path."""
    if is_unanswered(answer):
        return compare(answer, None, "")
    counts = layer_counts(build_on_meta(ResNet, block=Bottleneck, layers=list(RESNET200_LAYERS)))
    expected = counts["main-path convs"]
    blocks = " + ".join(map(str, RESNET200_LAYERS))
    return check(answer, expected,
                 f"{expected}: conv1 + 3·({blocks}) block convs; with the fc that makes "
                 f"{counts['main-path convs + fc']}, the name. The {counts['projection convs']} "
                 f"projection convs are not counted.",
                 hint=f"conv1, then 3 convs per Bottleneck for {blocks} blocks.",
                 mistakes=[(counts["main-path convs + fc"], "The fc is not a conv: that number is the "
                                                            "name, convs plus fc."),
                           (counts["all convs"], "The projection convs of the shortcuts are not on the "
                                                 "main path."),
                           (expected - 1, "conv1, the stem's 7x7 conv, is on the main path too."),
                           (1 + 2 * sum(RESNET200_LAYERS), "A Bottleneck has three convs (1x1, 3x3, 1x1), "
                                                           "not two.")])


def check_smallest_input(answer: Any) -> Feedback:
    """The smallest square input for which ResNet-18's layer4 output is larger than 1x1."""
    if is_unanswered(answer):
        return compare(answer, None, "")
    model = _meta_network("ResNet-18", 3)
    expected = next(n for n in range(SIZE_RANGE[0], SIZE_RANGE[1] + 1)
                    if stage_report(model, n)[-2].output_shape[-1] > 1)
    sizes = " → ".join(str(s.size) for s in spatial_steps(expected)[:-1])
    below = " → ".join(str(s.size) for s in spatial_steps(expected - 1)[:-1])
    return check(answer, expected,
                 f"{expected}: {sizes}, while {expected - 1} gives {below}. Each stride-2 layer "
                 f"maps n to ceil(n / 2), five of them ceil(n / 32).",
                 hint="Each stride-2 layer here maps n to floor((n - 1) / 2) + 1, i.e. ceil(n / 2); "
                      "try sizes around 32 with spatial_steps(n).",
                 mistakes=[(expected - 1, f"At {expected - 1} layer4 is still 1x1: the question asks for "
                                          f"a map *larger* than 1x1."),
                           (2 * (expected - 1), "That assumes each halving rounds down (floor). With padding "
                                                "the stride-2 layers round up: spatial_steps(n) shows it."),
                           (2 * (expected - 1) + 1, "That assumes each halving rounds down (floor). With "
                                                    "padding the stride-2 layers round up.")])


def check_macs_ratio(answer: Any) -> Feedback:
    """Predict-then-run: ResNet-18's multiply-adds at 448x448 divided by those at 224x224."""
    if is_unanswered(answer):
        return compare(answer, None, "")
    model = meta_network("ResNet-18")
    expected = network_macs(model, 448) / network_macs(model, 224)
    fc_share = model.fc.weight.numel() / network_macs(model, 224)

    def near(target: float):
        return lambda a: not isinstance(a, bool) and abs(float(a) - target) <= 0.05 * target

    return check(answer, expected,
                 f"{expected:.4f}: every conv works at 4 times as many positions (the height and the "
                 f"width both double), only the fc after global pooling costs the same "
                 f"({fc_share:.2%} of the total at 224), so a little under 4.",
                 hint="A number, the ratio. How does a conv's cost grow with the height and the width "
                      "of its map?",
                 equal=lambda a, e: not isinstance(a, bool) and abs(float(a) - e) <= 0.01 * e,
                 mistakes=[(near(2), "A conv's cost grows with the number of positions, height times width: "
                                     "both double."),
                           (near(1), "Global pooling makes the fc's input the same size, but every conv "
                                     "before it works on larger maps."),
                           (near(16), "The weights do not change with the input size: only the number of "
                                      "positions, height times width, does.")])
