"""The one rule for bad input, checked over the public API with hypothesis.

Every public function and constructor:
* treats numpy and torch integer/float scalars as the numbers they are (same result);
* rejects a bool where a count or a number is meant;
* answers anything else that makes no sense (floats for counts, strings, None, NaN, infinity,
  tensors of several values, wrong-length tuples, negatives, zero, out-of-range values) with a
  ValueError or TypeError whose message names the parameter and says what it "must" be.

``ENTRIES`` lists each entry point with a cheap valid call and the kind of each parameter;
hypothesis draws a parameter and a bad (or an equivalent) value for it. The examples are
derandomized, so a failure reproduces. ``test_every_public_entry_point_is_covered`` keeps the
table complete: a new public function with a number, bool or choice parameter must be added.
"""
from __future__ import annotations

import dataclasses
import importlib
import inspect
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from torch import nn

import resnet_teach as rt
import resnet_teach.cam  # noqa: F401  (the submodules the sweep reaches as rt.<module>.<name>)
import resnet_teach.landscape  # noqa: F401
import resnet_teach.lesion  # noqa: F401
import resnet_teach.preact  # noqa: F401
from resnet_teach import shattered
from resnet_teach.arithmetic import PADDING_MODES
from resnet_teach.lessons import batchnorm as bn_lesson
from resnet_teach.lessons import batchnorm_exercises as bn_exercises
from resnet_teach.lessons import blocks as blocks_lesson
from resnet_teach.lessons import (
    bn_backward,
    bn_training,
    conv_compute,
    keras_port,
    norms,
    table1,
    transposed,
    variants,
    why,
)
from resnet_teach.lessons import conv as conv_lesson
from resnet_teach.lessons import degradation as degradation_lesson
from resnet_teach.lessons import heads as heads_lesson
from resnet_teach.lessons import networks as networks_lesson
from resnet_teach.lessons import norms as norms_lesson
from resnet_teach.train import fixed_threads

RULES = settings(max_examples=12, deadline=None, derandomize=True, database=None,
                 suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@dataclass(frozen=True)
class Kind:
    name: str  # "count", "pair", "float", "bool", "choice"
    low: float | None = None
    high: float | None = None
    choices: tuple = ()
    optional: bool = False  # None is a valid value (e.g. "no limit")


def count(low: int = 1, high: int | None = None) -> Kind:
    return Kind("count", low, high)


def OPTIONAL_COUNT(low: int = 1) -> Kind:  # noqa: N802 - reads like the other kinds
    return Kind("count", low, optional=True)


def OPTIONAL_PAIR(low: int = 1) -> Kind:  # noqa: N802
    return Kind("pair", low, optional=True)


def OPTIONAL_REAL(low: float | None = None, high: float | None = None) -> Kind:  # noqa: N802
    return Kind("float", low, high, optional=True)


def pair(low: int = 1) -> Kind:
    return Kind("pair", low)


def real(low: float | None = None, high: float | None = None, open_low: bool = False) -> Kind:
    return Kind("float", low, high, ("open",) if open_low else ())


BOOL = Kind("bool")
SHORTCUT = Kind("choice", choices=("A", "B", "C"))


def choice(*options: Any) -> Kind:
    return Kind("choice", choices=options)


# --- the bad values ---------------------------------------------------------------------------

NOT_NUMBERS = st.one_of(st.text(max_size=3), st.none(), st.just([1, 2, 3]), st.just({"a": 1}),
                        st.just(torch.tensor([1, 2])), st.just(np.array([3, 4])), st.just(object()))
BOOLS = st.one_of(st.booleans(), st.just(np.bool_(True)), st.just(torch.tensor(False)))
NON_INTEGERS = st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.just(np.float64(3.0)),
                         st.floats(-5, 5).map(torch.tensor), st.just(3.0))


def bad_values(kind: Kind) -> st.SearchStrategy:
    if kind.optional:
        return bad_values(dataclasses.replace(kind, optional=False)).filter(lambda v: v is not None)
    if kind.name in ("count", "pair"):
        below = st.integers(max_value=int(kind.low) - 1) if kind.low is not None else st.nothing()
        above = st.integers(min_value=int(kind.high) + 1) if kind.high is not None else st.nothing()
        strategies = [NOT_NUMBERS, BOOLS, NON_INTEGERS, below, above]
        if kind.name == "pair":  # wrong-length tuples, and pairs with one bad entry
            strategies += [st.lists(st.integers(1, 4), max_size=4).filter(lambda v: len(v) != 2).map(tuple),
                           st.tuples(st.just(3), st.one_of(BOOLS, NON_INTEGERS, below))]
        return st.one_of(*strategies)
    if kind.name == "float":
        outside = []
        if kind.low is not None:
            outside.append(st.floats(max_value=kind.low, exclude_max=not kind.choices, allow_nan=False,
                                     allow_infinity=False))
        if kind.high is not None:
            outside.append(st.floats(min_value=kind.high, exclude_min=True, allow_nan=False, allow_infinity=False))
        return st.one_of(NOT_NUMBERS, BOOLS, st.just(float("nan")), st.just(float("inf")), st.just(-float("inf")),
                         *outside)
    if kind.name == "bool":
        return st.one_of(st.integers(0, 1), st.text(max_size=3), st.none(), st.floats(0, 1), st.just([True]))
    assert kind.name == "choice"
    return st.one_of(st.text(max_size=4).filter(lambda v: v not in kind.choices), st.integers(-3, 3),
                     st.none(), BOOLS).filter(lambda v: not any(_equal_choice(v, c) for c in kind.choices))


def _equal_choice(value: Any, option: Any) -> bool:
    return type(value) is type(option) and value == option


