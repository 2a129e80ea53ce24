"""Notebook 04: the paper's Table 1 rendered from our modules, activation memory, and the
receptive field stage by stage.

Everything is read from the networks (built on the meta device: shapes, no memory); the only
constants are the paper's numbers, quoted in ``PAPER_TABLE1`` to be compared with.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
from torch import nn

from .._checks import check_bool, check_choice, check_int
from ..arithmetic import conv_output_size, receptive_field_steps
from ..blocks import Bottleneck
from ..exercises import Feedback
from ..paper import PAPER_TABLE1_ARCHITECTURE, PAPER_TABLE1_GFLOPS
from ..resnet import ResNet
from ..trace import forward_hooks, trace_shapes
from .conv import measured_receptive_field
from .mistakes import check_with_mistakes
from .networks import IMAGENET_BUILDERS, build_on_meta, network_macs, stage_report

__all__ = ["PAPER_TABLE1", "STAGE_NAMES", "table1", "activation_memory", "counted_output_values",
           "autograd_saved_bytes", "main_path_layers",
           "stage_receptive_fields", "tf_slim_v1_layers", "check_stem_activation_bytes",
           "check_rf_growth"]

# He et al. 2015, Table 1, as quoted in resnet_teach.paper: the numbers our modules must give.
PAPER_TABLE1: dict[str, Any] = {**PAPER_TABLE1_ARCHITECTURE, "GFLOPs": dict(PAPER_TABLE1_GFLOPS)}
STAGE_NAMES = {"stem": "conv1", "layer1": "conv2_x", "layer2": "conv3_x", "layer3": "conv4_x",
               "layer4": "conv5_x", "head": "head"}


def _meta(depth: int, **kwargs: Any) -> ResNet:
    check_choice("depth", depth, tuple(IMAGENET_BUILDERS))
    return build_on_meta(IMAGENET_BUILDERS[depth], **kwargs)


def _block_text(layer: nn.Sequential) -> str:
    block = layer[0]
    convs = [block.conv1, block.conv2] + ([block.conv3] if isinstance(block, Bottleneck) else [])
    inner = ", ".join(f"{c.kernel_size[0]}x{c.kernel_size[0]} {c.out_channels}" for c in convs)
    return f"[{inner}] x {len(layer)}"


def table1(depths: Sequence[int] = tuple(IMAGENET_BUILDERS)) -> dict[str, Any]:
    """The rows of Table 1, read from our networks: layer name, output size, one column per
    depth, and a last row of G multiply-adds (v1, the paper's network), each asserted against
    ``PAPER_TABLE1`` by the caller. Returns {"rows": [...], "checks": {...}}."""
    if isinstance(depths, (str, bytes)) or not isinstance(depths, Sequence) or not depths:
        raise TypeError(f"depths={depths!r} must be a non-empty sequence of depths, such as (18, 50)")
    depths = tuple(check_choice("depths", d, tuple(IMAGENET_BUILDERS)) for d in depths)
    nets = {d: _meta(d, stride_in_1x1=_is_bottleneck(d)) for d in depths}
    reports = {d: stage_report(net, 224) for d, net in nets.items()}
    rows, sizes, blocks, filters = [], {}, {}, {}
    for i, stage in enumerate(("stem", "layer1", "layer2", "layer3", "layer4", "head")):
        name = STAGE_NAMES[stage]
        net0 = nets[depths[0]]
        if stage == "stem":  # the paper's conv1 row is the 7x7 conv alone; the pool opens conv2_x
            size = conv_output_size(224, net0.conv1.kernel_size[0], net0.conv1.stride[0], net0.conv1.padding[0])
        else:
            size = reports[depths[0]][i].output_shape[-1] if stage != "head" else 1
        sizes[name] = size
        row = {"layer name": name, "output size": f"{size}x{size}"}
        for d, net in nets.items():
            if stage == "stem":
                c = net.conv1
                row[f"{d}-layer"] = f"{c.kernel_size[0]}x{c.kernel_size[0]} {c.out_channels}, stride {c.stride[0]}"
            elif stage == "head":
                row[f"{d}-layer"] = f"average pool, {net.fc.out_features}-d fc (softmax: in the loss)"
            else:
                layer = getattr(net, stage)
                p = net.maxpool
                pool = f"{p.kernel_size}x{p.kernel_size} max pool/{p.stride}; " if stage == "layer1" else ""
                row[f"{d}-layer"] = pool + _block_text(layer)
                blocks.setdefault(d, []).append(len(layer))
                b = layer[0]
                convs = [b.conv1, b.conv2] + ([b.conv3] if isinstance(b, Bottleneck) else [])
                filters.setdefault(d, []).append([(c.kernel_size[0], c.out_channels) for c in convs])
        rows.append(row)
    gmacs = {d: network_macs(net, 224) / 1e9 for d, net in nets.items()}
    rows.append({"layer name": "FLOPs", "output size": "", **{f"{d}-layer": f"{gmacs[d]:.2f}x10^9" for d in depths}})
    return {"rows": rows, "output size": sizes, "blocks": blocks, "filters": filters, "GMACs": gmacs}


def _is_bottleneck(depth: int) -> bool:
    """The paper's network is v1 (stride on the first 1x1); BasicBlocks have no 1x1 to move it to."""
    return isinstance(_meta(depth).layer1[0], Bottleneck)


_COUNTED = (nn.Conv2d, nn.BatchNorm2d, nn.MaxPool2d, nn.AdaptiveAvgPool2d, nn.Linear)


def activation_memory(depth: int, batch_size: int = 1, input_size: int = 224,
                      bytes_per_value: int = 4) -> list[dict[str, Any]]:
    """Values each stage's conv, BN, pooling and fc layers output, and their float32 bytes.

    An *estimate* of what training keeps for the backward pass, not a measurement: autograd
    saves what each backward formula needs (a conv's input, a BN's input and statistics, a max
    pool's int64 indices, ...), not exactly these outputs; ``autograd_saved_bytes`` measures it.
    ReLUs and the additions work in place in torchvision's ResNet, so they add nothing here.
    Traced on the meta device: the shapes of a real forward pass, at no cost, at any batch size.
    """
    n = check_int("batch_size", batch_size, 1)
    size = check_int("input_size", input_size, 1)
    bytes_per_value = check_int("bytes_per_value", bytes_per_value, 1)
    model = _meta(depth)
    with torch.device("meta"):
        trace = trace_shapes(model, (n, 3, size, size))
    stages: dict[str, int] = {}
    for row in trace:
        if row.type not in {t.__name__ for t in _COUNTED}:
            continue
        values = 1
        for d in row.output_shape:
            values *= d
        stage = _stage_of(row.name)
        stages[stage] = stages.get(stage, 0) + values
    return [{"stage": s, "values": v, "MB": round(v * bytes_per_value / 1e6, 1)} for s, v in stages.items()]


def autograd_saved_bytes(model: nn.Module, x: torch.Tensor) -> int:
    """Bytes of the tensors autograd saves for the backward pass of ``model(x)``, measured with
    ``torch.autograd.graph.saved_tensors_hooks``: what training really holds between the forward
    and the backward pass. The parameters are left out (a conv saves its weight, which is kept
    anyway), the input ``x`` is in; each storage counts once (saved tensors often share one)."""
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be an nn.Module, got {type(model).__name__}")
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"x must be a torch.Tensor, got {type(x).__name__}")
    params = {p.untyped_storage().data_ptr() for p in model.parameters()}
    storages: dict[int, int] = {}

    def pack(t: torch.Tensor) -> torch.Tensor:
        storage = t.untyped_storage()
        if storage.data_ptr() not in params:
            storages[storage.data_ptr()] = storage.nbytes()
        return t

    with torch.enable_grad(), torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        out = model(x)  # kept until counted: its graph holds the saved tensors
    del out
    return sum(storages.values())


