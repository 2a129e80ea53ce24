"""Our ResNets are torchvision's: same state_dict keys and shapes, same outputs, same counts."""
import pytest
import torch
import torchvision
from torch import nn
from torchvision_support import outputs_after_loading_both_ways

import resnet_teach as rt
from resnet_teach.blocks import ZeroPadShortcut

DEPTHS = [18, 34, 50, 101, 152]
PARAMS = {18: 11_689_512, 34: 21_797_672, 50: 25_557_032}


@pytest.mark.parametrize("depth", DEPTHS)
def test_state_dicts_load_both_ways_and_outputs_match_torchvision(depth):
    torch.manual_seed(depth)
    ours = getattr(rt, f"resnet{depth}")()
    theirs = getattr(torchvision.models, f"resnet{depth}")()
    a, b = outputs_after_loading_both_ways(ours, theirs, (2, 3, 64, 80))
    assert (a - b).abs().max().item() <= 1e-5
    assert count(ours) == count(theirs)


def count(model):
    return sum(p.numel() for p in model.parameters())


@pytest.mark.parametrize("depth,expected", PARAMS.items())
def test_exact_parameter_counts(depth, expected):
    assert rt.count_parameters(getattr(rt, f"resnet{depth}")()) == expected


def test_factories_take_resnet_keywords_like_torchvision():
    ours = rt.resnet18(num_classes=10, in_channels=1)
    assert ours.conv1.in_channels == 1 and ours.fc.out_features == 10
    theirs = torchvision.models.resnet50(replace_stride_with_dilation=[False, True, True])
    mine = rt.resnet50(replace_stride_with_dilation=[False, True, True])
    mine.load_state_dict(theirs.state_dict())
    mine.eval(), theirs.eval()
    x = torch.randn(1, 3, 64, 64)
    with torch.no_grad():
        assert (mine(x) - theirs(x)).abs().max() <= 1e-5
    wide = rt.ResNet(rt.Bottleneck, [3, 4, 6, 3], groups=32, width_per_group=4)
    wide.load_state_dict(torchvision.models.resnext50_32x4d().state_dict())


def test_zero_init_residual_matches_torchvision_and_makes_blocks_identities():
    torch.manual_seed(0)
    for depth in (18, 50):
        ours = getattr(rt, f"resnet{depth}")(zero_init_residual=True)
        theirs = getattr(torchvision.models, f"resnet{depth}")(zero_init_residual=True)

        def zeroed(model):
            return sorted(n for n, m in model.named_modules()
                          if isinstance(m, nn.BatchNorm2d) and bool((m.weight == 0).all()))

        assert zeroed(ours) == zeroed(theirs) != []  # the same BN layers start at gamma = 0
        assert all(name.endswith("bn3" if depth == 50 else "bn2") for name in zeroed(ours))
    block = rt.BasicBlock(8, 8)
    rt.blocks.init_weights(block, zero_init_residual=True)
    block.eval()
    x = torch.relu(torch.randn(2, 8, 5, 5))  # a block's input comes after a ReLU
    with torch.no_grad():
        assert torch.equal(block(x), x)


def test_bottleneck_v1_and_v15_same_parameters_different_flops():
    v15, v1 = rt.resnet50(), rt.resnet50(stride_in_1x1=True)
    assert count(v1) == count(v15)
    assert v1.layer2[0].conv1.stride == (2, 2) and v1.layer2[0].conv2.stride == (1, 1)
    assert v15.layer2[0].conv1.stride == (1, 1) and v15.layer2[0].conv2.stride == (2, 2)
    assert rt.count_macs(v1, (1, 3, 224, 224)) < rt.count_macs(v15, (1, 3, 224, 224))
    v1.load_state_dict(v15.state_dict())  # same names and shapes


def test_flatten_head_size_and_failure_elsewhere():
    net = rt.resnet18(head="flatten", input_size=224)
    assert net.fc.in_features == 512 * 7 * 7 and count(net.fc) == 25_089_000
    assert net.feature_map_size(224) == 7 and net.feature_map_size((160, 320)) == (5, 10)
    net.eval()
    with torch.no_grad():
        assert net(torch.randn(1, 3, 224, 224)).shape == (1, 1000)
        with pytest.raises(RuntimeError, match="mat1 and mat2 shapes cannot be multiplied"):
            net(torch.randn(1, 3, 160, 160))
    gap = rt.resnet18()
    gap.eval()
    with torch.no_grad():
        for size in [(160, 160), (224, 224), (320, 320), (200, 300)]:
            assert gap(torch.randn(1, 3, *size)).shape == (1, 1000)