def equivalent_values(kind: Kind, value: Any) -> st.SearchStrategy:
    """Other spellings of the same number: numpy and torch scalars."""
    if kind.name in ("count", "pair"):
        return st.sampled_from([np.int64(value), np.int32(value), np.int16(value), torch.tensor(value)])
    return st.sampled_from([np.float64(value), np.float32(value) if float(np.float32(value)) == value else
                            np.float64(value), torch.tensor(value, dtype=torch.float64)])


# --- the entry points --------------------------------------------------------------------------

def meta(builder: Callable[..., nn.Module]) -> Callable[..., nn.Module]:
    """Build on the meta device: the checks run, no memory is allocated."""
    def build(**kwargs: Any) -> nn.Module:
        with torch.device("meta"):
            return builder(**kwargs)
    build.__wrapped__ = builder
    return build


def in_threads(num_threads: Any) -> int:
    with fixed_threads(num_threads):
        return torch.get_num_threads()


def _tiny(n: int = 32) -> rt.Split:
    data = rt.digits()
    return rt.Split(data.images[:n], data.labels[:n])


TINY = _tiny()
LINEAR = nn.Sequential(nn.Flatten(), nn.Linear(64, 10))
RESULTS = {f"{kind}-{d}": {"train_loss": [1.0], "train_error": [0.5]} for d in (8, 14) for kind in ("plain", "resnet")}


def trained_linear(**kwargs: Any) -> dict:
    with torch.random.fork_rng():
        torch.manual_seed(0)
        model = nn.Sequential(nn.Flatten(), nn.Linear(64, 10))
    return rt.train(model, TINY, progress=False, **kwargs)


@dataclass(frozen=True)
class Entry:
    target: Callable[..., Any]  # the public function or class (for the coverage test)
    call: Callable[..., Any]  # how to call it cheaply with keyword arguments
    base: dict[str, Any]  # a valid call
    params: dict[str, Kind]  # the parameters checked here, with their kinds
    cheap: bool = True  # whether a full valid call is cheap enough to repeat


def entry(target, base, params, call=None, cheap=True) -> Entry:
    return Entry(target, call or target, base, params, cheap)


LAYER = {"size": count(1), "kernel_size": count(1), "stride": count(1), "padding": count(0),
         "dilation": count(1), "layer": choice(*conv_lesson.LAYERS), "ceil_mode": BOOL}
LAYER_BASE = dict(size=7, kernel_size=3, stride=2, padding=1, dilation=1, layer="conv", ceil_mode=False)
RESNET = {"num_classes": count(1), "in_channels": count(1), "groups": count(1), "width_per_group": count(1),
          "head": choice("gap", "flatten"), "shortcut": choice("A", "B", "C"), "residual": BOOL,
          "zero_init_residual": BOOL}

