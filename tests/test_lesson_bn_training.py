"""Notebook 02's additions: BN at initialization, the learning-rate sweep exercise, the Keras port,
and the mistake-aware feedback of every exercise."""
import math

import pytest
import torch
from torch import nn

from resnet_teach import cifar_resnet
from resnet_teach.lessons import batchnorm_exercises as bn_exercises
from resnet_teach.lessons import bn_training as bnt
from resnet_teach.lessons import keras_port as kp


def small(norm_layer=None):
    torch.manual_seed(0)
    return cifar_resnet(8, residual=False, in_channels=1, widths=(8, 16, 32), norm_layer=norm_layer)


def no_norm(channels):
    return nn.Identity()


@pytest.fixture(scope="module")
def images():
    return torch.randn(64, 1, 8, 8, generator=torch.Generator().manual_seed(0))


def test_activation_stds_bn_keeps_scale_plain_shrinks(images):
    with_bn, plain = small(), small(no_norm)
    before = {k: v.clone() for k, v in with_bn.state_dict().items()}
    rng = torch.get_rng_state()
    bn, pl = bnt.activation_stds(with_bn, images), bnt.activation_stds(plain, images)
    assert list(bn) == ["relu", "layer1.0", "layer2.0", "layer3.0", "avgpool", "fc"]
    stages = ["relu", "layer1.0", "layer2.0", "layer3.0"]
    assert all(0.45 < bn[s] < 0.75 for s in stages)
    assert all(pl[a] > pl[b] for a, b in zip(stages, stages[1:]))
    # the model is untouched (a copy ran in train mode) and the global RNG too
    assert all(torch.equal(before[k], v) for k, v in with_bn.state_dict().items())
    assert torch.equal(rng, torch.get_rng_state())
    with pytest.raises(ValueError, match="images"):
        bnt.activation_stds(with_bn, torch.zeros(8, 8))
    with pytest.raises(TypeError, match="model"):
        bnt.activation_stds("net", images)


def test_gradient_norms_small_everywhere_without_bn(images):
    labels = torch.arange(64) % 10
    bn, pl = bnt.gradient_norms(small(), images, labels), bnt.gradient_norms(small(no_norm), images, labels)
    assert list(bn) == list(pl) and len(bn) == 8
    assert all(bn[k] > 3 * pl[k] for k in bn)


def test_bn_output_stats_shapes(images):
    stats = bnt.bn_output_stats(small(), images)
    assert len(stats) == 7
    mean, std = stats["layer3.0.bn2"]
    assert mean.shape == std.shape == (32,)


def _run(norm, lr, losses):
    return bnt.SweepRun(norm, lr, {"train_loss": losses})


def fake_sweep():
    return [_run("with BN", 0.01, [2.2, 1.4]), _run("with BN", 0.1, [1.0, 0.2]), _run("with BN", 1.0, [1.2, 0.5]),
            _run("without BN", 0.01, [2.3, 2.299]), _run("without BN", 0.1, [2.3, 1.4]),
            _run("without BN", 1.0, [float("nan"), float("nan")])]


def test_failed_counts_nan_as_failed():
    runs = fake_sweep()
    assert [i for i, r in enumerate(runs) if bnt.failed(r)] == [3, 5]


@pytest.mark.parametrize("answer, words", [
    ([5], "small learning rate is not 'safe'"),
    ([3], "large step"),
    ([2, 3, 5], "did learn: BN rescales"),
    ([3, 4, 5], "did learn, more slowly"),
    ("3, 5", "list of indices"),
])
def test_check_failed_runs_names_the_mistake(answer, words):
    feedback = bnt.check_failed_runs(answer, fake_sweep())
    assert not feedback.correct and words in feedback.message


def test_check_failed_runs_right_and_unanswered():
    assert bnt.check_failed_runs([5, 3], fake_sweep()).correct
    assert "Replace the ..." in bnt.check_failed_runs(..., fake_sweep()).message


def test_lr_sweep_validates():
    with pytest.raises(ValueError, match="lrs"):
        bnt.lr_sweep(lambda bn: small(), None, [])
    with pytest.raises(TypeError, match="make_model"):
        bnt.lr_sweep(3, None, [0.1])


# ---------------------------------------------------------------- the Keras port

