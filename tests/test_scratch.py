"""The from-scratch layers against PyTorch: same inputs, same outputs (micrograd style)."""
import itertools
import random
import warnings

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from resnet_teach import ScratchBatchNorm2d, scratch_conv2d, scratch_pad

BN_VARIANTS = [dict(momentum=0.1), dict(momentum=0.5), dict(momentum=None), dict(affine=False),
               dict(track_running_stats=False), dict(eps=1e-3), dict(momentum=None, affine=False),
               dict(bias=False)]


def pair_of_bns(c, **kw):
    ref, ours = nn.BatchNorm2d(c, **kw), ScratchBatchNorm2d(c, **kw)
    with torch.no_grad():
        for name in ("weight", "bias"):
            if getattr(ref, name) is not None:
                getattr(ref, name).uniform_(0.5, 1.5)
                getattr(ours, name).copy_(getattr(ref, name))
    return ref, ours


@pytest.mark.parametrize("kw", BN_VARIANTS, ids=str)
def test_batchnorm_matches_pytorch_in_train_and_eval(kw):
    torch.manual_seed(0)
    ref, ours = pair_of_bns(3, **kw)
    assert repr(ours).replace("Scratch", "") == repr(ref)
    # same parameters and buffers, by name and shape
    assert [(n, p.shape) for n, p in ref.named_parameters()] == [(n, p.shape) for n, p in ours.named_parameters()]
    assert [(n, b.shape) for n, b in ref.named_buffers()] == [(n, b.shape) for n, b in ours.named_buffers()]
    for step in range(5):  # several steps: running statistics accumulate
        x = torch.randn(4, 3, 5, 6) * (step + 1) + step
        torch.testing.assert_close(ours(x), ref(x), atol=1e-5, rtol=1e-5)
    for (n, a), (_, b) in zip(ref.named_buffers(), ours.named_buffers()):
        torch.testing.assert_close(b, a, atol=1e-5, rtol=1e-5, msg=n)  # float32 running averages
    ref.eval(), ours.eval()
    x = torch.randn(2, 3, 4, 4)
    torch.testing.assert_close(ours(x), ref(x), atol=1e-5, rtol=1e-5)


def test_batchnorm_gradients_match_pytorch():
    torch.manual_seed(1)
    ref, ours = pair_of_bns(4)
    x1 = torch.randn(3, 4, 5, 5, requires_grad=True)
    x2 = x1.detach().clone().requires_grad_()
    w = torch.randn(3, 4, 5, 5)
    (ref(x1) * w).sum().backward()
    (ours(x2) * w).sum().backward()
    torch.testing.assert_close(x2.grad, x1.grad, atol=1e-5, rtol=1e-4)
    torch.testing.assert_close(ours.weight.grad, ref.weight.grad, atol=1e-5, rtol=1e-4)
    torch.testing.assert_close(ours.bias.grad, ref.bias.grad, atol=1e-5, rtol=1e-4)


def test_batchnorm_one_value_per_channel_error_matches_pytorch():
    ref, ours = pair_of_bns(3)
    x = torch.randn(1, 3, 1, 1)
    with pytest.raises(ValueError) as theirs:
        ref(x)
    with pytest.raises(ValueError) as mine:
        ours(x)
    assert str(mine.value) == str(theirs.value)
    # a single image with spatial size > 1 does run: statistics over its H*W pixels
    x = torch.randn(1, 3, 2, 2)
    torch.testing.assert_close(ours(x), ref(x), atol=1e-5, rtol=1e-5)
    ref.eval(), ours.eval()
    torch.testing.assert_close(ours(torch.randn(1, 3, 1, 1) * 0), ref(torch.zeros(1, 3, 1, 1)))


def test_batchnorm_loads_a_pytorch_state_dict():
    ref, ours = pair_of_bns(5)
    ref(torch.randn(8, 5, 3, 3))
    ours.load_state_dict(ref.state_dict(), strict=True)
    ref.eval(), ours.eval()
    x = torch.randn(2, 5, 3, 3)
    torch.testing.assert_close(ours(x), ref(x))


def random_conv_case(rng):
    groups = rng.choice([1, 1, 2, 3, 4])
    c_in = groups * rng.randint(1, 3)
    c_out = groups * rng.randint(1, 3)
    k = (rng.randint(1, 4), rng.randint(1, 4))
    s = (rng.randint(1, 3), rng.randint(1, 3))
    d = (rng.randint(1, 2), rng.randint(1, 2))
    p = (rng.randint(0, 2), rng.randint(0, 2))
    h, w = rng.randint(3, 9), rng.randint(3, 9)
    return groups, c_in, c_out, k, s, d, p, h, w