ENTRIES: dict[str, Entry] = {
    # arithmetic
    "conv_output_size": entry(rt.conv_output_size, dict(size=8, kernel_size=3, stride=1, padding=1, dilation=1,
                                                        padding_mode="zeros"),
                              {"size": pair(1), "kernel_size": pair(1), "stride": pair(1), "padding": pair(0),
                               "dilation": pair(1), "padding_mode": choice(*PADDING_MODES)}),
    "pool_output_size": entry(rt.pool_output_size, dict(size=8, kernel_size=3, stride=2, padding=1, dilation=1,
                                                        ceil_mode=False),
                              {"size": pair(1), "kernel_size": pair(1), "stride": OPTIONAL_PAIR(1),
                               "padding": pair(0), "dilation": pair(1), "ceil_mode": BOOL}),
    "effective_kernel_size": entry(rt.effective_kernel_size, dict(kernel_size=3, dilation=2),
                                   {"kernel_size": pair(1), "dilation": pair(1)}),
    "same_padding": entry(rt.same_padding, dict(size=8, kernel_size=3, stride=2, dilation=1),
                          {"size": pair(1), "kernel_size": pair(1), "stride": pair(1), "dilation": pair(1)}),
    # blocks and networks
    "conv3x3": entry(rt.conv3x3, dict(in_planes=4, out_planes=8, stride=1, groups=1, dilation=1),
                     {"in_planes": count(1), "out_planes": count(1), "stride": count(1), "groups": count(1),
                      "dilation": count(1)}, call=meta(rt.conv3x3)),
    "conv1x1": entry(rt.conv1x1, dict(in_planes=4, out_planes=8, stride=1),
                     {"in_planes": count(1), "out_planes": count(1), "stride": count(1)}, call=meta(rt.conv1x1)),
    "make_shortcut": entry(rt.blocks.make_shortcut, dict(inplanes=8, outplanes=16, stride=2, shortcut="B",
                                                         norm_layer=nn.BatchNorm2d),
                           {"inplanes": count(1), "outplanes": count(1), "stride": count(1),
                            "shortcut": choice("A", "B", "C")}, call=meta(rt.blocks.make_shortcut)),
    "ZeroPadShortcut": entry(rt.ZeroPadShortcut, dict(inplanes=8, planes=16, stride=2),
                             {"inplanes": count(1), "planes": count(1), "stride": count(1)}),
    "BasicBlock": entry(rt.BasicBlock, dict(inplanes=8, planes=8, stride=1, residual=True),
                        {"inplanes": count(1), "planes": count(1), "stride": count(1), "residual": BOOL},
                        call=meta(lambda **kw: rt.BasicBlock(**kw, downsample=nn.Identity()))),
    "Bottleneck": entry(rt.Bottleneck, dict(inplanes=16, planes=4, stride=1, groups=1, base_width=64, dilation=1,
                                            residual=True, stride_in_1x1=False),
                        {"inplanes": count(1), "planes": count(1), "stride": count(1), "groups": count(1),
                         "base_width": count(1), "dilation": count(1), "residual": BOOL, "stride_in_1x1": BOOL},
                        call=meta(lambda **kw: rt.Bottleneck(**kw, downsample=nn.Identity()))),
    "ResNet": entry(rt.ResNet, dict(num_classes=10, in_channels=3, groups=1, width_per_group=64, head="gap",
                                    shortcut="B", residual=True, zero_init_residual=False),
                    RESNET, call=meta(rt.resnet18)),
    "ResNet(layers, replace_stride_with_dilation, input_size)": entry(
        rt.ResNet, dict(block=rt.Bottleneck, layers=[1, 1, 1, 1], replace_stride_with_dilation=[False, True, True],
                        head="flatten", input_size=64, stride_in_1x1=True),
        {"layers": Kind("layers"), "replace_stride_with_dilation": Kind("flags"), "input_size": pair(1),
         "stride_in_1x1": BOOL}, call=meta(rt.ResNet)),
    "CifarResNet": entry(rt.CifarResNet, dict(depth=8, residual=True, num_classes=10, shortcut="A", in_channels=3,
                                              widths=(4, 8, 16), zero_init_residual=False),
                         {"depth": count(8), "residual": BOOL, "num_classes": count(1), "shortcut": SHORTCUT,
                          "in_channels": count(1), "widths": Kind("widths"), "zero_init_residual": BOOL},
                         call=meta(rt.CifarResNet)),
    "cifar_resnet": entry(rt.cifar_resnet, dict(depth=8, residual=True, num_classes=10, shortcut="A", in_channels=3,
                                                widths=(4, 8, 16), zero_init_residual=False),
                          {"depth": count(8), "residual": BOOL, "num_classes": count(1), "shortcut": SHORTCUT,
                           "in_channels": count(1), "widths": Kind("widths"), "zero_init_residual": BOOL},
                          call=meta(rt.cifar_resnet)),
    # scratch layers
    "ScratchBatchNorm2d": entry(rt.ScratchBatchNorm2d, dict(num_features=4, eps=1e-5, momentum=0.1, affine=True,
                                                            track_running_stats=True, bias=True),
                                {"num_features": count(1), "eps": real(0.0, open_low=True),
                                 "momentum": OPTIONAL_REAL(0.0, 1.0), "affine": BOOL, "track_running_stats": BOOL,
                                 "bias": BOOL}),
    "scratch_pad": entry(rt.scratch_pad, dict(x=torch.arange(16.0).view(1, 1, 4, 4), pad=1, mode="reflect", value=0.0),
                         {"pad": count(0), "mode": choice(*PADDING_MODES, "constant"), "value": real()}),
    "scratch_conv2d": entry(rt.scratch_conv2d, dict(x=torch.ones(1, 2, 6, 6), weight=torch.ones(4, 1, 3, 3), stride=1,
                                                    padding=1, dilation=1, groups=2, padding_mode="zeros"),
                            {"stride": pair(1), "padding": pair(0), "dilation": pair(1), "groups": count(1),
                             "padding_mode": choice(*PADDING_MODES)}),
    # tracing, sizes, stages
    "trace_shapes": entry(rt.trace_shapes, dict(model=nn.Conv2d(1, 2, 3), input_size=(1, 1, 5, 5)),
                          {"input_size": Kind("shape")}),
    "count_macs": entry(rt.count_macs, dict(model=nn.Conv2d(1, 2, 3), input_size=(1, 1, 5, 5)),
                        {"input_size": Kind("shape")}),
    "count_parameters": entry(rt.count_parameters, dict(model=nn.Linear(2, 3), trainable_only=False),
                              {"trainable_only": BOOL}),
    "layer_output_size": entry(rt.sizes.layer_output_size, dict(module=nn.Conv2d(1, 1, 3), size=8), {"size": pair(1)}),
    "size_steps": entry(rt.sizes.size_steps, dict(model=nn.Conv2d(1, 1, 3), input_size=8), {"input_size": pair(1)}),
    "feature_map_size": entry(rt.sizes.feature_map_size, dict(model=nn.Conv2d(1, 1, 3), input_size=8),
                              {"input_size": pair(1)}),
    "stage_report": entry(rt.stages.stage_report, dict(model=rt.build_on_meta(rt.resnet18), input_size=64,
                                                       in_channels=3, batch_size=2),
                          {"input_size": count(1), "in_channels": count(3, 3), "batch_size": count(1)}),
    "network_macs": entry(rt.stages.network_macs, dict(model=rt.build_on_meta(rt.resnet18), input_size=64),
                          {"input_size": count(1)}),
    # data
    "digits": entry(rt.digits, dict(split="test", size=8, test_fraction=0.25, seed=0, normalize=True),
                    {"split": choice("train", "test"), "size": count(8), "test_fraction": real(0.0, 1.0, open_low=True),
                     "seed": count(0), "normalize": BOOL}),
    "placed_digits": entry(rt.placed_digits, dict(n=8, canvas=16, digit_size=8, seed=0, split="train"),
                           {"n": count(1), "canvas": count(8), "digit_size": count(8), "seed": count(0),
                            "split": choice("train", "test")}),
    "digits_with_decoy": entry(rt.data.digits_with_decoy, dict(n=8, canvas=24, digit_size=8, seed=0, split="train",
                                                               tile=2),
                               {"n": count(1), "canvas": count(8), "digit_size": count(8), "seed": count(0),
                                "split": choice("train", "test"), "tile": count(1)}),
    "sample_photo": entry(rt.sample_photo, dict(gray=True, size=16), {"gray": BOOL, "size": OPTIONAL_COUNT(4)}),
    # training
    "TrainConfig": entry(rt.TrainConfig, dict(epochs=1, batch_size=8, lr=0.1, optimizer="sgd", momentum=0.9,
                                              weight_decay=0.0, schedule="constant", seed=0, num_threads=1),
                         {"epochs": count(1), "batch_size": count(1), "lr": real(0.0, open_low=True),
                          "optimizer": choice("adam", "sgd"), "momentum": real(0.0), "weight_decay": real(0.0),
                          "schedule": choice("cosine", "constant"), "seed": count(0),
                          "num_threads": OPTIONAL_COUNT(1)}),
    "train": entry(rt.train, dict(epochs=1, batch_size=16, lr=0.01, seed=0), {
        "epochs": count(1), "batch_size": count(1), "lr": real(0.0, open_low=True), "seed": count(0)},
        call=trained_linear),
    "evaluate": entry(rt.evaluate, dict(model=LINEAR, data=TINY, batch_size=8), {"batch_size": count(1)}),
    "fixed_threads": entry(fixed_threads, dict(num_threads=1),
                           {"num_threads": OPTIONAL_COUNT(1)},
                           call=in_threads),
    # the degradation experiment
    "DegradationSettings": entry(rt.DegradationSettings, dict(depths=(8, 14), epochs=1, image_size=8, shortcut="A"),
                                 {"depths": Kind("depths"), "epochs": count(1), "image_size": count(8),
                                  "shortcut": choice("A", "B", "C")}),
    "run_degradation": entry(rt.run_degradation, dict(depths=(8, 14), seed=0, epochs=1, data=TINY, progress=False),
                             {"depths": Kind("depths", optional=True), "seed": OPTIONAL_COUNT(0),
                              "epochs": OPTIONAL_COUNT(1)},
                             cheap=False),
    "gradient_norms_at_init": entry(rt.gradient_norms_at_init, dict(depth=8, residual=False, seed=0, batch_size=8,
                                                                    shortcut="A", data=TINY, num_threads=1),
                                    {"depth": count(8), "residual": BOOL, "seed": count(0), "batch_size": count(1),
                                     "shortcut": choice("A", "B", "C"), "num_threads": OPTIONAL_COUNT(1)}),
    "format_final_table": entry(rt.degradation.format_final_table, dict(results=RESULTS, decimals=3),
                                {"decimals": count(0)}),
    # class activation maps
    "upsample_maps": entry(rt.cam.upsample_maps, dict(maps=torch.ones(1, 2, 2), size=(4, 4)), {"size": pair(1)}),
    "ink_peaks": entry(rt.cam.ink_peaks, dict(images=torch.ones(1, 1, 6, 6), window=3), {"window": count(1)}),
    "chance_share": entry(rt.cam.chance_share, dict(boxes=torch.tensor([[0, 0, 2, 2]]), canvas=(4, 4)),
                          {"canvas": pair(1)}),
    # lessons: notebook 01
    "explain_output_size": entry(conv_lesson.explain_output_size, LAYER_BASE, LAYER),
    "torch_output_size": entry(conv_lesson.torch_output_size, LAYER_BASE, LAYER),
    "window_positions": entry(conv_lesson.window_positions, LAYER_BASE, LAYER),
    "pad_with_mode": entry(conv_lesson.pad_with_mode, dict(x=conv_lesson.matrix_1_to_16(), pad=1, mode="reflect"),
                           {"pad": count(0), "mode": choice(*PADDING_MODES)}),
    "torch_pad_mode": entry(conv_lesson.torch_pad_mode, dict(mode="zeros"), {"mode": choice(*PADDING_MODES)}),
    "groups_facts": entry(conv_lesson.groups_facts, dict(in_channels=4, out_channels=8, groups=2, kernel_size=3,
                                                         size=4, bias=True),
                          {"in_channels": count(1), "out_channels": count(1), "groups": count(1),
                           "kernel_size": count(1), "size": count(1), "bias": BOOL}),
    "groups_table": entry(conv_lesson.groups_table, dict(channels=4, kernel_size=3, size=4, bias=False),
                          {"channels": count(1), "kernel_size": count(1), "size": count(1), "bias": BOOL}),
    "divisors": entry(conv_lesson.divisors, dict(n=12), {"n": count(1)}),
    # lessons: notebook 02
    "momentum_trajectory": entry(bn_lesson.momentum_trajectory, dict(momentum=0.1, steps=3, batch_size=2, size=2,
                                                                     data_mean=3.0, data_std=2.0, seed=0),
                                 {"momentum": OPTIONAL_REAL(0.0, 1.0), "steps": count(1, bn_lesson.MAX_STEPS),
                                  "batch_size": count(1), "size": count(1), "data_mean": real(),
                                  "data_std": real(0.0, open_low=True), "seed": count(0)}),
    "accuracy_without_eval": entry(bn_lesson.accuracy_without_eval, dict(model=LINEAR, data=TINY, batch_size=8,
                                                                         sort_by_label=False, in_place=False),
                                   {"batch_size": count(1), "sort_by_label": BOOL, "in_place": BOOL}),
    "two_value_outputs": entry(bn_exercises.two_value_outputs, dict(a=7.0, b=3.0), {"a": real(), "b": real()}),
    "norm_accuracies": entry(norms_lesson.norm_accuracies,
                             dict(batch_size=2, seed=0, train_images=600, epochs=3, groups=4, lr_per_image=5e-4),
                             {"batch_size": count(1), "seed": count(0), "train_images": count(2), "epochs": count(1),
                              "groups": count(1), "lr_per_image": real(0.0, open_low=True)}, cheap=False),
    # lessons: notebook 03
    "shortcut_options": entry(blocks_lesson.shortcut_options, dict(depth=18, num_classes=10),
                              {"depth": choice(*rt.STAGES), "num_classes": count(1)}, cheap=False),
    "stride_placement": entry(blocks_lesson.stride_placement, dict(inplanes=16, planes=8, size=8, stride=2),
                              {"inplanes": count(1), "planes": count(1), "size": count(1), "stride": count(1)}),
    # lessons: notebook 04
    "meta_network": entry(networks_lesson.meta_network, dict(network="ResNet-18", in_channels=3),
                          {"network": choice(*networks_lesson.NETWORKS), "in_channels": count(1)}),
    "explore_network": entry(networks_lesson.explore_network, dict(network="ResNet-18", input_size=64, in_channels=3),
                             {"network": choice(*networks_lesson.NETWORKS), "input_size": count(1),
                              "in_channels": count(1)}),
    "spatial_steps": entry(networks_lesson.spatial_steps, dict(input_size=64, stem="imagenet"),
                           {"input_size": count(1), "stem": choice("imagenet", "cifar")}),
    "torchvision_reference": entry(networks_lesson.torchvision_reference, dict(depth=18),
                                   {"depth": choice(*rt.STAGES)}),
    "d2l_resnet18": entry(networks_lesson.d2l_resnet18, dict(in_channels=1, num_classes=10),
                          {"in_channels": count(1), "num_classes": count(1)}),
    "compare_with_torchvision": entry(networks_lesson.compare_with_torchvision,
                                      dict(depth=18, input_size=32, batch_size=1, seed=0),
                                      {"depth": choice(*rt.STAGES), "input_size": count(1), "batch_size": count(1),
                                       "seed": count(0)}, cheap=False),
    # lessons: notebook 05
    "plan_rerun": entry(degradation_lesson.plan_rerun, dict(shallow=8, deep=14, epochs=2, seed=0),
                        {"shallow": count(8, 56), "deep": count(8, 56), "epochs": count(1, 10), "seed": count(0, 99)}),
    # lessons: notebook 06
    "explore_input_size": entry(heads_lesson.explore_input_size, dict(height=64, width=96, depth=18, num_classes=10,
                                                                      flatten_built_for=224, pool_kernel=7),
                                {"height": count(1), "width": count(1), "depth": choice(*rt.STAGES),
                                 "num_classes": count(1), "flatten_built_for": pair(1), "pool_kernel": count(1)}),
    "size_steps (heads)": entry(heads_lesson.size_steps, dict(height=64, width=96, depth=18),
                                {"height": count(1), "width": count(1), "depth": choice(*rt.STAGES)}),
    "last_map_size": entry(heads_lesson.last_map_size, dict(height=64, width=96, depth=18),
                           {"height": count(1), "width": count(1), "depth": choice(*rt.STAGES)}),
    "feature_channels": entry(heads_lesson.feature_channels, dict(depth=50), {"depth": choice(*rt.STAGES)}),
    "fc_parameters": entry(heads_lesson.fc_parameters, dict(in_features=512, num_classes=10),
                           {"in_features": count(1), "num_classes": count(1)}),
}

