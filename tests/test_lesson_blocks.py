"""Notebook 03's logic: traced block diagrams, shortcut options, v1 vs v1.5, zero_init_residual,
the exercise checkers and the block drawing."""
import matplotlib.pyplot as plt
import pytest
import torch
import torchvision
from exercise_support import assert_checker_behaves
from torch import nn

import resnet_teach as rt
from resnet_teach.blocks import make_shortcut
from resnet_teach.lessons import blocks as lesson
from resnet_teach.lessons.networks import build_on_meta
from resnet_teach.plots.blocks import draw_blocks


def conv_block(inplanes=256, planes=128, stride=2, option="B", **kwargs):
    down = make_shortcut(inplanes, planes * rt.Bottleneck.expansion, stride, option, nn.BatchNorm2d)
    return rt.Bottleneck(inplanes, planes, stride, down, **kwargs)


def evaluate_formula(formula: str) -> int:
    """ "3·3·64·64 + 64" -> 36928 (the formulas are plain products and sums)."""
    return sum(eval(term.replace("·", "*")) for term in formula.split("+")) if formula else 0


# --- block_diagram ---------------------------------------------------------------------------

def test_basic_identity_block_diagram():
    block = rt.BasicBlock(64, 64)
    d = lesson.block_diagram(block, (1, 64, 56, 56))
    assert [s.name for s in d.main] == ["conv1", "bn1", "relu", "conv2", "bn2"]
    assert d.shortcut == () and d.shortcut_kind == "identity" and d.block_name == "identity block"
    assert d.params == rt.count_parameters(block)
    assert d.output_shape == tuple(block.eval()(torch.zeros(1, 64, 56, 56)).shape)
    assert "identity (x itself)" in d.table() and "73,984" in d.table()


def test_bottleneck_projection_block_diagram():
    block = conv_block()
    d = lesson.block_diagram(block, (2, 256, 56, 56))
    assert [s.name for s in d.main] == ["conv1", "bn1", "relu", "conv2", "bn2", "relu", "conv3", "bn3"]
    assert [s.name for s in d.shortcut] == ["downsample.0", "downsample.1"]
    assert d.shortcut_kind == "projection" and d.block_name == "conv block"
    assert d.main[3].label == "3x3 conv, 128→128, stride 2"  # v1.5: the stride is on the 3x3
    assert d.shortcut[0].output_shape == d.main[-1].output_shape == d.output_shape == (2, 512, 28, 28)
    assert d.params == rt.count_parameters(block)


def test_option_a_block_diagram_has_a_zero_pad_step():
    d = lesson.block_diagram(conv_block(option="A"), (1, 256, 56, 56))
    assert len(d.shortcut) == 1 and d.shortcut[0].label.startswith("zero-pad 256→512")
    assert d.shortcut_kind == "zero-pad (option A)" and d.shortcut[0].params == 0


def test_v1_block_diagram_puts_the_stride_on_the_first_1x1():
    d = lesson.block_diagram(conv_block(stride_in_1x1=True), (1, 256, 56, 56))
    assert d.main[0].label == "1x1 conv, 256→128, stride 2" and d.main[0].output_shape == (1, 128, 28, 28)


@pytest.mark.parametrize("block", [rt.BasicBlock(64, 64), rt.Bottleneck(256, 64), conv_block(),
                                   rt.BasicBlock(64, 128, 2, make_shortcut(64, 128, 2, "B", nn.BatchNorm2d))],
                         ids=["basic", "bottleneck", "conv-block", "basic-conv-block"])
def test_every_formula_evaluates_to_the_parameter_count(block):
    d = lesson.block_diagram(block, (1, block.conv1.in_channels, 16, 16))
    for step in d.main + d.shortcut:
        assert evaluate_formula(step.formula) == step.params, step


def test_describe_and_formula_for_unusual_layers():
    conv = nn.Conv2d(8, 4, 3, stride=2, groups=2, bias=True)
    assert lesson.describe_layer(conv) == "3x3 conv, 8→4, stride 2"
    assert lesson.parameter_formula(conv) == "3·3·4·4 + 4"
    assert evaluate_formula(lesson.parameter_formula(conv)) == rt.count_parameters(conv)
    assert lesson.parameter_formula(nn.BatchNorm2d(5, affine=False)) == "0"
    assert lesson.describe_layer(nn.ReLU()) == "ReLU"
    assert lesson.describe_layer(nn.Identity()) == "Identity"


def test_block_diagram_rejects_bad_input():
    with pytest.raises(TypeError, match="block=Conv2d must be a BasicBlock or Bottleneck"):
        lesson.block_diagram(nn.Conv2d(3, 3, 3), (1, 3, 8, 8))
    with pytest.raises(ValueError, match=r"input_shape\[1\]=32 must equal the block's input channels 64"):
        lesson.block_diagram(rt.BasicBlock(64, 64), (1, 32, 8, 8))
    with pytest.raises(ValueError, match=r"must be \(N, C, H, W\)"):
        lesson.block_diagram(rt.BasicBlock(64, 64), (1, 64, 8))
    with pytest.raises(ValueError, match=r"input_shape\[2\]=0 must be >= 1"):
        lesson.block_diagram(rt.BasicBlock(64, 64), (1, 64, 0, 8))


