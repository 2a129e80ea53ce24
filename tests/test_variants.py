"""ResNeXt, Wide ResNet (torchvision-exact) and ResNet-C/D options; notebook 03's new lessons."""
import pytest
import torch
import torchvision
from torch import nn
from torchvision_support import outputs_after_loading_both_ways

import resnet_teach.resnet as rn
from resnet_teach import Bottleneck, ResNet, count_parameters, resnet50
from resnet_teach.lessons import variants as lesson
from resnet_teach.variants import make_deep_stem, make_shortcut_d

VARIANTS = ["resnext50_32x4d", "resnext101_32x8d", "resnext101_64x4d", "wide_resnet50_2",
            "wide_resnet101_2"]


@pytest.mark.parametrize("name", VARIANTS)
def test_variant_builders_load_torchvision_both_ways_with_equal_outputs(name):
    torch.manual_seed(1)
    ours, theirs = getattr(rn, name)(), getattr(torchvision.models, name)()
    a, b = outputs_after_loading_both_ways(ours, theirs, (2, 3, 64, 48))
    assert (a - b).abs().max() <= 1e-5 * max(1.0, b.abs().max().item())
    assert count_parameters(ours) == count_parameters(theirs)


def test_exact_counts_of_the_issue():
    rows = {r["network"]: r for r in lesson.variant_table()}
    assert rows["resnext50_32x4d"]["params"] == 25_028_904
    assert rows["wide_resnet50_2"]["params"] == 68_883_240
    assert rows["resnet50"]["params"] == 25_557_032
    assert rows["resnext50_32x4d"]["layer1 3x3 width"] == 128 == rows["wide_resnet50_2"]["layer1 3x3 width"]


def test_torchvision_parity_helper_reports_zero_difference_and_keeps_rng():
    state = torch.random.get_rng_state()
    r = lesson.torchvision_parity("resnext50_32x4d", size=32)
    assert torch.equal(state, torch.random.get_rng_state())
    assert r["missing keys"] == r["unexpected keys"] == 0 and r["max |difference|"] <= 1e-5
    with pytest.raises(ValueError, match="name='resnet18'"):
        lesson.torchvision_parity("resnet18")


def test_grouped_3x3_costs_less_than_dense_and_wide_1x1s_cost_more():
    dense = {r["conv"]: r["params"] for r in lesson.bottleneck_convs("resnet50")}
    grouped = {r["conv"]: r["params"] for r in lesson.bottleneck_convs("resnext50_32x4d")}
    assert grouped["conv2"] * 8 == dense["conv2"]  # 128*4*9 vs 64*64*9
    assert grouped["conv1"] == 2 * dense["conv1"] and grouped["conv3"] == 2 * dense["conv3"]


def test_avg_down_shortcut_reads_every_pixel_and_plain_one_a_quarter():
    plain, d = lesson.projection_pixels(False), lesson.projection_pixels(True)
    assert plain.sum() == 16 and plain[::2, ::2].all() and not plain[1::2].any()
    assert d.all()


def test_resnet_d_options_shapes_counts_and_names():
    c_d = resnet50(deep_stem=True, avg_down=True)
    x = torch.randn(1, 3, 70, 50)
    assert c_d.forward_features(x).shape[-2:] == c_d.feature_map_size((70, 50)) == (3, 2)
    down = c_d.layer2[0].downsample
    assert isinstance(down[0], nn.AvgPool2d) and down[1].stride == (1, 1)
    assert c_d.layer1[0].downsample[0].stride == (1, 1)  # stride-1 projection unchanged
    assert isinstance(c_d.conv1, nn.Sequential) and c_d.conv1[0].stride == (2, 2)
    rows = {r["call"]: r for r in lesson.trick_table()}
    base = rows["resnet50(deep_stem=False, avg_down=False)"]
    d_only = rows["resnet50(deep_stem=False, avg_down=True)"]
    c_only = rows["resnet50(deep_stem=True, avg_down=False)"]
    assert d_only["params"] == base["params"] and d_only["MACs at 224"] == base["MACs at 224"]
    stem = make_deep_stem(3, 64, nn.BatchNorm2d)
    seven = 7 * 7 * 3 * 64
    assert c_only["params"] - base["params"] == count_parameters(stem) - seven
    assert c_only["MACs at 224"] > base["MACs at 224"]


def test_resnet_d_bad_options():
    with pytest.raises(TypeError, match="avg_down=1"):
        resnet50(avg_down=1)
    with pytest.raises(ValueError, match="shortcut='A'"):
        ResNet(Bottleneck, [1, 1, 1, 1], shortcut="A", avg_down=True)
    with pytest.raises(ValueError, match="shortcut='A'"):
        make_shortcut_d(4, 8, 2, "A", nn.BatchNorm2d)
    with pytest.raises(TypeError, match="avg_down"):
        lesson.projection_pixels(1)


def test_family_tree_points_at_real_lines():
    import pathlib
    root = pathlib.Path(rn.__file__).resolve().parent.parent
    for e in lesson.family_tree():
        assert e.paper.split("https://")[1]
        if e.where:
            path, line = e.where.split(": ", 1)
            assert line in (root / path).read_text(), e


@pytest.mark.parametrize("checker,right,mistakes", [
    (lesson.check_resnext_width, 512, [16, 256, 1024]),
    (lesson.check_projection_fraction, 169 / 625, [0.25, 13 / 25, 1 - 169 / 625, 1.0]),
])
def test_exercises_name_the_mistakes(checker, right, mistakes):
    assert checker(right).correct
    messages = set()
    for wrong in mistakes:
        fb = checker(wrong)
        assert not fb.correct and "You answered" in fb.message
        messages.add(fb.message.split(". ", 1)[1])
    assert len(messages) == len(mistakes)
    assert not checker(...).correct and not checker("512").correct
    assert "Replace" in checker(...).message