# --- entry points of issues 12, 14 and 15 ------------------------------------------------------

CIFAR8 = rt.cifar_resnet(8, in_channels=1, widths=(4, 8, 16))
SHATTER8 = shattered.make_network(8, "residual")
BOXED = rt.placed_digits(n=8, canvas=16)
SIGNAL = torch.randn(32, generator=torch.Generator().manual_seed(0))
RUN = bn_training.SweepRun("with BN", 0.1, {"train_loss": [2.5, 1.0]})
KERAS = keras_port.random_keras_conv_bn()
NCHW = torch.randn(2, 4, 3, 3, generator=torch.Generator().manual_seed(0))


def surface(**kwargs: Any) -> torch.Tensor:
    g = torch.Generator().manual_seed(0)
    d1, d2 = (rt.landscape.filter_normalized_direction(CIFAR8, g) for _ in range(2))
    return rt.landscape.loss_surface(CIFAR8, TINY, d1, d2, **kwargs)


PREACT = {"depth": count(8), "num_classes": count(1), "block": choice("basic", "bottleneck"),
          "shortcut": choice("A", "B")}
SHATTER = {"depth": count(8), "kind": choice(*shattered.KINDS), "seed": count(0)}
TRANSPOSE = {"size": count(1), "kernel_size": count(1), "seed": count(0)}
ENTRIES.update({
    "conv_transpose_output_size": entry(
        rt.arithmetic.conv_transpose_output_size,
        dict(size=4, kernel_size=3, stride=2, padding=1, output_padding=1, dilation=1),
        {"size": pair(1), "kernel_size": pair(1), "stride": pair(1), "padding": pair(0), "output_padding": pair(0),
         "dilation": pair(1)}),
    "PreActBasicBlock": entry(rt.preact.PreActBasicBlock, dict(inplanes=8, planes=8, stride=1),
                              {"inplanes": count(1), "planes": count(1), "stride": count(1)},
                              call=meta(rt.preact.PreActBasicBlock)),
    "PreActBottleneck": entry(rt.preact.PreActBottleneck, dict(inplanes=16, planes=4, stride=1),
                              {"inplanes": count(1), "planes": count(1), "stride": count(1)},
                              call=meta(rt.preact.PreActBottleneck)),
    "PreActCifarResNet": entry(rt.preact.PreActCifarResNet, dict(depth=8, num_classes=10, block="basic", shortcut="B",
                                                                 in_channels=3, widths=(4, 8, 16)),
                               {**PREACT, "in_channels": count(1), "widths": Kind("widths")},
                               call=meta(rt.preact.PreActCifarResNet)),
    "preact_cifar_resnet": entry(rt.preact.preact_cifar_resnet, dict(depth=8, num_classes=10, block="basic",
                                                                     shortcut="B"),
                                 PREACT, call=meta(rt.preact.preact_cifar_resnet)),
    "cam_baselines": entry(rt.cam.cam_baselines, dict(model=CIFAR8, data=BOXED, seed=0), {"seed": count(0)}),
    "epochs_to_reach": entry(rt.degradation.epochs_to_reach,
                             dict(depths=(8, 14), error=0.5, max_epochs=1, seed=0, progress=False,
                                  settings=rt.DegradationSettings(image_size=8)),
                             {"depths": Kind("depths", optional=True), "error": real(0.0, 1.0, open_low=True),
                              "max_epochs": count(1), "seed": count(0)}, cheap=False),
    "loss_surface": entry(rt.landscape.loss_surface, dict(coords=[-1.0, 0.0, 1.0], batch_stats=True, num_threads=1),
                          {"coords": Kind("coords"), "batch_stats": BOOL, "num_threads": OPTIONAL_COUNT(1)},
                          call=surface, cheap=False),
    "local_minima": entry(rt.landscape.local_minima, dict(surface=torch.rand(5, 5), margin=0.05),
                          {"margin": real(0.0)}),
    "lesion_study": entry(rt.lesion.lesion_study, dict(model=CIFAR8, data=TINY, num_threads=1),
                          {"num_threads": OPTIONAL_COUNT(1)}, cheap=False),
    "path_gradient_magnitudes": entry(rt.lesion.path_gradient_magnitudes,
                                      dict(model=CIFAR8, data=TINY, samples=2, batch_size=8, seed=0, num_threads=1),
                                      {"samples": count(1), "batch_size": count(1), "seed": count(0),
                                       "num_threads": OPTIONAL_COUNT(1)}),
    "make_network": entry(shattered.make_network, dict(depth=8, kind="residual", seed=0, in_channels=1, num_classes=10),
                          {**SHATTER, "in_channels": count(1), "num_classes": count(1)}),
    "calibrate_batchnorm": entry(shattered.calibrate_batchnorm, dict(model=SHATTER8, images=TINY.images, batch_size=8),
                                 {"batch_size": count(1)}, cheap=False),
    "line_gradient": entry(shattered.line_gradient, dict(model=SHATTER8.eval(), a=TINY.images[0], b=TINY.images[1],
                                                         steps=4, logit=3),
                           {"steps": count(2), "logit": count(0, 9)}),
    "autocorrelation": entry(shattered.autocorrelation, dict(signal=SIGNAL, max_lag=5), {"max_lag": count(0, 31)}),
    "layer_gradient_norms": entry(shattered.layer_gradient_norms, dict(depth=8, kind="residual", data=TINY, seed=0,
                                                                       batch_size=8, num_threads=1),
                                  {**SHATTER, "batch_size": count(1), "num_threads": OPTIONAL_COUNT(1)}, cheap=False),
    "shattering": entry(shattered.shattering, dict(depth=8, kind="residual", data=TINY, seed=0, pair=(0, 1), steps=4,
                                                   logit=None, calibration=8, max_lag=2, num_threads=1),
                        {**SHATTER, "pair": Kind("indices"), "steps": count(2), "logit": Kind("count", 0, 9, (), True),
                         "calibration": count(1), "max_lag": count(0, 3), "num_threads": OPTIONAL_COUNT(1)},
                        cheap=False),
    # lessons of issue 15
    "batch_norm_by_hand": entry(bn_backward.batch_norm_by_hand, dict(x=NCHW, gamma=torch.ones(4), beta=torch.zeros(4),
                                                                     eps=1e-5), {"eps": real(0.0, open_low=True)}),
    "backward_staged": entry(bn_backward.backward_staged, dict(x=NCHW, gamma=torch.ones(4), dy=NCHW, eps=1e-5),
                             {"eps": real(0.0, open_low=True)}),
    "compare_with_autograd": entry(bn_backward.compare_with_autograd, dict(shape=(2, 2, 2, 2), seed=0),
                                   {"shape": Kind("shape4"), "seed": count(0)}, cheap=False),
    "failed": entry(bn_training.failed, dict(run=RUN, threshold=2.0), {"threshold": real()}),
    "conv2d_by_hand": entry(conv_compute.conv2d_by_hand, dict(x=torch.ones(1, 5, 5), weight=torch.ones(2, 1, 3, 3),
                                                              stride=1, padding=1),
                            {"stride": count(1), "padding": count(0)}),
    "stepping_state": entry(conv_compute.stepping_state, dict(size=5, kernel_size=3, stride=1, padding=0, step=0),
                            {"size": count(1), "kernel_size": count(1), "stride": count(1), "padding": count(0),
                             "step": count(0)}),
    "random_keras_conv_bn": entry(keras_port.random_keras_conv_bn, dict(in_channels=3, out_channels=4, kernel_size=3,
                                                                        stride=2, seed=0),
                                  {"in_channels": count(1), "out_channels": count(1), "kernel_size": count(1),
                                   "stride": count(1), "seed": count(0)}),
    "keras_moving_mean": entry(keras_port.keras_moving_mean, dict(moving_mean=torch.zeros(3), batch_mean=torch.ones(3),
                                                                  momentum=0.99), {"momentum": real(0.0, 1.0)}),
    "port_to_torch": entry(keras_port.port_to_torch, dict(block=KERAS, size=8, permute_kernel=True, eps=1e-3,
                                                          momentum=0.01, explicit_padding=True),
                           {"size": count(1), "permute_kernel": BOOL, "eps": OPTIONAL_REAL(0.0),
                            "momentum": OPTIONAL_REAL(0.0, 1.0), "explicit_padding": BOOL}),
    "normalize_over": entry(norms.normalize_over, dict(x=NCHW, dims=(0, 2, 3), eps=1e-5),
                            {"dims": Kind("dims"), "eps": real(0.0, open_low=True)}),
    "group_norm_by_hand": entry(norms.group_norm_by_hand, dict(x=NCHW, groups=2, eps=1e-5),
                                {"groups": count(1), "eps": real(0.0, open_low=True)}),
    "norm_equivalences": entry(norms.norm_equivalences, dict(shape=(2, 4, 3, 3), seed=0),
                               {"shape": Kind("shape4"), "seed": count(0)}),
    "statistics_groups": entry(norms.statistics_groups, dict(norm="GroupNorm", batch=2, channels=4, groups=2),
                               {"norm": choice(*norms.NORMS), "batch": count(1), "channels": count(1),
                                "groups": count(1)}),
    "table1": entry(table1.table1, dict(depths=(18, 50)), {"depths": Kind("imagenet_depths")}, cheap=False),
    "activation_memory": entry(table1.activation_memory, dict(depth=18, batch_size=1, input_size=64, bytes_per_value=4),
                               {"depth": choice(*rt.STAGES), "batch_size": count(1), "input_size": count(1),
                                "bytes_per_value": count(1)}, cheap=False),
    "stage_receptive_fields": entry(table1.stage_receptive_fields, dict(model=rt.build_on_meta(rt.resnet18),
                                                                        measure=False), {"measure": BOOL}),
    "tf_slim_v1_layers": entry(table1.tf_slim_v1_layers, dict(blocks=(1, 1, 1, 1)), {"blocks": Kind("blocks")}),
    "transpose_is_conv_gradient": entry(transposed.transpose_is_conv_gradient,
                                        dict(size=7, kernel_size=3, stride=2, padding=1, seed=0),
                                        {**TRANSPOSE, "stride": count(1), "padding": count(0)}),
    "full_padding_equivalence": entry(transposed.full_padding_equivalence, dict(size=4, kernel_size=3, seed=0),
                                      TRANSPOSE),
    "non_square_text": entry(transposed.non_square_text, dict(size=(5, 7), kernel_size=3, stride=2, padding=1,
                                                              dilation=1),
                             {"size": pair(1), "kernel_size": pair(1), "stride": pair(1), "padding": pair(0),
                              "dilation": pair(1)}),
    "variant_table": entry(variants.variant_table, dict(names=("resnet50",)), {"names": Kind("names")}, cheap=False),
    "bottleneck_convs": entry(variants.bottleneck_convs, dict(name="resnet50", stage=1),
                              {"name": choice(*variants.VARIANT_BUILDERS), "stage": count(1, 4)}, cheap=False),
    "torchvision_parity": entry(variants.torchvision_parity, dict(name="resnet50", size=32, seed=0),
                                {"name": choice(*variants.VARIANT_BUILDERS), "size": count(32), "seed": count(0)},
                                cheap=False),
    "projection_pixels": entry(variants.projection_pixels, dict(avg_down=True, size=8),
                               {"avg_down": BOOL, "size": count(2)}),
    "signal_view": entry(why.signal_view, dict(depth=8, kind="residual", data=TINY, seed=0),
                         {"depth": count(8, 56), "kind": choice(*shattered.KINDS), "seed": count(0)}, cheap=False),
    "lesion_training_plan": entry(why.lesion_training_plan, dict(depth=8, epochs=1, seed=0),
                                  {"depth": count(8), "epochs": count(1), "seed": count(0)}),
    "train_lesion_networks": entry(why.train_lesion_networks, dict(data=TINY, depth=8, epochs=1, seed=0,
                                                                   progress=False),
                                   {"depth": count(8), "epochs": count(1), "seed": count(0)}, cheap=False),
})


