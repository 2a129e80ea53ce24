"""Output-size arithmetic against real PyTorch layers (PyTorch is the oracle).

Each sweep draws random settings, builds the real layer, runs it on zeros and compares the
shape, or, when PyTorch rejects the settings, checks that our function rejects them too.
"""
import random
import warnings

import pytest
import torch
from torch import nn

from resnet_teach import (
    conv_output_size,
    conv_transpose_output_size,
    effective_kernel_size,
    pool_output_size,
    receptive_field,
    receptive_field_steps,
    same_padding,
)

CASES = 300  # each sweep still meets every rule (the asserts below count the rejections)


def torch_shape(layer, h, w):
    """(H, W) PyTorch gives, or None if PyTorch rejects the input."""
    try:
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return tuple(layer(torch.zeros(1, 1, h, w)).shape[-2:])
    except RuntimeError:
        return None


def ours(fn, *args, **kwargs):
    try:
        return fn(*args, **kwargs)
    except ValueError:
        return None


def random_geometry(rng, max_n=20):
    pair = rng.random() < 0.3
    pick = (lambda lo, hi: (rng.randint(lo, hi), rng.randint(lo, hi))) if pair else (lambda lo, hi: rng.randint(lo, hi))
    return pair, pick(1, max_n), pick(1, 7), pick(1, 4), pick(0, 4), pick(1, 3)


def hw(v):
    return v if isinstance(v, tuple) else (v, v)


def test_conv_output_size_matches_nn_conv2d_random_sweep():
    rng = random.Random(0)
    rejected = 0
    for _ in range(CASES):
        _, n, k, s, p, d = random_geometry(rng)
        layer = nn.Conv2d(1, 1, k, stride=s, padding=p, dilation=d, bias=False)
        expected = torch_shape(layer, *hw(n))
        got = ours(conv_output_size, n, k, stride=s, padding=p, dilation=d)
        rejected += expected is None
        assert (None if got is None else hw(got)) == expected, (n, k, s, p, d)
    assert rejected > 50, "the sweep must include combinations PyTorch rejects"


@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular"])
def test_conv_output_size_padding_mode_limits_match_pytorch(mode):
    rng = random.Random(1)
    rejected = 0
    for _ in range(300):
        n, k, p = rng.randint(1, 8), rng.randint(1, 5), rng.randint(0, 9)
        layer = nn.Conv2d(1, 1, k, padding=p, padding_mode=mode, bias=False)
        expected = torch_shape(layer, n, n)
        got = ours(conv_output_size, n, k, padding=p, padding_mode=mode)
        rejected += expected is None
        assert (None if got is None else hw(got)) == expected, (mode, n, k, p)
    assert rejected > 10


def test_conv_output_size_string_padding_matches_pytorch():
    rng = random.Random(2)
    for _ in range(200):
        n, k, d = rng.randint(1, 16), rng.randint(1, 7), rng.randint(1, 3)
        for padding in ("same", "valid"):
            layer = nn.Conv2d(1, 1, k, padding=padding, dilation=d, bias=False)
            expected = torch_shape(layer, n, n)
            got = ours(conv_output_size, n, k, padding=padding, dilation=d)
            assert (None if got is None else hw(got)) == expected, (padding, n, k, d)
    with pytest.raises(ValueError, match="padding='same' needs stride=1"):
        conv_output_size(8, 3, stride=2, padding="same")


