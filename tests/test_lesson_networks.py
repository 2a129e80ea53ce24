"""Notebook 04's logic and the network explorer: shapes and multiply-adds by arithmetic against
PyTorch's own traces, parameter counts, the torchvision comparison, the exercise checkers, and
the explorer widget at every slider extreme."""
import pytest
import torch
import torchvision
from exercise_support import assert_checker_behaves
from torch import nn

import resnet_teach as rt
from resnet_teach.blocks import Bottleneck
from resnet_teach.lessons import networks as lesson

DEPTHS = [18, 34, 50, 101, 152]


def meta_trace(model: nn.Module, size: int, channels: int = 3) -> rt.ShapeTrace:
    """PyTorch's own shapes and multiply-adds for a meta-device model: a real forward pass in
    every respect except that no values are computed."""
    with torch.device("meta"):
        return rt.trace_shapes(model, (1, channels, size, size))


def assert_report_matches_trace(rows, trace, model):
    by_name = {r.name: r for r in trace}
    for row in rows:
        if row.stage.startswith("layer"):
            assert row.output_shape == by_name[row.stage].output_shape, row
            assert row.params == by_name[row.stage].params
            assert row.macs == sum(r.macs for r in trace if r.name.startswith(row.stage + "."))
    stem_last = "maxpool" if isinstance(model, rt.ResNet) else "relu"
    assert rows[0].output_shape == by_name[stem_last].output_shape
    assert rows[-1].output_shape == by_name["fc"].output_shape
    assert sum(r.macs for r in rows) == sum(r.macs for r in trace)
    assert sum(r.params for r in rows) == rt.count_parameters(model)


# --- building and counting --------------------------------------------------------------------

def test_build_on_meta_allocates_nothing():
    model = lesson.build_on_meta(rt.resnet152)
    assert {p.device.type for p in model.parameters()} == {"meta"}
    assert rt.count_parameters(model) == 60_192_808
    with pytest.raises(TypeError, match="builder=3 must be callable"):
        lesson.build_on_meta(3)


def test_meta_network_is_cached_and_checked():
    assert lesson.meta_network("ResNet-50") is lesson.meta_network("ResNet-50", 3)
    assert lesson.meta_network("ResNet-50", 1).conv1.in_channels == 1
    with pytest.raises(ValueError, match="network='ResNet-51' must be one of"):
        lesson.meta_network("ResNet-51")
    with pytest.raises(ValueError, match="in_channels=0 must be >= 1"):
        lesson.meta_network("ResNet-50", 0)


def test_stage_table_adds_up_to_the_names():
    rows = lesson.stage_table()
    assert [r["network"] for r in rows] == [f"ResNet-{d}" for d in rt.STAGES]
    for row, (depth, (block, layers)) in zip(rows, rt.STAGES.items()):
        assert row["counted depth"] == depth and row["blocks per stage"] == layers
        assert row["weighted layers"].endswith(f"= {depth}")
        assert row["channels out of layer1..4"][-1] == 512 * block.expansion


@pytest.mark.parametrize("depth", DEPTHS)
def test_layer_counts_explain_the_names(depth):
    counts = lesson.layer_counts(lesson.build_on_meta(getattr(rt, f"resnet{depth}")))
    assert counts["main-path convs + fc"] == depth
    assert counts["projection convs"] == (4 if rt.STAGES[depth][0] is Bottleneck else 3)
    assert counts["all convs"] == counts["main-path convs"] + counts["projection convs"]
    assert counts["fc layers"] == 1