# structured parameters: their own bad values
STRUCTURED = {
    "layers": st.one_of(st.just([2, 2, 2]), st.just("2222"), st.just(4), st.just([2, 2, 2, True]),
                        st.just([2, 2, 0, 2]), st.just([2, 2, 2.0, 2]), st.none()),
    "flags": st.one_of(st.just("abc"), st.just(3), st.just([True, False]), st.just([1, 0, 0]),
                       st.just([False, False, "yes"]), st.just((True,) * 4)),
    "widths": st.one_of(st.just(16), st.just("abc"), st.just((16, 32)), st.just((16, 32, 0)),
                        st.just((16, 32, 64.0)), st.just((16, True, 64)), st.none()),
    "shape": st.one_of(st.just(5), st.just("1x1"), st.just((1,)), st.just((1, 1, 0, 5)), st.just((1, 1, 5.0, 5)),
                       st.just((1, True, 5, 5)), st.none()),
    "shape4": st.one_of(st.just(5), st.just("1x1"), st.just((2, 2, 2)), st.just((2, 2, 0, 2)),
                        st.just((2, 2, 2.0, 2)), st.just((2, True, 2, 2)), st.none()),
    "coords": st.one_of(st.just("ab"), st.just(3), st.just([1.0]), st.just([0.0, float("nan")]),
                        st.just([True, 1.0]), st.just([0.0, "x"]), st.none()),
    "indices": st.one_of(st.just("01"), st.just(0), st.just((0,)), st.just((0, 1, 2)), st.just((0, 0)),
                         st.just((0, -1)), st.just((0, 1.0)), st.just((True, 1)), st.just((0, 10**6)), st.none()),
    "dims": st.one_of(st.just("023"), st.just(0.5), st.just((0, 2.0)), st.just((0, True)), st.just((0, 7)),
                      st.just((0, 0)), st.just(()), st.none()),
    "blocks": st.one_of(st.just("3463"), st.just(3), st.just((3, 4, 6)), st.just((3, 4, 0, 3)), st.just((3, 4, 6.0, 3)),
                        st.just((3, True, 6, 3)), st.none()),
    "imagenet_depths": st.one_of(st.just("18"), st.just(18), st.just(()), st.just((18, 19)),
                                 st.just((True,)), st.none()),
    "names": st.one_of(st.just("resnet50"), st.just(50), st.just(("resnet51",)), st.just((None,)), st.none()),
    "depths": st.one_of(st.just("8,32"), st.just(8), st.just((8,)), st.just((8, 14, 20)), st.just((8.0, 14)),
                        st.just((14, 8)), st.just((8, 15)), st.just((True, 14)), st.just((2, 14)), st.none()),
}


