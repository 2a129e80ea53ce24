"""Issue 13's defects, one regression test each; every one of them failed before its fix."""
import re
from pathlib import Path

import numpy as np
import pytest
import torch
from torch import nn

import resnet_teach as rt
from resnet_teach.exercises import compare
from resnet_teach.lessons import degradation_exercises
from resnet_teach.lessons import networks as networks_lesson
from resnet_teach.stages import stage_report

# 1. a plain network has no shortcut, so no projection either

def test_plain_imagenet_resnet_has_no_projection_shortcuts():
    residual, plain = rt.build_on_meta(rt.resnet34), rt.build_on_meta(rt.resnet34, residual=False)
    projections = sum(rt.count_parameters(m.downsample) for m in residual.modules()
                      if isinstance(m, rt.BasicBlock) and m.downsample is not None)
    assert projections == 173_824
    assert not any("downsample" in name for name, _ in plain.named_modules())
    assert rt.count_parameters(plain) == rt.count_parameters(residual) - projections == 21_623_848


def test_every_parameter_of_a_plain_resnet_gets_a_gradient():
    plain = rt.resnet18(residual=False, num_classes=3)
    plain(torch.randn(2, 3, 32, 32)).sum().backward()
    assert [n for n, p in plain.named_parameters() if p.grad is None] == []


# 2. padding="same" obeys the padding mode's limits, as PyTorch does

def test_same_padding_reflect_example_is_refused():
    message = r"padding='same' \(pads 4 and 4\) must be < size=3 for padding_mode='reflect'"
    with pytest.raises(ValueError, match=message):
        rt.conv_output_size(3, 9, padding="same", padding_mode="reflect")


@pytest.mark.parametrize("mode", rt.arithmetic.PADDING_MODES)
def test_same_padding_agrees_with_pytorch_for_every_mode(mode):
    for n in range(1, 6):
        for k in range(1, 10):
            for d in (1, 2):
                conv = nn.Conv2d(1, 1, k, padding="same", dilation=d, padding_mode=mode, device="meta")
                try:
                    expected = conv(torch.zeros(1, 1, n, n, device="meta")).shape[-1]
                except (RuntimeError, ValueError, NotImplementedError):
                    expected = None
                try:
                    got = rt.conv_output_size(n, k, padding="same", dilation=d, padding_mode=mode)
                except ValueError:
                    got = None
                assert got == expected, (n, k, d, mode)


# 3. the value a check returns is the value used

def test_numpy_integers_are_the_numbers_they_are():
    assert torch.equal(rt.digits(seed=np.int64(3)).images, rt.digits(seed=3).images)
    assert torch.equal(rt.placed_digits(40, seed=np.int64(2)).images, rt.placed_digits(40, seed=2).images)
    net = rt.cifar_resnet(np.int64(20))
    assert type(net.depth) is int and net.depth == 20
    data = rt.digits()
    histories = []
    for seed in (np.int64(0), 0):
        torch.manual_seed(0)
        model = nn.Sequential(nn.Flatten(), nn.Linear(64, 10))
        histories.append(rt.train(model, data, epochs=1, seed=seed, progress=False))
    assert histories[0] == histories[1]


# 4. trace_shapes builds its input where the model is

def test_trace_shapes_of_a_meta_model_equals_the_cpu_trace():
    def rows(trace):
        return [(r.name, r.output_shape, r.params, r.macs) for r in trace]

    assert rows(rt.trace_shapes(rt.build_on_meta(rt.resnet18), (1, 3, 64, 64))) == rows(
        rt.trace_shapes(rt.resnet18(), (1, 3, 64, 64)))
    big = rt.trace_shapes(rt.build_on_meta(rt.resnet152), (1, 3, 224, 224))
    assert big.by_name("layer4").output_shape == (1, 2048, 7, 7)


# 5. every random test is seeded by a constant

