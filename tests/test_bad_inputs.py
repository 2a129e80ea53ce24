"""Bad input raises ValueError/TypeError naming the parameter, its value and the broken rule."""
import pytest
import torch
from torch import nn

import resnet_teach as rt
from resnet_teach.blocks import ZeroPadShortcut

x4 = torch.zeros(1, 4, 6, 6)

# (call, exception type, words the message must contain)
CASES = [
    (lambda: rt.conv_output_size(0, 3), ValueError, ["size=0", ">= 1"]),
    (lambda: rt.conv_output_size(8, 0), ValueError, ["kernel_size=0", ">= 1"]),
    (lambda: rt.conv_output_size(8, 3, stride=0), ValueError, ["stride=0", ">= 1"]),
    (lambda: rt.conv_output_size(8, 3, padding=-1), ValueError, ["padding=-1", ">= 0"]),
    (lambda: rt.conv_output_size(8, 3, dilation=0), ValueError, ["dilation=0"]),
    (lambda: rt.conv_output_size(8, 9, padding=2, dilation=2), ValueError,
     ["kernel_size=9 with dilation=2 spans 17, more than the padded input 12"]),
    (lambda: rt.conv_output_size(8.0, 3), TypeError, ["size=8.0", "int"]),
    (lambda: rt.conv_output_size("8", 3), TypeError, ["size='8'"]),
    (lambda: rt.conv_output_size((8, 8, 8), 3), ValueError, ["size=(8, 8, 8)", "pair"]),
    (lambda: rt.conv_output_size(8, 3, padding="full"), ValueError, ["padding='full'", "'same'"]),
    (lambda: rt.conv_output_size(8, 3, stride=2, padding="same"), ValueError, ["padding='same'", "stride=1"]),
    (lambda: rt.conv_output_size(4, 3, padding=4, padding_mode="reflect"), ValueError,
     ["padding=4", "size=4", "reflect"]),
    (lambda: rt.conv_output_size(4, 3, padding_mode="mirror"), ValueError, ["padding_mode='mirror'"]),
    (lambda: rt.conv_output_size((8, 2), (3, 3)), ValueError, ["width:", "kernel_size=3"]),
    (lambda: rt.pool_output_size(8, 2, padding=2), ValueError, ["padding=2", "half of kernel_size=2"]),
    (lambda: rt.pool_output_size(2, 5, padding=1), ValueError, ["kernel_size=5", "spans 5"]),
    (lambda: rt.pool_output_size(8, 2, ceil_mode="yes"), TypeError, ["ceil_mode='yes'", "bool"]),
    (lambda: rt.same_padding(8, 3, stride=0), ValueError, ["stride=0"]),
    (lambda: rt.receptive_field([]), ValueError, ["layers=[]"]),
    (lambda: rt.receptive_field([(3,)]), ValueError, ["layers[0]=(3,)"]),
    (lambda: rt.receptive_field([nn.ReLU()]), TypeError, ["layers[0]=ReLU()"]),
    (lambda: rt.receptive_field([((3, 5), 1)]), ValueError, ["layers[0].kernel_size=(3, 5)", "square"]),
    (lambda: rt.ResNet("BasicBlock", [2, 2, 2, 2]), TypeError, ["block='BasicBlock'"]),
    (lambda: rt.ResNet(rt.BasicBlock, [2, 2, 2]), ValueError, ["layers=[2, 2, 2]", "4"]),
    (lambda: rt.ResNet(rt.BasicBlock, [2, 0, 2, 2]), ValueError, ["layers[1]=0"]),
    (lambda: rt.resnet18(num_classes=0), ValueError, ["num_classes=0"]),
    (lambda: rt.resnet18(in_channels=0), ValueError, ["in_channels=0"]),
    (lambda: rt.resnet18(head="avg"), ValueError, ["head='avg'"]),
    (lambda: rt.resnet18(head="flatten"), ValueError, ["head='flatten'", "input_size"]),
    (lambda: rt.resnet18(input_size=224), ValueError, ["input_size=224", "flatten"]),
    (lambda: rt.resnet18(shortcut="D"), ValueError, ["shortcut='D'"]),
    (lambda: rt.resnet18(groups=2), ValueError, ["groups=2", "BasicBlock"]),
    (lambda: rt.resnet18(stride_in_1x1=True), ValueError, ["stride_in_1x1=True", "Bottleneck"]),
    (lambda: rt.resnet18(norm_layer="bn"), TypeError, ["norm_layer='bn'"]),
    (lambda: rt.resnet50(replace_stride_with_dilation=[True]), ValueError, ["replace_stride_with_dilation"]),
    (lambda: rt.resnet18()(torch.zeros(1, 1, 32, 32)), ValueError, ["x.shape=(1, 1, 32, 32)", "in_channels=3"]),
    (lambda: rt.resnet18()([1, 2, 3]), TypeError, ["torch.Tensor"]),
    (lambda: rt.cifar_resnet(21), ValueError, ["depth=21 is not 6n+2"]),
    (lambda: rt.cifar_resnet(2), ValueError, ["depth=2 is not 6n+2"]),
    (lambda: rt.cifar_resnet(20, residual="yes"), TypeError, ["residual='yes'"]),
    (lambda: rt.cifar_resnet(20, shortcut="a"), ValueError, ["shortcut='a'"]),
    (lambda: ZeroPadShortcut(32, 16), ValueError, ["planes=16", "inplanes=32"]),
    (lambda: rt.BasicBlock(0, 64), ValueError, ["inplanes=0"]),
    (lambda: rt.ScratchBatchNorm2d(0), ValueError, ["num_features=0"]),
    (lambda: rt.ScratchBatchNorm2d(3, momentum=1.5), ValueError, ["momentum=1.5", "<= 1"]),
    (lambda: rt.ScratchBatchNorm2d(3, eps=0), ValueError, ["eps=0", "> 0"]),
    (lambda: rt.ScratchBatchNorm2d(3)(torch.zeros(2, 3, 4)), ValueError, ["expected 4D input"]),
    (lambda: rt.ScratchBatchNorm2d(3)(x4), ValueError, ["x.shape=(1, 4, 6, 6)", "num_features=3"]),
    (lambda: rt.scratch_conv2d(x4, torch.zeros(6, 2, 3, 3), groups=3), ValueError,
     ["groups=3 must divide in_channels=4"]),
    (lambda: rt.scratch_conv2d(x4, torch.zeros(5, 2, 3, 3), groups=2), ValueError,
     ["groups=2 must divide out_channels=5"]),
    (lambda: rt.scratch_conv2d(x4, torch.zeros(6, 4, 3, 3), groups=2), ValueError,
     ["weight.shape[1]=4", "in_channels/groups"]),
    (lambda: rt.scratch_conv2d(x4, torch.zeros(6, 4, 9, 9), padding=1), ValueError,
     ["kernel_size=9", "padded input 8"]),
    (lambda: rt.scratch_conv2d(x4, torch.zeros(6, 4, 3, 3), bias=torch.zeros(5)), ValueError,
     ["bias.shape=(5,)", "(6,)"]),
    (lambda: rt.scratch_conv2d(torch.zeros(4, 6, 6), torch.zeros(6, 4, 3, 3)), ValueError, ["x.shape=(4, 6, 6)"]),
    (lambda: rt.scratch_pad(x4, 6, "reflect"), ValueError, ["pad=6", "size=6", "reflect"]),
    (lambda: rt.scratch_pad(x4, 7, "circular"), ValueError, ["pad=7", "size=6", "circular"]),
    (lambda: rt.scratch_pad(x4, (1, 2, 3)), ValueError, ["pad=(1, 2, 3)"]),
    (lambda: rt.scratch_pad(x4, -1), ValueError, ["pad=-1"]),
    (lambda: rt.scratch_pad(x4, 1, "wrap"), ValueError, ["mode='wrap'"]),
    (lambda: rt.trace_shapes(rt.resnet18(), (3, 224, 224, 0)), ValueError, ["input_size[3]=0"]),
    (lambda: rt.trace_shapes("resnet18", (1, 3, 32, 32)), TypeError, ["model must be an nn.Module"]),
    (lambda: rt.trace_shapes(rt.resnet18(), 224), ValueError, ["input_size=224"]),
    (lambda: rt.count_parameters(None), TypeError, ["model must be an nn.Module"]),
    (lambda: rt.digits(split="val"), ValueError, ["split='val'"]),
    (lambda: rt.digits(size=4), ValueError, ["size=4", ">= 8"]),
    (lambda: rt.digits(test_fraction=1.0), ValueError, ["test_fraction=1.0", "< 1.0"]),
    (lambda: rt.placed_digits(10, canvas=16, digit_size=20), ValueError, ["digit_size=20", "canvas=16"]),
    (lambda: rt.train(rt.cifar_resnet(8), [1, 2], 1), TypeError, ["data must be"]),
    (lambda: rt.train(rt.cifar_resnet(8), (torch.zeros(4, 3, 8, 8), torch.zeros(3).long()), 1), ValueError,
     ["4 images but 3 labels"]),
    (lambda: rt.train(rt.cifar_resnet(8), rt.digits(), 0), ValueError, ["epochs=0"]),
    (lambda: rt.train(rt.cifar_resnet(8), rt.digits(), 1, optimizer="rmsprop"), ValueError, ["optimizer='rmsprop'"]),
    (lambda: rt.train(rt.cifar_resnet(8), rt.digits(), 1, learning_rate=0.1), TypeError, ["learning_rate"]),
    (lambda: rt.train(rt.cifar_resnet(8), rt.digits(), 1, lr=-1.0), ValueError, ["lr=-1.0"]),
]


@pytest.mark.parametrize("call,exc,words", CASES, ids=[str(i) for i in range(len(CASES))])
def test_bad_input_is_named_in_the_error(call, exc, words):
    with pytest.raises(exc) as info:
        call()
    message = str(info.value)
    for w in words:
        assert w in message, f"{w!r} not in {message!r}"