def _bad(kind: Kind) -> st.SearchStrategy:
    if kind.name not in STRUCTURED:
        return bad_values(kind)
    return STRUCTURED[kind.name].filter(lambda v: not (kind.optional and v is None))


@pytest.mark.parametrize("name, param", [(n, p) for n, e in ENTRIES.items() for p in sorted(e.params)])
@RULES
@given(data=st.data())
def test_nonsense_is_a_readable_error(name, param, data):
    e = ENTRIES[name]
    bad = data.draw(_bad(e.params[param]), label="value")
    with pytest.raises((TypeError, ValueError)) as info:
        e.call(**{**e.base, param: bad})
    message = str(info.value)
    assert param in message and "must" in message, (param, bad, message)


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, nn.Module):  # and its plain attributes (depth, num_classes, ...) of the same type
        plain = [(k, v) for k, v in vars(a).items() if isinstance(v, (int, float, str)) and not k.startswith("_")]
        return (repr(a) == repr(b) and [p.shape for p in a.parameters()] == [p.shape for p in b.parameters()]
                and all(_same(v, getattr(b, k)) for k, v in plain))
    if isinstance(a, torch.Tensor):  # NaN marks "not computed yet" in some results: equal to NaN
        return a.dtype == b.dtype and a.shape == b.shape and bool(torch.isclose(a, b, 0, 0, equal_nan=True).all())
    if dataclasses.is_dataclass(a):
        return all(_same(getattr(a, f.name), getattr(b, f.name)) for f in dataclasses.fields(a))
    if isinstance(a, (list, tuple)):
        return type(a) is type(b) and len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    return type(a) is type(b) and a == b


