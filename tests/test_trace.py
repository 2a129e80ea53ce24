"""trace_shapes agrees with torchinfo.summary; count_macs agrees with PyTorch's FLOP counter."""
import pytest
import torch
import torchinfo
from torch.utils.flop_counter import FlopCounterMode

import resnet_teach as rt

MODELS = {
    "resnet18": lambda: rt.resnet18(),
    "resnet50": lambda: rt.resnet50(),
    "resnet18-1ch-10cls": lambda: rt.resnet18(in_channels=1, num_classes=10),
    "cifar20": lambda: rt.cifar_resnet(20, shortcut="A"),
}
SIZES = {"resnet18": (1, 3, 224, 224), "resnet50": (1, 3, 160, 160),
         "resnet18-1ch-10cls": (1, 1, 224, 224), "cifar20": (2, 3, 32, 32)}


@pytest.mark.parametrize("name", MODELS)
def test_trace_shapes_agrees_with_torchinfo(name):
    model, size = MODELS[name](), SIZES[name]
    rows = rt.trace_shapes(model, size)
    info = torchinfo.summary(model, input_size=size, depth=100, verbose=0).summary_list
    assert len(rows) == len(info)
    for ours, theirs in zip(rows, info):
        assert ours.type == theirs.class_name
        assert list(ours.output_shape) == list(theirs.output_size)
        assert ours.depth == theirs.depth
        if not theirs.is_recursive:
            assert ours.params == theirs.num_params, (ours.name, ours.params, theirs.num_params)


@pytest.mark.parametrize("name", MODELS)
def test_count_macs_is_half_of_pytorchs_flop_count(name):
    model, size = MODELS[name](), SIZES[name]
    model.eval()
    counter = FlopCounterMode(display=False)
    with counter, torch.no_grad():
        model(torch.zeros(size))
    assert rt.count_macs(model, size) * 2 == counter.get_total_flops()


def test_trace_prints_a_table_and_restores_training_mode():
    model = rt.resnet18()
    model.train()
    trace = rt.trace_shapes(model, (1, 3, 64, 64))
    assert model.training
    text = str(trace)
    assert "layer4" in text and "[1, 512, 2, 2]" in text and "11,689,512" in text
    assert trace.by_name("layer4").output_shape == (1, 512, 2, 2)
    assert len(trace.table(max_depth=1).splitlines()) == 2 + 1 + 10  # header, rule, model, 10 children


def test_count_parameters_trainable_only():
    model = rt.resnet18()
    for p in model.layer1.parameters():
        p.requires_grad_(False)
    assert rt.count_parameters(model) == 11_689_512
    assert rt.count_parameters(model, trainable_only=True) == 11_689_512 - 147_968