def _stage_of(name: str) -> str:
    top = name.split(".")[0]
    return "stem" if top in ("conv1", "bn1", "maxpool") else ("head" if top in ("avgpool", "fc") else top)


def counted_output_values(model: nn.Module, x: torch.Tensor) -> dict[str, int]:
    """Run ``model(x)`` with hooks and add up ``output.numel()`` of the real output tensors of
    its conv, BN, pooling and fc layers, per stage: the check of ``activation_memory``."""
    counts: dict[str, int] = {}

    def count(stage: str):
        def hook(module: nn.Module, args: Any, output: torch.Tensor) -> None:
            counts[stage] = counts.get(stage, 0) + output.numel()
        return hook

    counted = [(m, count(_stage_of(name))) for name, m in model.named_modules() if isinstance(m, _COUNTED)]
    with forward_hooks(counted), torch.no_grad():
        model(x)
    return counts


def main_path_layers(model: ResNet) -> dict[str, list[nn.Module]]:
    """The convs and pools on the longest path of each stage (the residual branches)."""
    if not isinstance(model, ResNet):
        raise TypeError(f"model must be a ResNet, got {type(model).__name__}")
    if model.deep_stem:
        raise ValueError("main_path_layers handles the 7x7 stem (deep_stem=False)")
    out = {"stem": [model.conv1, model.maxpool]}
    for name in ("layer1", "layer2", "layer3", "layer4"):
        out[name] = [getattr(b, c) for b in getattr(model, name) for c in ("conv1", "conv2", "conv3") if hasattr(b, c)]
    return out