def _numeric(e: Entry) -> list[str]:
    return sorted(p for p, k in e.params.items() if k.name in ("count", "pair", "float")
                  and isinstance(e.base.get(p), (int, float)) and not isinstance(e.base.get(p), bool))


@pytest.mark.parametrize("name", [n for n, e in ENTRIES.items() if e.cheap and _numeric(e)])
@settings(max_examples=5, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_numpy_and_torch_scalars_are_the_numbers_they_are(name, data):
    e = ENTRIES[name]
    param = data.draw(st.sampled_from(_numeric(e)), label="parameter")
    kind, value = e.params[param], e.base[param]
    other = data.draw(equivalent_values(kind, value), label="spelled as")
    with torch.random.fork_rng():
        torch.manual_seed(0)
        expected = e.call(**e.base)
    with torch.random.fork_rng():
        torch.manual_seed(0)
        got = e.call(**{**e.base, param: other})
    assert _same(got, expected), (param, other)


@pytest.mark.parametrize("name", ["conv_output_size", "pool_output_size", "same_padding", "effective_kernel_size"])
@RULES
@given(size=st.integers(10**6, 10**30), kernel=st.integers(1, 10**6), stride=st.integers(1, 10**6))
def test_huge_sizes_are_computed_exactly(name, size, kernel, stride):
    """Python integers do not overflow: a huge input gives the exact answer of the formula."""
    if name == "conv_output_size":
        assert rt.conv_output_size(size, kernel, stride) == (size - kernel) // stride + 1
    elif name == "pool_output_size":
        assert rt.pool_output_size(size, kernel, stride) == (size - kernel) // stride + 1
    elif name == "same_padding":
        before, after = rt.same_padding(size, kernel, stride)
        out = -(-size // stride)
        assert before + after == max((out - 1) * stride + kernel - size, 0) and 0 <= after - before <= 1
    else:
        assert rt.effective_kernel_size(kernel, stride) == stride * (kernel - 1) + 1


# --- the table covers the public API ----------------------------------------------------------

# Public callables whose parameters are not numbers, bools or choices (or are checked as a whole
# elsewhere), with the reason.
EXEMPT = {
    "receptive_field": "its layers are modules or tuples: tests/test_bad_inputs.py",
    "receptive_field_steps": "as receptive_field",
    "measured_receptive_field": "tuples of layers: tests/test_lesson_conv.py",
    "build_on_meta": "takes a builder and its keyword arguments, checked by the builder",
    "check_depths": "tested through DegradationSettings and run_degradation (depths)",
    "run_names": "as check_depths",
    "run_degradation_cifar10": "needs CIFAR-10 on disk; its depths/seed/epochs go to run_degradation",
    "block_diagram": "a block and a shape: tests/test_lesson_blocks.py",
    "text_table": "strings only",
    "format_table": "rows of dicts",
    "layer_macs": "a module and the shape it produced (from a trace)",
    "cifar10_from_disk": "a folder name: tests/test_degradation.py",
    "rerun": "takes a RerunPlan made by plan_rerun",
    "ShapeTrace": "a list of TraceRow, made by trace_shapes",
    "flops_table": "depths are checked by torchvision_reference's rule: tests/test_lesson_networks.py",
}


def _public_callables():
    modules = [rt] + [importlib.import_module(f"resnet_teach.{m.name}") for m in pkgutil.iter_modules(rt.__path__)
                      if m.name not in ("plots", "widgets") and not m.name.startswith("_")]
    for package in ("resnet_teach.lessons",):
        pkg = importlib.import_module(package)
        modules += [importlib.import_module(f"{package}.{m.name}") for m in pkgutil.iter_modules(pkg.__path__)]
    seen = set()
    for module in modules:
        for name in getattr(module, "__all__", []):
            obj = getattr(module, name)
            if not callable(obj) or id(obj) in seen or name.startswith("check_") or name == "compare":
                continue  # exercise checkers take any answer and give feedback
            seen.add(id(obj))
            yield name, obj


def _scalar_parameters(obj) -> list[str]:
    try:
        signature = inspect.signature(obj)
    except (TypeError, ValueError):
        return []
    return [p.name for p in signature.parameters.values()
            if p.default is not inspect.Parameter.empty and isinstance(p.default, (int, float, str, bool, tuple))]


def _record(obj) -> bool:
    """A dataclass that only holds results (made by the package, not by the user)."""
    return (inspect.isclass(obj) and dataclasses.is_dataclass(obj)
            and obj not in (rt.TrainConfig, rt.DegradationSettings))


def test_every_public_entry_point_is_covered():
    covered = {id(e.target) for e in ENTRIES.values()}
    missing = [name for name, obj in _public_callables()
               if _scalar_parameters(obj) and id(obj) not in covered and name not in EXEMPT
               and not _record(obj)]
    assert missing == [], f"add these to ENTRIES (or to EXEMPT with a reason): {missing}"