@pytest.mark.parametrize("size", [1, 17, 32, 100, 224, (40, 90)])
def test_feature_map_size_matches_a_real_forward_pass(size):
    net = rt.resnet18()
    net.eval()
    h, w = size if isinstance(size, tuple) else (size, size)
    with torch.no_grad():
        assert tuple(net.forward_features(torch.zeros(1, 3, h, w)).shape[-2:]) == \
            (net.feature_map_size((h, w)))


@pytest.mark.parametrize("shortcut,projections", [("A", 0), ("B", 3), ("C", 16)])
def test_shortcut_options_for_resnet34(shortcut, projections):
    net = rt.resnet34(shortcut=shortcut)
    convs = [m for n, m in net.named_modules() if n.endswith("downsample.0")]
    assert len(convs) == projections
    pads = [m for m in net.modules() if isinstance(m, ZeroPadShortcut)]
    assert len(pads) == (3 if shortcut == "A" else 0)
    net.eval()
    with torch.no_grad():
        assert net(torch.randn(1, 3, 64, 64)).shape == (1, 1000)
    if shortcut == "B":
        assert count(net) == 21_797_672


def test_plain_imagenet_network_has_no_shortcuts():
    plain = rt.resnet18(residual=False)
    assert not any(b.residual for stage in (plain.layer1, plain.layer4) for b in stage)


@pytest.mark.parametrize("depth", [8, 14, 20, 32, 56])
def test_cifar_resnet_structure(depth):
    n = (depth - 2) // 6
    net = rt.cifar_resnet(depth)
    assert [len(s) for s in (net.layer1, net.layer2, net.layer3)] == [n, n, n]
    weighted = [m for m in net.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]
    projections = [m for name, m in net.named_modules() if name.endswith("downsample.0")]
    assert len(weighted) - len(projections) == depth  # 6n convs + conv1 + fc
    assert net.conv1.kernel_size == (3, 3) and not hasattr(net, "maxpool")
    x = torch.randn(2, 3, 32, 32)
    feats = net.forward_features(x)
    assert feats.shape == (2, 64, 8, 8) and net(x).shape == (2, 10)


def test_cifar_plain_twin_is_identical_except_shortcuts():
    res, plain = rt.cifar_resnet(20, shortcut="A"), rt.cifar_resnet(20, residual=False, shortcut="A")
    assert res.state_dict().keys() == plain.state_dict().keys()
    assert count(res) == count(plain) == 269_722  # the paper's "0.27M" for ResNet-20
    plain.load_state_dict(res.state_dict())
    res.eval(), plain.eval()
    x = torch.randn(2, 3, 32, 32)
    with torch.no_grad():
        assert not torch.allclose(res(x), plain(x))
        # without the additions, the same weights give a different function; check one block
        block_r, block_p = res.layer1[0], plain.layer1[0]
        h = torch.relu(torch.randn(1, 16, 8, 8))
        torch.testing.assert_close(block_r(h), torch.relu(block_p.bn2(block_p.conv2(
            block_p.relu(block_p.bn1(block_p.conv1(h))))) + h))
    projected = rt.cifar_resnet(20, shortcut="B")
    assert count(projected) > count(res)


def test_option_a_shortcut_pads_channels_with_zeros_and_subsamples():
    sc = ZeroPadShortcut(16, 32, stride=2)
    x = torch.randn(2, 16, 8, 8)
    y = sc(x)
    assert y.shape == (2, 32, 4, 4)
    assert torch.equal(y[:, :16], x[:, :, ::2, ::2]) and (y[:, 16:] == 0).all()


def test_resnet18_with_scratch_batchnorm_trains_and_loads_torchvision_weights():
    torch.manual_seed(0)
    net = rt.resnet18(norm_layer=rt.ScratchBatchNorm2d, num_classes=10, in_channels=1)
    theirs = torchvision.models.resnet18(num_classes=10)
    theirs.conv1 = nn.Conv2d(1, 64, 7, 2, 3, bias=False)
    net.load_state_dict(theirs.state_dict(), strict=True)
    net.eval(), theirs.eval()
    x = torch.randn(4, 1, 32, 32)
    with torch.no_grad():
        assert (net(x) - theirs(x)).abs().max() <= 1e-4
    data = rt.digits(size=32)
    history = rt.train(net, (data.images[:256], data.labels[:256]), epochs=3, batch_size=64, lr=1e-3)
    assert history["train_loss"][-1] < history["train_loss"][0]
    assert history["train_accuracy"][-1] > 0.5


def test_forward_features_and_head_split():
    net = rt.resnet50()
    net.eval()
    x = torch.randn(1, 3, 64, 64)
    with torch.no_grad():
        feats = net.forward_features(x)
        assert feats.shape == (1, 2048, 2, 2)
        assert net.forward_head(feats, pre_logits=True).shape == (1, 2048)
        torch.testing.assert_close(net.forward_head(feats), net(x))