def test_blog_002_network_has_the_same_shapes_and_the_counted_parameter_difference():
    """Notebook 04 counts post 002's ResNet-18 (d2l style: every conv with bias=True, 1x1
    shortcut convs without BN) as ours + conv biases - shortcut BNs; build it and check."""

    class D2lResidual(nn.Module):
        def __init__(self, cin: int, cout: int, stride: int) -> None:
            super().__init__()
            self.conv1 = nn.Conv2d(cin, cout, 3, stride=stride, padding=1)
            self.conv2 = nn.Conv2d(cout, cout, 3, padding=1)
            self.conv3 = nn.Conv2d(cin, cout, 1, stride=stride) if stride != 1 else None
            self.bn1, self.bn2 = nn.BatchNorm2d(cout), nn.BatchNorm2d(cout)

        def forward(self, x):
            y = self.bn2(self.conv2(torch.relu(self.bn1(self.conv1(x)))))
            return torch.relu(y + (x if self.conv3 is None else self.conv3(x)))

    widths = [(64, 64), (64, 128), (128, 256), (256, 512)]  # (in, out) per stage; layer1 keeps 64
    stages = [nn.Sequential(D2lResidual(cin, cout, 1 if cin == cout else 2), D2lResidual(cout, cout, 1))
              for cin, cout in widths]
    d2l = nn.Sequential(nn.Conv2d(1, 64, 7, stride=2, padding=3), nn.BatchNorm2d(64), nn.ReLU(),
                        nn.MaxPool2d(3, stride=2, padding=1), *stages,
                        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(512, 10))
    ours = rt.resnet18(in_channels=1, num_classes=10)
    d2l_trace = rt.trace_shapes(d2l, (1, 1, 224, 224))
    ours_trace = rt.trace_shapes(ours, (1, 1, 224, 224))
    assert [r.output_shape for r in d2l_trace if r.depth == 1 and r.type == "Sequential"] == [
        r.output_shape for r in ours_trace if r.name in ("layer1", "layer2", "layer3", "layer4")]
    assert d2l_trace[0].output_shape == ours_trace[0].output_shape == (1, 10)
    convs = [m for m in ours.modules() if isinstance(m, nn.Conv2d)]
    shortcut_bns = [b.downsample[1] for b in ours.modules()
                    if isinstance(b, rt.BasicBlock) and b.downsample is not None]
    expected = rt.count_parameters(ours) + sum(c.out_channels for c in convs) - sum(
        rt.count_parameters(bn) for bn in shortcut_bns)
    assert rt.count_parameters(d2l) == expected == 11_178_378
    packaged = lesson.d2l_resnet18()  # what notebook 04 builds: the same network
    assert rt.count_parameters(packaged) == rt.count_parameters(d2l)
    assert [tuple(p.shape) for p in packaged.parameters()] == [tuple(p.shape) for p in d2l.parameters()]


def test_layer_counts_rejects_non_modules():
    with pytest.raises(TypeError, match="model must be an nn.Module"):
        lesson.layer_counts([nn.Conv2d(1, 1, 1)])


def test_format_table():
    text = lesson.format_table([{"name": "a", "n": 1234}, {"name": "bbb", "n": 5}])
    assert text.splitlines() == ["name      n", "-" * 11, "a     1,234", "bbb       5"]
    with pytest.raises(ValueError, match="at least one row"):
        lesson.format_table([])


# --- sizes by the formula -----------------------------------------------------------------------

@pytest.mark.parametrize("size", [1, 2, 5, 31, 32, 33, 64, 97, 224, 225])
def test_spatial_steps_match_a_real_resnet(size):
    trace = rt.trace_shapes(rt.resnet18(num_classes=10), (1, 3, size, size))
    names = ["conv1", "maxpool", "layer1", "layer2", "layer3", "layer4", "avgpool"]
    assert [s.size for s in lesson.spatial_steps(size)] == [trace.by_name(n).output_shape[-1] for n in names]


@pytest.mark.parametrize("size", [1, 3, 32, 33])
def test_spatial_steps_match_a_real_cifar_resnet(size):
    trace = rt.trace_shapes(rt.cifar_resnet(8), (1, 3, size, size))
    names = ["conv1", "layer1", "layer2", "layer3", "avgpool"]
    assert [s.size for s in lesson.spatial_steps(size, stem="cifar")] == [
        trace.by_name(n).output_shape[-1] for n in names]


def test_spatial_steps_formulas_and_errors():
    steps = lesson.spatial_steps(224)
    assert steps[0].formula == "floor((224 + 2·3 - 7) / 2) + 1 = 112"
    assert [s.size for s in steps] == [112, 56, 56, 28, 14, 7, 1]
    with pytest.raises(ValueError, match="input_size=0 must be >= 1"):
        lesson.spatial_steps(0)
    with pytest.raises(ValueError, match="stem='tiny' must be one of"):
        lesson.spatial_steps(32, stem="tiny")