def _geometry(layers: Sequence[nn.Module]) -> list[tuple]:
    """(kernel, stride, dilation) tuples of conv/pool modules (square)."""
    out = []
    for m in layers:
        k = m.kernel_size if isinstance(m.kernel_size, int) else m.kernel_size[0]
        s = m.stride if isinstance(m.stride, int) else m.stride[0]
        d = getattr(m, "dilation", 1)
        out.append((k, s, d if isinstance(d, int) else d[0]))
    return out


def stage_receptive_fields(model: ResNet, measure: bool = True) -> list[dict[str, Any]]:
    """Receptive field and jump after each stage, by the formula (``receptive_field_steps``)
    and, with ``measure``, by autograd on a 1-D stack of the same geometry (notebook 01)."""
    measure = check_bool("measure", measure)
    rows, stack = [], []
    for stage, layers in main_path_layers(model).items():
        stack += _geometry(layers)
        last = receptive_field_steps(stack)[-1]
        row = {"stage": stage, "receptive field": last["receptive_field"], "jump": last["jump"]}
        if measure:
            row["measured"] = measured_receptive_field(stack)
        rows.append(row)
    return rows


def tf_slim_v1_layers(blocks: Sequence[int] = (3, 4, 6, 3)) -> list[tuple]:
    """TF-Slim's resnet_v1_50 main path: the stride-2 3x3 is the LAST unit of blocks 1-3
    (torchvision puts it in the FIRST unit of the next stage)."""
    if isinstance(blocks, (str, bytes)) or not isinstance(blocks, Sequence) or len(blocks) != 4:
        raise ValueError(f"blocks={blocks!r} must be 4 block counts, one per stage")
    blocks = [check_int(f"blocks[{i}]", n, 1) for i, n in enumerate(blocks)]
    layers = [(7, 2, 1), (3, 2, 1)]
    for i, n in enumerate(blocks):
        for u in range(n):
            s = 2 if (i < len(blocks) - 1 and u == n - 1) else 1
            layers += [(1, 1, 1), (3, s, 1), (1, 1, 1)]
    return layers


# --- exercises --------------------------------------------------------------------------------

def check_stem_activation_bytes(answer: Any) -> Feedback:
    """Bytes of conv1's output of a ResNet at 224x224, batch 64, float32."""
    net = _meta(50)
    with torch.device("meta"):
        out = net.conv1(torch.zeros(64, 3, 224, 224))  # (64, 64, 112, 112)
    expected = out.numel() * 4
    return check_with_mistakes(
        answer, expected, f"{expected:,} = 64 · 64 · 112 · 112 values x 4 bytes (about "
                          f"{expected / 1e6:.0f} MB for one layer's output).",
        mistakes=[(expected // 64, "That is one image: the batch has 64."),
                  (expected // 4, "That counts values; each float32 takes 4 bytes."),
                  (expected * 4, "conv1 has stride 2: its output is 112x112, not 224x224.")],
        hint="Output shape (N, C, H, W) = (64, 64, 112, 112); 4 bytes per float32 value.")


def check_rf_growth(answer: Any) -> Feedback:
    """Where the jump is 16, a 3x3 conv with stride 2 and then a 3x3 with stride 1: how many pixels
    does each add to the receptive field? Answer (first, second)."""
    rows = receptive_field_steps([(16, 16), (3, 2), (3, 1)])  # a stack whose jump is 16, then the two
    expected = (rows[1]["receptive_field"] - rows[0]["receptive_field"],
                rows[2]["receptive_field"] - rows[1]["receptive_field"])
    jump = rows[0]["jump"]
    return check_with_mistakes(
        answer, expected, f"{expected}: each 3x3 adds (k - 1) · jump, with the jump *before* it. The "
                          f"stride-2 conv still steps {jump} pixels apart: 2 · {jump}. Its stride doubles the "
                          f"jump for the layers after it: 2 · {2 * jump}.",
        mistakes=[((2 * expected[0], expected[1]), "The stride-2 conv's own taps are still one jump (16 pixels) "
                                                   "apart: its stride only spaces out the layers after it."),
                  ((expected[0], expected[0]), "After a stride-2 layer the jump doubles: the next 3x3's taps are "
                                               "32 input pixels apart."),
                  ((2, 2), "Each step of a 3x3 is one jump apart: multiply k - 1 by the jump."),
                  ((expected[0] // 2, expected[1] // 2), "A 3x3 reaches k - 1 = 2 steps further, not 1."),
                  ((3 * expected[0] // 2, 3 * expected[1] // 2), "Use k - 1 = 2, not k = 3: the centre tap "
                                                                 "adds nothing new.")],
        hint="r_out = r_in + (k - 1) · jump_in, and jump_out = jump_in · stride. Answer a pair (first, second).")