@pytest.mark.parametrize("seed, mode", enumerate(["zeros", "reflect", "replicate", "circular"]))
def test_scratch_conv2d_matches_nn_conv2d_random_sweep(seed, mode):
    rng = random.Random(seed)  # a constant: a failing case can be rerun
    torch.manual_seed(0)
    checked = 0
    for _ in range(150):
        groups, c_in, c_out, k, s, d, p, h, w = random_conv_case(rng)
        conv = nn.Conv2d(c_in, c_out, k, stride=s, padding=p, dilation=d, groups=groups,
                         bias=rng.random() < 0.5, padding_mode=mode)
        x = torch.randn(2, c_in, h, w)
        try:
            expected = conv(x)
        except (RuntimeError, ValueError):
            with pytest.raises(ValueError):
                scratch_conv2d(x, conv.weight, conv.bias, s, p, d, groups, mode)
            continue
        got = scratch_conv2d(x, conv.weight, conv.bias, s, p, d, groups, mode)
        torch.testing.assert_close(got, expected, atol=1e-5, rtol=1e-4)
        checked += 1
    assert checked > 80


@pytest.mark.parametrize("padding", ["same", "valid"])
def test_scratch_conv2d_string_padding(padding):
    torch.manual_seed(0)
    for k, d in itertools.product([1, 2, 3, 4], [1, 2]):
        if padding == "same" and k % 2 == 0 and d % 2 == 1:
            continue  # PyTorch warns (slow path) there; the asymmetric case is checked below
        conv = nn.Conv2d(2, 3, k, padding=padding, dilation=d)
        x = torch.randn(1, 2, 9, 8)
        torch.testing.assert_close(scratch_conv2d(x, conv.weight, conv.bias, padding=padding, dilation=d),
                                   conv(x), atol=1e-5, rtol=1e-4)


@pytest.mark.parametrize("mode", ["zeros", "reflect", "replicate", "circular"])
def test_scratch_pad_matches_f_pad(mode):
    torch_mode = "constant" if mode == "zeros" else mode
    rng = random.Random(3)
    x = torch.arange(1.0, 17.0).view(1, 1, 4, 4)
    rejected = 0
    for _ in range(200):
        pads = tuple(rng.randint(0, 5) for _ in range(rng.choice([2, 4])))
        # F.pad takes a 2-value pad of a 4-D tensor only in constant mode; (l, r, 0, 0) is the same
        torch_pads = pads + (0, 0) if len(pads) == 2 else pads
        try:
            expected = F.pad(x, torch_pads, mode=torch_mode)
        except (RuntimeError, ValueError):
            rejected += 1
            with pytest.raises(ValueError):
                scratch_pad(x, pads, mode)
            continue
        assert torch.equal(scratch_pad(x, pads, mode), expected), (mode, pads)
    if mode in ("reflect", "circular"):
        assert rejected > 0
    assert torch.equal(scratch_pad(x, 1, mode), F.pad(x, (1, 1, 1, 1), mode=torch_mode))


def test_scratch_pad_constant_value_and_3d_input():
    x = torch.randn(2, 5, 7)
    torch.testing.assert_close(scratch_pad(x, (1, 2, 3, 0), "constant", value=-1.5),
                               F.pad(x, (1, 2, 3, 0), value=-1.5))
    torch.testing.assert_close(scratch_pad(x, (2, 1), "reflect"), F.pad(x, (2, 1), mode="reflect"))


def test_scratch_conv2d_same_padding_with_even_kernel_puts_the_extra_pixel_at_the_end():
    torch.manual_seed(0)
    x, w = torch.randn(1, 1, 6, 6), torch.randn(1, 1, 4, 4)
    with warnings.catch_warnings():  # PyTorch warns that this case copies the input (slow path)
        warnings.simplefilter("ignore")
        expected = F.conv2d(x, w, padding="same")
    torch.testing.assert_close(scratch_conv2d(x, w, padding="same"), expected)
    # total padding 3: 1 before, 2 after
    torch.testing.assert_close(F.conv2d(F.pad(x, (1, 2, 1, 2)), w), expected)