def test_keras_port_matches_and_each_mistake_breaks_it():
    block = kp.random_keras_conv_bn(seed=3)
    x = torch.randn(2, 9, 9, 3, generator=torch.Generator().manual_seed(1))  # odd size, (N, H, W, C)
    ref = kp.keras_forward(block, x)
    out = kp.port_to_torch(block, size=9)(x.permute(0, 3, 1, 2)).permute(0, 2, 3, 1)
    torch.testing.assert_close(out, ref, atol=1e-5, rtol=1e-5)
    for change in (dict(permute_kernel=False), dict(eps=1e-5)):
        wrong = kp.port_to_torch(block, size=9, **change)(x.permute(0, 3, 1, 2)).permute(0, 2, 3, 1)
        assert (wrong - ref).abs().max() > 0.1, change
    # at an odd size TF's 'same' pads (1, 1) at stride 2, so symmetric padding happens to agree;
    # at an even size it pads (0, 1) and symmetric padding shifts every window
    symmetric = kp.port_to_torch(block, size=9, explicit_padding=False)(x.permute(0, 3, 1, 2))
    torch.testing.assert_close(symmetric.permute(0, 2, 3, 1), ref, atol=1e-5, rtol=1e-5)
    x8 = x[:, :8, :8]
    shifted = kp.port_to_torch(block, size=8, explicit_padding=False)(x8.permute(0, 3, 1, 2))
    assert (shifted.permute(0, 2, 3, 1) - kp.keras_forward(block, x8)).abs().max() > 0.1


def test_keras_forward_is_an_independent_convolution():
    """keras_forward's tap-by-tap conv equals F.conv2d after the layout changes (BN set to identity)."""
    block = kp.random_keras_conv_bn(in_channels=2, out_channels=3, kernel_size=3, stride=1)
    block.gamma, block.beta = torch.ones(3), torch.zeros(3)
    block.moving_mean, block.moving_variance, block.epsilon = torch.zeros(3), torch.ones(3), 0.0
    x = torch.randn(1, 5, 5, 2)
    ref = torch.nn.functional.conv2d(x.permute(0, 3, 1, 2), block.kernel.permute(3, 2, 0, 1), padding=1)
    torch.testing.assert_close(kp.keras_forward(block, x), ref.permute(0, 2, 3, 1), atol=1e-5, rtol=1e-5)


def test_keras_momentum_is_one_minus_torch_momentum():
    port = kp.port_to_torch(kp.random_keras_conv_bn(), size=8)
    bn = port[-1]
    assert bn.momentum == pytest.approx(1 - kp.KERAS_MOMENTUM) and bn.eps == kp.KERAS_EPSILON
    batch = torch.randn(4, 4, 3, 3) + 2
    expected = kp.keras_moving_mean(bn.running_mean.clone(), batch.mean(dim=(0, 2, 3)))
    bn.train()(batch)
    torch.testing.assert_close(bn.running_mean, expected)
    with pytest.raises(ValueError, match="channels-last"):
        kp.keras_forward(kp.random_keras_conv_bn(), torch.zeros(1, 3, 8, 8))


# ---------------------------------------------------------------- mistake-aware feedback, notebook 02

@pytest.mark.parametrize("check, answer, words", [
    (bn_exercises.check_running_stats, (0.3, 0.9 + 0.1 * 3.5), "BIASED variance"),
    (bn_exercises.check_running_stats, (3.0, 14 / 3), "the batch's own statistics"),
    (bn_exercises.check_running_stats, (2.7, 0.1 + 0.9 * 14 / 3), "as Keras does"),
    (bn_exercises.check_running_stats, (0.3, 0.1 * 14 / 3), "starts at 1"),
    (bn_exercises.check_running_stats, (0.3, 1.4), "three significant digits"),
    (bn_exercises.check_which_raise, [0, 1, 3, 5], "batch of one image"),
    (bn_exercises.check_which_raise, [0, 2, 4], "1x1 map"),
    (bn_exercises.check_which_raise, [], "single value"),
    (bn_exercises.check_first_batch_weight, 0.1, "right after step 1"),
    (bn_exercises.check_first_batch_weight, 0.1 * 0.9 ** 5, "One shrink too many"),
    (bn_exercises.check_first_batch_weight, 0.1 * 0.9 ** 3, "One shrink too few"),
    (bn_exercises.check_first_batch_weight, 0.9 ** 4, "weight batch 1 gets when it enters"),
    (bn_exercises.check_first_batch_weight, 0.2, "momentum=None"),
    (bn_exercises.check_two_value_batch, (2 / math.sqrt(8), -2 / math.sqrt(8)), "UNBIASED standard deviation"),
    (bn_exercises.check_two_value_batch, (2.0, -2.0), "did not divide"),
    (bn_exercises.check_two_value_batch, (7.0, 3.0), "eval-mode"),
    (bn_exercises.check_two_value_batch, (-1.0, 1.0), "wrong order"),
])
def test_batchnorm_exercises_name_the_mistake(check, answer, words):
    feedback = check(answer)
    assert not feedback.correct and words in feedback.message, feedback.message


def test_three_significant_digits_are_accepted():
    assert bn_exercises.check_running_stats((0.3, 1.37)).correct
    assert bn_exercises.check_first_batch_weight(0.0656).correct