# --- where the conv blocks are; shortcut options ----------------------------------------------

@pytest.mark.parametrize("depth", [18, 34, 50, 101, 152])
def test_block_kinds_one_conv_block_per_stage_where_the_shape_changes(depth):
    block, layers = rt.STAGES[depth]
    rows = lesson.block_kinds(build_on_meta(getattr(rt, f"resnet{depth}")))
    assert [r["blocks"] for r in rows] == layers
    # layer1 of a Bottleneck network widens 64 -> 256, so it starts with a conv block too
    assert [r["conv blocks"] for r in rows] == [int(block is rt.Bottleneck), 1, 1, 1]
    assert all(r["conv blocks"] + r["identity blocks"] == r["blocks"] for r in rows)


def test_block_kinds_rejects_non_modules():
    with pytest.raises(TypeError, match="model must be an nn.Module"):
        lesson.block_kinds("resnet50")


def test_shortcut_options_for_resnet34():
    rows = {r["option"]: r for r in lesson.shortcut_options(34)}
    tv = build_on_meta(torchvision.models.resnet34)
    assert rows["B"]["total params"] == rt.count_parameters(tv)  # torchvision is option B
    assert rows["A"]["shortcut params"] == 0 and rows["A"]["zero-pad shortcuts"] == 3
    assert rows["A"]["total params"] == rows["B"]["total params"] - rows["B"]["shortcut params"]
    # B's three projections: 1x1 conv c_in -> c_out plus BN(c_out), computed by hand
    assert rows["B"]["shortcut params"] == sum(i * o + 2 * o for i, o in [(64, 128), (128, 256), (256, 512)])
    # C projects all 16 blocks; the 13 extra keep their width c: c*c + 2c each
    assert rows["C"]["projection shortcuts"] == sum(rt.STAGES[34][1]) and rows["C"]["identity shortcuts"] == 0
    extra = sum(n * (c * c + 2 * c) for n, c in [(3, 64), (3, 128), (5, 256), (2, 512)])
    assert rows["C"]["total params"] - rows["B"]["total params"] == extra


def test_shortcut_options_rejects_unknown_depths():
    with pytest.raises(ValueError, match="depth=35 must be one of"):
        lesson.shortcut_options(35)
    with pytest.raises(ValueError, match="num_classes=0 must be >= 1"):
        lesson.shortcut_options(18, num_classes=0)


# --- v1 vs v1.5 -------------------------------------------------------------------------------

def test_stride_placement_same_parameters_different_cost():
    p = lesson.stride_placement(256, 128, size=56)
    assert p["v1"]["params"] == p["v1.5"]["params"]
    v1, v15 = ({name: (shape, macs) for name, _, shape, macs in p[v]["convs"]} for v in ("v1", "v1.5"))
    assert v1["conv1"][0] == (1, 128, 28, 28) and v15["conv1"][0] == (1, 128, 56, 56)
    assert v15["conv1"][1] == 4 * v1["conv1"][1]  # four times the positions
    assert {k: v for k, v in v1.items() if k != "conv1"} == {k: v for k, v in v15.items() if k != "conv1"}
    assert p["v1.5"]["macs"] - p["v1"]["macs"] == 3 * v1["conv1"][1]
    # and the totals are what count_macs measures on the real blocks
    assert p["v1"]["macs"] == rt.count_macs(conv_block(stride_in_1x1=True), (1, 256, 56, 56))
    assert p["v1.5"]["macs"] == rt.count_macs(conv_block(), (1, 256, 56, 56))


def test_stride_placement_rejects_bad_arguments():
    with pytest.raises(ValueError, match="size=0 must be >= 1"):
        lesson.stride_placement(size=0)
    with pytest.raises(TypeError, match="planes=2.5 must be an int"):
        lesson.stride_placement(planes=2.5)


# --- zero_init_residual -----------------------------------------------------------------------

@pytest.mark.parametrize("train_mode", [True, False])
@pytest.mark.parametrize("build", [lambda: rt.resnet18(zero_init_residual=True),
                                   lambda: rt.resnet50(zero_init_residual=True),
                                   lambda: rt.cifar_resnet(20, shortcut="A", zero_init_residual=True)],
                         ids=["resnet18", "resnet50", "cifar20-optionA"])
def test_zero_init_every_block_is_its_shortcut(build, train_mode):
    torch.manual_seed(0)
    model = build().train(train_mode)
    size = 32
    report = lesson.zero_init_report(model, torch.rand(2, 3, size, size))
    assert len(report) == sum(isinstance(m, (rt.BasicBlock, rt.Bottleneck)) for m in model.modules())
    assert all(r.max_error == 0 for r in report)
    assert all(r.returns_input for r in report if r.shortcut == "identity")