@pytest.mark.parametrize("ceil_mode", [False, True])
def test_pool_output_size_matches_nn_maxpool2d_random_sweep(ceil_mode):
    rng = random.Random(3 + ceil_mode)
    rejected = dropped_last_window = 0
    for _ in range(CASES):
        _, n, k, s, p, d = random_geometry(rng)
        layer = nn.MaxPool2d(k, stride=s, padding=p, dilation=d, ceil_mode=ceil_mode)
        expected = torch_shape(layer, *hw(n))
        got = ours(pool_output_size, n, k, stride=s, padding=p, dilation=d, ceil_mode=ceil_mode)
        rejected += expected is None
        assert (None if got is None else hw(got)) == expected, (n, k, s, p, d, ceil_mode)
        if ceil_mode and expected is not None and isinstance(n, int):
            naive = -(-(n + 2 * p - d * (k - 1) - 1) // s) + 1
            dropped_last_window += naive != expected[0]
    assert rejected > 50
    if ceil_mode:
        assert dropped_last_window > 0, "the sweep must exercise the last-window rule"


@pytest.mark.parametrize("ceil_mode", [False, True])
def test_pool_output_size_matches_nn_avgpool2d_random_sweep(ceil_mode):
    rng = random.Random(5 + ceil_mode)
    rejected = 0
    for _ in range(CASES):
        _, n, k, s, p, _ = random_geometry(rng)
        layer = nn.AvgPool2d(k, stride=s, padding=p, ceil_mode=ceil_mode)
        expected = torch_shape(layer, *hw(n))
        got = ours(pool_output_size, n, k, stride=s, padding=p, ceil_mode=ceil_mode)
        rejected += expected is None
        assert (None if got is None else hw(got)) == expected, (n, k, s, p, ceil_mode)
    assert rejected > 50


def test_pool_stride_defaults_to_kernel_size_like_pytorch():
    for n in range(2, 20):
        for k in range(1, min(n, 6) + 1):
            assert hw(pool_output_size(n, k)) == torch_shape(nn.MaxPool2d(k), n, n)


def test_ceil_mode_last_window_rule_example():
    # n=5, k=2, s=2, p=1: ceil gives 4 windows, but the 4th would start at padded index 6,
    # inside the right padding, so PyTorch keeps 3.
    assert pool_output_size(5, 2, stride=2, padding=1, ceil_mode=True) == 3
    assert torch_shape(nn.MaxPool2d(2, 2, padding=1, ceil_mode=True), 5, 5) == (3, 3)


def test_pairs_in_pairs_out_and_ints_stay_ints():
    assert conv_output_size((224, 160), 7, 2, 3) == (112, 80)
    assert isinstance(conv_output_size(224, 7, 2, 3), int)
    assert pool_output_size((56, 57), (3, 2), 2, (1, 0)) == (28, 28)
    assert effective_kernel_size(3, 2) == 5 and effective_kernel_size((3, 5), 2) == (5, 9)


def test_same_padding_at_stride_1_equals_pytorch_same():
    rng = random.Random(8)
    for _ in range(200):
        n, k, d = rng.randint(1, 12), rng.randint(1, 6), rng.randint(1, 3)
        x = torch.randn(1, 1, n, n)
        conv = nn.Conv2d(1, 1, k, padding="same", dilation=d, bias=False)
        before, after = same_padding(n, k, 1, d)
        padded = nn.functional.pad(x, (before, after, before, after))
        ours_out = nn.functional.conv2d(padded, conv.weight, dilation=d)
        torch.testing.assert_close(ours_out, conv(x))


def test_same_padding_is_tensorflows_rule_at_any_stride():
    """TF 'same': output ceil(n/s), the least total padding that gives it, odd pixel at the end."""
    for n in range(1, 30):
        for k in range(1, 8):
            for s in range(1, 5):
                for d in (1, 2):
                    before, after = same_padding(n, k, s, d)
                    assert after - before in (0, 1)
                    total = before + after
                    out = (n + total - d * (k - 1) - 1) // s + 1 if n + total >= d * (k - 1) + 1 else 0
                    assert out == -(-n // s), (n, k, s, d)
                    if total:  # one pixel less would not give ceil(n/s) windows
                        assert (n + total - 1 - d * (k - 1) - 1) // s + 1 < out or n + total - 1 < d * (k - 1) + 1


def test_tf_same_is_asymmetric_at_stride_2():
    # ResNet's 7x7/2 stem on 224: TF pads (2, 3), PyTorch pads 3 on both sides.
    assert same_padding(224, 7, 2) == (2, 3)
    assert same_padding((224, 224), 7, 2) == ((2, 3), (2, 3))
    assert conv_output_size(224, 7, 2, 3) == 224 // 2


def measured_receptive_field(layers, size=64):
    """Oracle: the input pixels that one central output depends on, found by autograd."""
    x = torch.zeros(1, 1, size, size, requires_grad=True)
    y = x
    for m in layers:
        if isinstance(m, nn.Conv2d):
            nn.init.constant_(m.weight, 1.0)
        y = m(y)
    y[0, 0, y.shape[2] // 2, y.shape[3] // 2].backward()
    rows = (x.grad[0, 0].abs().sum(1) > 0).nonzero().flatten()
    return int(rows.max() - rows.min() + 1)


def test_receptive_field_matches_autograd():
    rng = random.Random(9)
    for _ in range(60):
        layers = []
        for _ in range(rng.randint(1, 4)):
            k, s, d = rng.randint(1, 4), rng.randint(1, 2), rng.randint(1, 2)
            if rng.random() < 0.7:
                layers.append(nn.Conv2d(1, 1, k, stride=s, dilation=d, padding=d * (k - 1) // 2, bias=False))
            else:
                layers.append(nn.AvgPool2d(k, stride=s, padding=k // 2))
        with torch.no_grad():
            for m in layers:
                if isinstance(m, nn.Conv2d):
                    m.weight.fill_(1.0)
        assert receptive_field(layers) == measured_receptive_field(layers, size=96), layers


def test_receptive_field_accepts_tuples_and_dicts_and_reports_steps():
    assert receptive_field([(3, 1), (3, 1), (3, 1)]) == 7
    assert receptive_field([(3, 1, 2), {"kernel_size": 3, "dilation": 4}]) == 13
    steps = receptive_field_steps([(7, 2), (3, 2)])
    assert [r["receptive_field"] for r in steps] == [7, 11] and steps[-1]["jump"] == 4
    assert receptive_field(nn.Sequential(nn.Conv2d(1, 1, 3), nn.MaxPool2d(2))) == 4


def test_conv_transpose_output_size_matches_nn_convtranspose2d():
    rng = random.Random(7)
    rejected = 0
    for _ in range(CASES):
        n, k, s, p, d = rng.randint(1, 12), rng.randint(1, 5), rng.randint(1, 3), rng.randint(0, 4), rng.randint(1, 3)
        op = rng.randint(0, 3)
        try:
            layer = nn.ConvTranspose2d(1, 1, k, stride=s, padding=p, output_padding=op, dilation=d, bias=False)
            expected = torch_shape(layer, n, n)
        except ValueError:  # PyTorch checks output_padding when the layer is built
            expected = None
        got = ours(conv_transpose_output_size, n, k, stride=s, padding=p, output_padding=op, dilation=d)
        if expected is not None and 0 in expected:
            expected = None  # PyTorch returns an empty tensor; we reject a zero-size output
        rejected += expected is None
        assert (None if got is None else hw(got)) == expected, (n, k, s, p, op, d)
    assert rejected > 50
