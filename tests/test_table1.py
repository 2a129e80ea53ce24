"""Notebook 04's new sections: Table 1 from our modules, activation memory, receptive fields."""
import pytest
import torch

from resnet_teach import receptive_field, resnet18, resnet50
from resnet_teach.lessons import table1 as t1
from resnet_teach.lessons.networks import build_on_meta


def test_table1_matches_the_paper():
    t = t1.table1()
    paper = t1.PAPER_TABLE1
    assert t["output size"] == paper["output size"] and t["blocks"] == paper["blocks"]
    for depth, filters in t["filters"].items():
        assert filters == paper["bottleneck filters" if depth >= 50 else "basic filters"]
    for depth, g in t["GMACs"].items():
        assert abs(g - paper["GFLOPs"][depth]) / paper["GFLOPs"][depth] < 0.02
    assert len(t["rows"]) == 7 and t["rows"][0]["output size"] == "112x112"


def test_table1_would_catch_a_wrong_network():
    t = t1.table1(depths=(50,))
    assert t["blocks"][50] == [3, 4, 6, 3]
    assert t1.table1(depths=(34,))["filters"][34] != t1.PAPER_TABLE1["bottleneck filters"]


@pytest.mark.parametrize("depth", [18, 50])
def test_activation_memory_from_shapes_equals_real_tensors(depth):
    from resnet_teach.lessons.networks import IMAGENET_BUILDERS
    shapes = {r["stage"]: r["values"] for r in t1.activation_memory(depth, batch_size=2, input_size=96)}
    real = t1.counted_output_values(IMAGENET_BUILDERS[depth]().eval(), torch.zeros(2, 3, 96, 96))
    assert shapes == real


def test_activation_memory_scales_with_the_batch():
    one, many = t1.activation_memory(18, 1), t1.activation_memory(18, 64)
    assert all(b["values"] == 64 * a["values"] for a, b in zip(one, many))
    with pytest.raises(ValueError, match="batch_size=0"):
        t1.activation_memory(18, 0)


def test_receptive_fields_formula_autograd_and_the_483():
    for builder, last in ((resnet18, 435), (resnet50, 427)):
        rows = t1.stage_receptive_fields(build_on_meta(builder))
        assert all(r["receptive field"] == r["measured"] for r in rows) and rows[-1]["receptive field"] == last
    v1 = t1.stage_receptive_fields(build_on_meta(resnet50, stride_in_1x1=True), measure=False)
    assert v1[-1]["receptive field"] == receptive_field(t1.tf_slim_v1_layers()) == 483
    with pytest.raises(TypeError, match="must be a ResNet"):
        t1.main_path_layers(torch.nn.Conv2d(1, 1, 1))


@pytest.mark.parametrize("checker,right,mistakes", [
    (t1.check_stem_activation_bytes, 205_520_896, [3_211_264, 51_380_224, 822_083_584]),
    (t1.check_rf_growth, (32, 64), [(64, 64), (32, 32), (2, 2), (16, 32), (48, 96)]),
])
def test_exercises_name_the_mistakes(checker, right, mistakes):
    assert checker(right).correct
    messages = {checker(w).message.split(". ", 1)[1] for w in mistakes}
    assert len(messages) == len(mistakes) and not any(checker(w).correct for w in mistakes)
    assert "Replace" in checker(...).message and not checker("x").correct


def test_autograd_saved_bytes_measures_what_the_estimate_approximates():
    """activation_memory is an estimate from module outputs; autograd's saved tensors (max-pool
    indices in int64, the input, ...) come out a little above it, never below, for ResNet-18."""
    torch.manual_seed(0)
    model = resnet18().train()
    estimate = sum(r["values"] for r in t1.activation_memory(18, batch_size=1)) * 4
    measured = t1.autograd_saved_bytes(model, torch.zeros(1, 3, 224, 224))
    assert estimate < measured < 1.2 * estimate
    with pytest.raises(TypeError, match="model must be an nn.Module"):
        t1.autograd_saved_bytes(None, torch.zeros(1, 3, 32, 32))
    with pytest.raises(TypeError, match="x must be a torch.Tensor"):
        t1.autograd_saved_bytes(model, [1, 2])