def test_default_init_blocks_are_not_their_shortcuts():
    torch.manual_seed(0)
    report = lesson.zero_init_report(rt.resnet18(), torch.rand(2, 3, 32, 32))
    assert all(r.max_error > 0.1 and not r.returns_input for r in report)


def test_zero_init_report_removes_its_hooks_and_checks_arguments():
    model = rt.resnet18(zero_init_residual=True)  # training mode
    lesson.zero_init_report(model, torch.rand(2, 3, 32, 32))
    assert all(not m._forward_hooks for m in model.modules())
    with pytest.raises(ValueError, match="Expected more than 1 value per channel"):
        lesson.zero_init_report(model, torch.rand(1, 3, 32, 32))  # layer4 is 1x1: BN cannot train
    assert all(not m._forward_hooks for m in model.modules())  # removed even after an error
    with pytest.raises(TypeError, match="x must be a torch.Tensor"):
        lesson.zero_init_report(model, [1, 2, 3])
    with pytest.raises(TypeError, match="model must be an nn.Module"):
        lesson.zero_init_report(None, torch.rand(1, 3, 32, 32))


# --- the claim behind the ReLU-before-addition bug ---------------------------------------------

def test_our_bottleneck_matches_torchvision_and_can_lower_its_input():
    torch.manual_seed(0)
    ref = torchvision.models.resnet.Bottleneck(256, 64).eval()
    ours = rt.Bottleneck(256, 64).eval()
    ours.load_state_dict(ref.state_dict())
    x = torch.relu(torch.randn(2, 256, 14, 14))
    with torch.no_grad():
        out = ours(x)
        assert torch.equal(out, ref(x))
    assert (out < x).any()  # the branch can subtract; with a ReLU before the addition it could not


# --- exercises --------------------------------------------------------------------------------

CHECKERS = [
    (lesson.check_bottleneck_params, 1024 * 256 + 9 * 256 * 256 + 256 * 1024 + 2 * (256 + 256 + 1024), 70_400),
    (lesson.check_conv_block_shape, (1, 2048, 5, 5), (1, 2048, 10, 10)),
    (lesson.check_option_c_extra_params,
     sum(n * (c * c + 2 * c) for n, c in [(3, 64), (3, 128), (5, 256), (2, 512)]), 1_092_992),
    (lesson.check_zero_gammas, 33, 34),
]


@pytest.mark.parametrize("checker, right, wrong", CHECKERS, ids=[c[0].__name__ for c in CHECKERS])
def test_checkers(checker, right, wrong):
    assert_checker_behaves(checker, right, wrong)


def test_conv_block_shape_accepts_lists_and_sizes():
    assert lesson.check_conv_block_shape([1, 2048, 5, 5]).correct
    assert lesson.check_conv_block_shape(torch.Size([1, 2048, 5, 5])).correct


# --- the drawing ------------------------------------------------------------------------------

def test_draw_blocks_draws_one_panel_per_block():
    diagrams = [lesson.block_diagram(rt.BasicBlock(64, 64), (1, 64, 8, 8)),
                lesson.block_diagram(conv_block(), (1, 256, 8, 8)),
                lesson.block_diagram(conv_block(option="A"), (1, 256, 8, 8))]
    fig = draw_blocks(diagrams)
    try:
        assert len(fig.axes) == 3
        texts = [t.get_text() for t in fig.axes[1].texts]
        assert any("1x1 conv, 256→512, stride 2" in t for t in texts)  # the projection box
        assert "Bottleneck: conv block" in fig.axes[1].get_title()
        assert any("zero-pad" in t for t in (t.get_text() for t in fig.axes[2].texts))
    finally:
        plt.close(fig)


def test_draw_blocks_rejects_bad_input():
    with pytest.raises(ValueError, match="at least one"):
        draw_blocks([])
    with pytest.raises(TypeError, match=r"diagrams\[0\] must be a BlockDiagram"):
        draw_blocks([rt.BasicBlock(64, 64)])
    d = lesson.block_diagram(rt.BasicBlock(64, 64), (1, 64, 8, 8))
    with pytest.raises(ValueError, match="titles has 2 entries, diagrams has 1"):
        draw_blocks([d], titles=["a", "b"])


def test_zero_init_projection_blocks_are_relu_of_their_shortcut_not_the_shortcut():
    """At init a block computes ReLU(shortcut(x)); a projection (conv + BN) has negative values,
    which the final ReLU removes, so block(x) != shortcut(x) there, while identity blocks give x."""
    torch.manual_seed(0)
    report = lesson.zero_init_report(rt.resnet18(zero_init_residual=True).train(), torch.rand(2, 3, 32, 32))
    assert all(r.shortcut_gap > 0.1 for r in report if r.shortcut == "projection")
    assert all(r.shortcut_gap == 0 for r in report if r.shortcut == "identity")
