"""resnet_teach: the small package behind the ResNet notebooks.

Core (imported here, needs only torch): output-size arithmetic, blocks and networks that load
torchvision's state_dicts, from-scratch layers, a shape tracer, built-in data and a trainer.
Plots (``resnet_teach.plots``) and widgets (``resnet_teach.widgets``) are imported on demand,
so ``import resnet_teach`` pulls in neither matplotlib nor ipywidgets.
"""
from .arithmetic import (
                         conv_output_size,
                         conv_transpose_output_size,
                         effective_kernel_size,
                         pool_output_size,
                         receptive_field,
                         receptive_field_steps,
                         same_padding,
)
from .blocks import BasicBlock, Bottleneck, ZeroPadShortcut, conv1x1, conv3x3
from .cifar import CifarResNet, cifar_resnet
from .data import Split, cifar10_from_disk, digits, placed_digits, sample_photo
from .degradation import DegradationSettings, run_degradation, run_degradation_cifar10
from .exercises import Feedback
from .gradient_norms import gradient_norms_at_init
from .preact import PreActBasicBlock, PreActBottleneck, PreActCifarResNet, preact_cifar_resnet
from .resnet import (
                         STAGES,
                         ResNet,
                         resnet18,
                         resnet34,
                         resnet50,
                         resnet101,
                         resnet152,
                         resnext50_32x4d,
                         resnext101_32x8d,
                         resnext101_64x4d,
                         wide_resnet50_2,
                         wide_resnet101_2,
)
from .scratch import ScratchBatchNorm2d, scratch_conv2d, scratch_pad
from .trace import ShapeTrace, TraceRow, build_on_meta, count_macs, count_parameters, trace_shapes
from .train import TrainConfig, evaluate, train

__version__ = "0.1.0"

__all__ = [
    "conv_output_size", "conv_transpose_output_size", "effective_kernel_size", "pool_output_size",
    "receptive_field", "receptive_field_steps", "same_padding",
    "BasicBlock", "Bottleneck", "ZeroPadShortcut", "conv1x1", "conv3x3",
    "CifarResNet", "cifar_resnet",
    "Split", "cifar10_from_disk", "digits", "placed_digits", "sample_photo",
    "DegradationSettings", "gradient_norms_at_init", "run_degradation", "run_degradation_cifar10",
    "Feedback",
    "PreActBasicBlock", "PreActBottleneck", "PreActCifarResNet", "preact_cifar_resnet",
    "STAGES", "ResNet", "resnet18", "resnet34", "resnet50", "resnet101", "resnet152",
    "resnext50_32x4d", "resnext101_32x8d", "resnext101_64x4d", "wide_resnet50_2", "wide_resnet101_2",
    "ScratchBatchNorm2d", "scratch_conv2d", "scratch_pad",
    "ShapeTrace", "TraceRow", "build_on_meta", "count_macs", "count_parameters", "trace_shapes",
    "TrainConfig", "evaluate", "train",
]