# --- stage_report (arithmetic) against PyTorch's traces -----------------------------------------

REAL_MODELS = {
    "resnet18": lambda: rt.resnet18(),
    "resnet18-1ch-10cls": lambda: rt.resnet18(in_channels=1, num_classes=10),
    "resnet34-optionA": lambda: rt.resnet34(shortcut="A"),
    "resnet34-optionC": lambda: rt.resnet34(shortcut="C"),
    "resnet50": lambda: rt.resnet50(),
    "resnet50-v1": lambda: rt.resnet50(stride_in_1x1=True),
    "resnet50-dilated": lambda: rt.ResNet(Bottleneck, [3, 4, 6, 3], replace_stride_with_dilation=[False, True, True]),
    "resnext-like-groups": lambda: rt.ResNet(Bottleneck, [1, 1, 1, 1], groups=4, width_per_group=16),
    "cifar20": lambda: rt.cifar_resnet(20),
    "cifar20-optionA": lambda: rt.cifar_resnet(20, shortcut="A"),
}


@pytest.mark.parametrize("size", [1, 7, 33, 64])
@pytest.mark.parametrize("name", list(REAL_MODELS))
def test_stage_report_matches_a_real_forward_pass(name, size):
    model = REAL_MODELS[name]()
    trace = rt.trace_shapes(model, (1, model.in_channels, size, size))
    assert_report_matches_trace(lesson.stage_report(model, size), trace, model)


@pytest.mark.parametrize("depth, v1", [(d, False) for d in DEPTHS] + [(d, True) for d in (50, 101, 152)])
def test_network_macs_at_224_match_a_meta_forward_pass(depth, v1):
    model = lesson.build_on_meta(getattr(rt, f"resnet{depth}"), **({"stride_in_1x1": True} if v1 else {}))
    trace = meta_trace(model, 224)
    assert_report_matches_trace(lesson.stage_report(model, 224), trace, model)
    assert lesson.network_macs(model, 224) == sum(r.macs for r in trace)


def test_network_macs_equals_count_macs_on_a_real_resnet18():
    model = rt.resnet18()
    assert lesson.network_macs(model, 224) == rt.count_macs(model, (1, 3, 224, 224)) == 1_814_073_344


def test_stage_report_batch_size_scales_the_cost():
    model = lesson.meta_network("ResNet-18")
    one, four = lesson.stage_report(model, 64), lesson.stage_report(model, 64, batch_size=4)
    assert [4 * r.macs for r in one] == [r.macs for r in four]
    assert all(r.output_shape[0] == 4 for r in four)


def test_stage_report_rejects_bad_input():
    with pytest.raises(TypeError, match="model must be a ResNet or CifarResNet, got Linear"):
        lesson.stage_report(nn.Linear(2, 2), 32)
    flat = lesson.build_on_meta(rt.resnet18, head="flatten", input_size=64)
    with pytest.raises(ValueError, match="model.head='flatten'"):
        lesson.stage_report(flat, 64)
    with pytest.raises(ValueError, match="in_channels=1 must equal the model's in_channels=3"):
        lesson.stage_report(lesson.meta_network("ResNet-18"), 32, in_channels=1)
    with pytest.raises(ValueError, match="input_size=0 must be >= 1"):
        lesson.stage_report(lesson.meta_network("ResNet-18"), 0)
    with pytest.raises(TypeError, match="input_size=3.5 must be an int"):
        lesson.stage_report(lesson.meta_network("ResNet-18"), 3.5)


# --- the paper's and torchvision's numbers --------------------------------------------------------

def test_flops_table_against_torchvision_and_the_paper():
    rows = lesson.flops_table()
    assert [r["depth"] for r in rows] == DEPTHS
    for r in rows:
        ref = lesson.torchvision_reference(r["depth"])
        assert r["params"] == ref["num_params"]
        assert round(r["v1.5 (torchvision)"] / 1e9, 3) == ref["gflops"]
        assert abs(r["v1 (paper)"] / 1e9 - r["paper Table 1"]) / r["paper Table 1"] < 0.02
        if rt.STAGES[r["depth"]][0] is Bottleneck:
            assert r["v1 (paper)"] < r["v1.5 (torchvision)"]
        else:
            assert r["v1 (paper)"] == r["v1.5 (torchvision)"]
    assert {r["depth"]: r["params"] for r in rows if r["depth"] <= 50} == {
        18: 11_689_512, 34: 21_797_672, 50: 25_557_032}