def test_random_tests_are_seeded_by_constants():
    for path in Path(__file__).parent.glob("*.py"):
        if path.name == Path(__file__).name:
            continue
        text = path.read_text()
        assert not re.search(r"Random\([^)]*hash\(", text), path.name  # hash(str) changes per process
        assert not re.search(r"(random\.Random|default_rng|Generator)\(\)(?!\.manual_seed)", text), path.name


# 6. a block whose identity shortcut cannot match its branch is refused when built

@pytest.mark.parametrize("block, args", [(rt.BasicBlock, (8, 8, 2)), (rt.BasicBlock, (8, 16)),
                                         (rt.Bottleneck, (64, 64)), (rt.Bottleneck, (256, 64, 2))])
def test_a_block_whose_shortcut_cannot_match_is_refused(block, args):
    with pytest.raises(ValueError, match=r"downsample=None with stride=\d+"):
        block(*args)
    block(*args, residual=False)  # a plain block has no shortcut to match


def test_blocks_whose_identity_shortcut_matches_still_build():
    x = torch.randn(1, 256, 4, 4)
    assert rt.Bottleneck(256, 64)(x).shape == x.shape
    assert rt.BasicBlock(8, 8)(torch.randn(1, 8, 4, 4)).shape == (1, 8, 4, 4)


# 7. sizes come from the network's own layers

def test_feature_map_size_follows_a_swapped_stem():
    model = rt.resnet18(num_classes=10)
    model.conv1 = nn.Conv2d(3, 64, kernel_size=3, stride=1, padding=1, bias=False)  # the CIFAR stem
    model.maxpool = nn.Identity()
    with torch.no_grad():
        real = model.eval().forward_features(torch.zeros(1, 3, 32, 32)).shape[-2:]
    assert model.feature_map_size(32) == 4 and model.feature_map_size((32, 32)) == tuple(real)


@pytest.mark.parametrize("size", [31, 32, 33, 57])
def test_stage_report_honours_ceil_mode(size):
    model = rt.build_on_meta(rt.resnet18, num_classes=10)
    model.maxpool = nn.MaxPool2d(3, stride=2, padding=1, ceil_mode=True)
    trace = rt.trace_shapes(model, (1, 3, size, size))
    rows = stage_report(model, size)
    assert rows[0].output_shape == trace.by_name("maxpool").output_shape
    assert [r.output_shape for r in rows[1:5]] == [trace.by_name(f"layer{i}").output_shape for i in range(1, 5)]


# 8. an exercise checker's own bug is not turned into "Not yet"

def test_a_bug_in_a_checker_propagates():
    def buggy(answer, expected):
        return answer == expected["missing"]  # KeyError: the checker's bug, not the student's

    with pytest.raises(KeyError):
        compare(3, {}, "why", equal=buggy)
    assert not compare("three", 3, "why", equal=lambda a, e: int(a) == e).correct  # a wrong kind of answer


# 9. the caller's global random state is left alone

def _tiny_split(n=64):
    data = rt.digits()
    return rt.Split(data.images[:n], data.labels[:n])


def _linear_model():
    with torch.random.fork_rng():  # building it draws initial weights: not what is tested here
        return nn.Sequential(nn.Flatten(), nn.Linear(64, 10))


@pytest.mark.parametrize("call", [
    lambda: rt.train(_linear_model(), _tiny_split(), epochs=1, progress=False),
    lambda: rt.gradient_norms_at_init(8, data=_tiny_split()),
    lambda: rt.run_degradation((8, 14), epochs=1, data=_tiny_split(), progress=False),
    lambda: degradation_exercises.check_identity_block((0.0, 0.0)),
    lambda: networks_lesson.compare_with_torchvision(18, input_size=32),
], ids=["train", "gradient_norms_at_init", "run_degradation", "check_identity_block", "compare_with_torchvision"])
def test_global_random_state_is_left_alone(call):
    torch.manual_seed(1234)
    expected = torch.rand(4)
    torch.manual_seed(1234)
    call()
    assert torch.equal(torch.rand(4), expected)
