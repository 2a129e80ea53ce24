"""Pre-activation blocks and networks (ResNet v2): PyTorch as the oracle, the paper's counts."""

import re

import pytest
import torch
from torch import nn
from torch.nn import functional as F

from resnet_teach import cifar_resnet, count_parameters
from resnet_teach.preact import (
    PAPER_V2_PARAMS_M,
    PreActBasicBlock,
    PreActBottleneck,
    PreActCifarResNet,
    preact_cifar_resnet,
)


def conv_and_fc_weights(model: nn.Module) -> int:
    return sum(
        p.numel() for m in model.modules() if isinstance(m, (nn.Conv2d, nn.Linear)) for p in m.parameters()
    )


def test_resnet164_has_the_papers_parameters():
    net = cifar_resnet(164, preact=True, block="bottleneck")
    assert net.blocks_per_stage == 18
    assert round(count_parameters(net) / 1e6, 1) == PAPER_V2_PARAMS_M[164] == 1.7
    assert round(conv_and_fc_weights(net) / 1e6, 1) == 1.7


def test_resnet1001_has_the_papers_parameters():
    net = cifar_resnet(1001, preact=True, block="bottleneck")
    assert net.blocks_per_stage == 111
    # The paper's 10.2M are the conv and fc weights; BN's gamma and beta add 0.15M.
    assert round(conv_and_fc_weights(net) / 1e6, 1) == PAPER_V2_PARAMS_M[1001] == 10.2
    assert count_parameters(net) == 10_327_706  # as other reimplementations report


def bn_eval(x, bn):
    return F.batch_norm(x, bn.running_mean, bn.running_var, bn.weight, bn.bias, False, 0.0, bn.eps)


def randomize(module):
    torch.manual_seed(0)
    with torch.no_grad():
        for m in module.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.running_mean.uniform_(-0.5, 0.5)
                m.running_var.uniform_(0.5, 2.0)
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-0.5, 0.5)
    return module.eval()


def test_preact_basic_block_matches_functional_pytorch():
    torch.manual_seed(1)
    block = randomize(PreActBasicBlock(8, 16, stride=2, downsample=nn.Conv2d(8, 16, 1, stride=2, bias=False)))
    x = torch.randn(2, 8, 8, 8)
    pre = F.relu(bn_eval(x, block.bn1))
    expected = F.conv2d(
        F.relu(bn_eval(F.conv2d(pre, block.conv1.weight, stride=2, padding=1), block.bn2)),
        block.conv2.weight,
        padding=1,
    ) + F.conv2d(pre, block.downsample.weight, stride=2)
    torch.testing.assert_close(block(x), expected)


def test_preact_bottleneck_matches_functional_pytorch():
    torch.manual_seed(2)
    block = randomize(PreActBottleneck(64, 16))
    x = torch.randn(2, 64, 6, 6)
    out = F.conv2d(F.relu(bn_eval(x, block.bn1)), block.conv1.weight)
    out = F.conv2d(F.relu(bn_eval(out, block.bn2)), block.conv2.weight, padding=1)
    out = F.conv2d(F.relu(bn_eval(out, block.bn3)), block.conv3.weight)
    torch.testing.assert_close(block(x), out + x)


def test_nothing_acts_on_the_sum():
    """A zeroed branch makes a v2 block the exact identity, negative inputs included (v1 would ReLU them)."""
    block = PreActBasicBlock(4, 4).eval()
    with torch.no_grad():
        block.conv2.weight.zero_()
    x = torch.randn(2, 4, 5, 5)
    assert torch.equal(block(x), x) and (x < 0).any()


def test_signal_is_additive_across_blocks():
    """x_L = x_l + sum of the residuals in between (the paper's equation 4)."""
    torch.manual_seed(0)
    net = randomize(preact_cifar_resnet(20, in_channels=1))
    x = net.conv1(torch.randn(3, 1, 8, 8))
    h, residuals = x, torch.zeros_like(x)
    for block in net.layer1:
        out = block(h)
        residuals += out - h
        h = out
    torch.testing.assert_close(h, x + residuals)


def test_network_shapes_and_final_activation():
    net = preact_cifar_resnet(29, block="bottleneck", in_channels=1)  # 9n+2, n = 3
    x = torch.randn(2, 1, 8, 8)
    feats = net.forward_features(x)
    assert feats.shape == (2, 256, 2, 2) and (feats >= 0).all()  # the final BN + ReLU
    assert net(x).shape == (2, 10)


def test_option_a_adds_no_parameters_over_the_convs():
    a = preact_cifar_resnet(20, shortcut="A", in_channels=1)
    b = preact_cifar_resnet(20, shortcut="B", in_channels=1)
    assert count_parameters(b) - count_parameters(a) == 16 * 32 + 32 * 64


@pytest.mark.parametrize(
    "kwargs, error, words",
    [
        (dict(depth=21), ValueError, "depth=21 is not 6n+2"),
        (dict(depth=21, block="bottleneck"), ValueError, "depth=21 is not 9n+2"),
        (dict(depth=20, block="wide"), ValueError, "block='wide'"),
        (dict(depth=20, shortcut="C"), ValueError, "shortcut='C'"),
        (dict(depth=True), TypeError, "depth=True"),
        (dict(depth=20, widths=(16, 32)), ValueError, "widths"),
    ],
)
def test_bad_inputs_are_named(kwargs, error, words):
    with pytest.raises(error, match=re.escape(words)):
        PreActCifarResNet(**kwargs)


@pytest.mark.parametrize("block, args", [(PreActBasicBlock, (8, 8, 2)), (PreActBasicBlock, (8, 16, 1)),
                                         (PreActBottleneck, (16, 16, 1))])
def test_a_block_whose_identity_shortcut_cannot_match_is_refused(block, args):
    with pytest.raises(ValueError, match=r"downsample=None with stride=\d"):
        block(*args)  # without downsample, x cannot be added to the branch's output
    built = block(*args, downsample=nn.Conv2d(args[0], args[1] * block.expansion, 1, stride=args[2]))
    assert built.downsample is not None  # with a projection, the same arguments build


def test_cifar_resnet_preact_option():
    assert isinstance(cifar_resnet(20, preact=True), PreActCifarResNet)
    with pytest.raises(ValueError, match="preact=True with residual=False"):
        cifar_resnet(20, residual=False, preact=True)
    with pytest.raises(TypeError, match="preact='yes' must be a bool"):
        cifar_resnet(20, preact="yes")