def test_torchvision_reference_rejects_unknown_depths():
    with pytest.raises(ValueError, match="depth=19 must be one of"):
        lesson.torchvision_reference(19)


@pytest.mark.parametrize("depth", [18, 50])
def test_compare_with_torchvision(depth):
    result = lesson.compare_with_torchvision(depth, input_size=48)
    assert result["missing"] == result["unexpected"] == 0
    assert result["max difference"] < 1e-6 and result["output shape"] == (1, 1000)
    assert result["state_dict entries"] == len(getattr(torchvision.models, f"resnet{depth}")().state_dict())


def test_compare_with_torchvision_rejects_bad_arguments():
    with pytest.raises(ValueError, match="depth=20 must be one of"):
        lesson.compare_with_torchvision(20)
    with pytest.raises(ValueError, match="batch_size=0 must be >= 1"):
        lesson.compare_with_torchvision(18, batch_size=0)


# --- the explorer's logic, at every slider extreme ----------------------------------------------

def check_report(report, network, size, channels):
    model = lesson.meta_network(network, channels)
    assert report.input_shape == (1, channels, size, size)
    assert report.params == rt.count_parameters(model)
    body = [r for r in report.rows if r.stage != "head"]
    ones = [r.stage for r in body if r.output_shape[-2:] == (1, 1)]
    assert report.too_small == (bool(ones) and ones[0] != body[-1].stage)
    assert any(m.startswith("Input too small") for m in report.messages) == report.too_small
    assert bool(report.messages) == bool(ones)
    if isinstance(model, rt.ResNet):
        assert [r.output_shape[-1] for r in body] == [s.size for s in lesson.spatial_steps(size)][1:-1]
    else:
        assert [r.output_shape[-1] for r in body] == [s.size for s in lesson.spatial_steps(size, "cifar")][:-1]
    assert str(report).startswith(network)


EXTREMES = [(n, s, c) for n in lesson.NETWORKS for s in lesson.SIZE_RANGE for c in lesson.CHANNEL_RANGE]


@pytest.mark.parametrize("network, size, channels", EXTREMES)
def test_explorer_at_every_slider_extreme(network, size, channels):
    check_report(lesson.explore_network(network, size, channels), network, size, channels)


@pytest.mark.parametrize("network", list(lesson.NETWORKS))
def test_explorer_sweep_of_the_size_slider(network):
    lo, hi = lesson.SIZE_RANGE
    sizes = range(lo, hi + 1) if network in ("ResNet-18", "CIFAR ResNet-20") else \
        sorted({*range(lo, 70), 96, 127, 128, 129, 224, 225, 255, 256, 384, hi - 1, hi})
    for size in sizes:
        check_report(lesson.explore_network(network, size, 3), network, size, 3)


def test_explorer_messages_say_where_the_input_is_too_small():
    at16 = lesson.explore_network("ResNet-18", 16)
    assert at16.too_small and "layer3 already shrinks the map to 1x1, so layer4 sees" in at16.messages[0]
    at1 = lesson.explore_network("ResNet-50", 1)
    assert "the stem alone shrinks the map to 1x1, so layer1, layer2, layer3, layer4 all see" in at1.messages[0]
    at32 = lesson.explore_network("ResNet-18", 32)
    assert not at32.too_small and at32.messages[0].startswith("At 32x32, layer4 ends at 1x1")
    assert lesson.explore_network("ResNet-18", 224).messages == ()
    cifar4 = lesson.explore_network("CIFAR ResNet-56", 4)
    assert not cifar4.too_small and "layer3 ends at 1x1" in cifar4.messages[0]
    assert lesson.explore_network("CIFAR ResNet-56", 2).too_small
    assert lesson.explore_network("CIFAR ResNet-56", 32).messages == ()


def test_explorer_cifar_networks_are_the_papers():
    """Shortcut option A, as in the paper: the parameter counts of its Table 6 come out (with
    the package's default option B, ResNet-56 would round to 0.86M)."""
    table6_millions = {20: 0.27, 32: 0.46, 44: 0.66, 56: 0.85, 110: 1.7}
    for depth, millions in table6_millions.items():
        model = lesson.meta_network(f"CIFAR ResNet-{depth}")
        assert model.shortcut == "A"
        assert round(rt.count_parameters(model) / 1e6, 2 if millions < 1 else 1) == millions
    assert round(rt.count_parameters(lesson.build_on_meta(rt.cifar_resnet, depth=56)) / 1e6, 2) == 0.86


def test_explorer_batch_of_one_claim():
    """The explorer warns that BN cannot train on a 1x1 map with batch size 1: check PyTorch agrees."""
    model = rt.resnet18(num_classes=10).train()
    with pytest.raises(ValueError, match="Expected more than 1 value per channel when training"):
        model(torch.randn(1, 3, 32, 32))  # layer4 is 1x1
    model(torch.randn(1, 3, 64, 64))  # layer4 is 2x2: trains fine


def test_explorer_channels_change_only_conv1():
    one, four = lesson.explore_network("ResNet-50", 224, 1), lesson.explore_network("ResNet-50", 224, 4)
    assert four.params - one.params == 3 * 7 * 7 * 64
    assert [r.params for r in one.rows[1:]] == [r.params for r in four.rows[1:]]


@pytest.mark.parametrize("args, error, message", [
    (("ResNet-51", 224, 3), ValueError, "network='ResNet-51' must be one of"),
    (("ResNet-18", 0, 3), ValueError, "input_size=0 must be >= 1"),
    (("ResNet-18", 224, 0), ValueError, "in_channels=0 must be >= 1"),
    (("ResNet-18", 22.5, 3), TypeError, "input_size=22.5 must be an int"),
])
def test_explorer_rejects_bad_values(args, error, message):
    with pytest.raises(error, match=message):
        lesson.explore_network(*args)


# --- exercises --------------------------------------------------------------------------------

CHECKERS = [
    (lesson.check_layer4_size, 5, 7),
    (lesson.check_fc_params, 2048 * 10 + 10, 512 * 10 + 10),
    (lesson.check_main_path_convs, 1 + 3 * (3 + 24 + 36 + 3), 200),
    (lesson.check_macs_ratio, 3.9992, 2),
    (lesson.check_smallest_input, 33, 32),
]


@pytest.mark.parametrize("checker, right, wrong", CHECKERS, ids=[c[0].__name__ for c in CHECKERS])
def test_checkers(checker, right, wrong):
    assert_checker_behaves(checker, right, wrong)


# --- the widget -------------------------------------------------------------------------------

def controls(box):
    choose, size, channels = box.children[0].children
    return choose, size, channels, box.children[1]


def test_widget_builds_and_updates_at_every_extreme():
    pytest.importorskip("ipywidgets")
    from resnet_teach.widgets.network import network_explorer

    box = network_explorer()
    choose, size, channels, out = controls(box)
    assert "<table" in out.value and "ResNet-18" in out.value and "rt-message" not in out.value
    assert (size.min, size.max) == lesson.SIZE_RANGE and (channels.min, channels.max) == lesson.CHANNEL_RANGE
    for network in choose.options:
        choose.value = network
        for s in (size.max, size.min):
            size.value = s
            for c in (channels.min, channels.max):
                channels.value = c
                assert "<table" in out.value and "Traceback" not in out.value
                report = lesson.explore_network(network, s, c)
                assert ("Input too small" in out.value) == report.too_small
                assert f"{report.params:,}" in out.value


def test_widget_shows_a_message_not_a_traceback():
    pytest.importorskip("ipywidgets")
    from resnet_teach.widgets import network

    html = network._render("ResNet-51", 224, 3)
    assert 'class="rt-message"' in html and "network=&#x27;ResNet-51&#x27; must be one of" in html
    box = network.network_explorer(input_size=16)
    assert "Input too small" in controls(box)[3].value
