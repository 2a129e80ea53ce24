"""Notebook 07: the exercise checkers (every likely mistake gets its own message) and the widgets."""

import math
import re

import pytest
import torch

from resnet_teach import digits
from resnet_teach.data import Split
from resnet_teach.exercises import NOT_ANSWERED
from resnet_teach.lessons import why as lesson
from resnet_teach.lessons import why_exercises as exercises
from resnet_teach.shattered import make_network


@pytest.fixture(scope="module")
def data():
    return digits("train")


def messages(check, answers):
    out = {a: check(a) for a in answers}
    assert not any(out.values()), {a: str(f) for a, f in out.items() if f}
    return [f.message for f in out.values()]


def test_placeholder_is_not_an_answer():
    for check in (exercises.check_path_count, exercises.check_blocks_per_stage_1001, exercises.check_filter_norm):
        assert check(...).message == NOT_ANSWERED and not check(None)
    assert exercises.check_worst_lesion_stage(..., {"none": 1.0, "layer1.0": 0.2}).message == NOT_ANSWERED


LESIONS = {"none": 0.97, "layer1.0": 0.24, "layer1.1": 0.7, "layer2.1": 0.94, "layer3.1": 0.96}


def test_worst_lesion_stage():
    assert exercises.check_worst_lesion_stage(1, LESIONS) and exercises.check_worst_lesion_stage("layer1", LESIONS)
    assert "layer1.0" in exercises.check_worst_lesion_stage(1, LESIONS).message
    msgs = messages(lambda a: exercises.check_worst_lesion_stage(a, LESIONS), [2, 3, 4, "x"])
    assert len(set(msgs)) == 4
    assert "nearest the output" in msgs[1] and "1, 2 or 3" in msgs[2]
    assert "middle stage" in msgs[0] and "not in the study" in msgs[0]  # per-stage feedback
    # a worst lesion in stage 3: answering 1 gets its own message, which names the worst block
    late = {"none": 0.9, "layer1.0": 0.8, "layer2.1": 0.85, "layer3.1": 0.1}
    msgs = messages(lambda a: exercises.check_worst_lesion_stage(a, late), [1, 2])
    assert "nearest the input" in msgs[0] and "layer3.1" in msgs[0] and "layer3.1" in msgs[1]
    # the expected stage comes from the results, not from a constant
    assert exercises.check_worst_lesion_stage(3, {"none": 0.9, "layer1.0": 0.8, "layer3.1": 0.1})
    for not_a_stage in (1.5, True):  # int() would truncate 1.5 to a right answer
        assert "1, 2 or 3" in messages(lambda a: exercises.check_worst_lesion_stage(a, LESIONS), [not_a_stage])[0]


def test_path_count():
    assert exercises.check_path_count(24804) and exercises.check_path_count(24804.0)  # ResNet-110: C(54, 3)
    wrong = [2**54, 162, 54**3, 148824, 3**54, 22100, 455, 816, math.comb(110, 3), 7, "x", 24804.5]
    msgs = messages(exercises.check_path_count, wrong)
    assert len(set(msgs[:9])) == 9  # each likely mistake named
    assert "2^54" in msgs[0] and "52 blocks" in msgs[5] and "resnet-32" in msgs[6] and "one stage" in msgs[7]
    assert exercises.check_path_count(455, n=15)  # the checker's answer comes from n and k


def test_blocks_per_stage_1001():
    assert exercises.check_blocks_per_stage_1001(111)
    wrong = [166.5, 166, 167, 333, 499.5, 1001 / 9, 12, "z"]
    msgs = messages(exercises.check_blocks_per_stage_1001, wrong)
    assert len(set(msgs[:6])) == 6
    assert "basic-block rule" in msgs[0] and "all three stages" in msgs[3]
    assert "projection shortcuts" in exercises.check_blocks_per_stage_1001((1001 - 5) / 9).message
    assert "rounded down" in exercises.check_blocks_per_stage_1001(110).message


def test_filter_norm():
    assert exercises.check_filter_norm((0.375, 0.625)) and exercises.check_filter_norm([0.625, 0.375])
    wrong = [0.5, 0.125, math.hypot(0.5, 0.125), (0.25, 1.25), (-0.25, 1.25), (0, 1), (0.25, 0.75),
             (0.5, 0.625), (0.3, 0.7), "a", (1, 2, 3)]
    msgs = messages(exercises.check_filter_norm, wrong)
    assert len(set(msgs[:9])) == 9
    assert "after filter normalization" in msgs[0] and "before normalization" in msgs[3]
    assert "full step" in msgs[5] and "unit vector" in msgs[6] and "against w" in msgs[7]
    assert "two numbers" in msgs[9] and "two numbers" in msgs[10]
    rounded = messages(exercises.check_filter_norm, [0.515, 0.625, 0.375])
    assert "typical case" in rounded[0] and "largest" in rounded[1] and "smallest" in rounded[2]
    # the explanation follows the step it was given: a step of 0.5 moves the filter by half its norm
    half = exercises.check_filter_norm((0.25, 0.75), step=0.5)
    assert half and "0.5 times its own norm" in half.message and "quarter" not in half.message
    assert "0.25 times its own norm" in exercises.check_filter_norm((0.375, 0.625)).message


def test_lag1_verdict_uses_the_notebooks_bound():
    assert lesson.lag1_verdict(0.9) == "smooth" and lesson.lag1_verdict(0.3) == "rough"
    assert lesson.lag1_verdict(0.24).startswith("shattered") and lesson.lag1_verdict(-0.24).startswith("shattered")
    assert lesson.lag1_verdict(-0.3).startswith("anti-correlated")


def test_signal_view_and_its_messages(data):
    torch.manual_seed(0)
    before = torch.get_rng_state()
    view = lesson.signal_view(14, "preact", data, seed=1)
    assert torch.equal(before, torch.get_rng_state())
    assert view["text"].startswith("pre-activation (v2), depth 14, seed 1: lag-1 autocorrelation")
    for depth in (9, 62, 2):
        with pytest.raises(
            ValueError, match=f"depth={depth} must be one of the CIFAR depths 6n\\+2 this widget"
        ):
            lesson.signal_view(depth, "plain", data)
    with pytest.raises(ValueError, match="kind='wide'"):
        lesson.signal_view(14, "wide", data)
    with pytest.raises(TypeError, match="depth=True"):
        lesson.signal_view(True, "plain", data)


@pytest.fixture(scope="module")
def models():
    return {"resnet-14": make_network(14, "residual", 0), "plain-14": make_network(14, "plain", 0)}


def test_lesion_view_and_its_messages(models, data):
    small = Split(data.images[:64], data.labels[:64])
    text = lesson.lesion_view(models, "resnet-14", "layer3.1", small)
    assert re.match(
        r"resnet-14 without layer3.1: test accuracy \d\.\d\d \(all blocks: \d\.\d\d; change [+-]\d\.\d\d\)",
        text,
    )
    with pytest.raises(ValueError, match="name='layer2.0' changes the shape"):
        lesson.lesion_view(models, "plain-14", "layer2.0", small)
    with pytest.raises(ValueError, match="network='vgg'"):
        lesson.lesion_view(models, "vgg", "layer1.0", small)


def test_widgets_show_messages_not_tracebacks(models, data):
    pytest.importorskip("ipywidgets")
    from resnet_teach.widgets.why import lesion_explorer, signal_explorer

    box = signal_explorer(data, depth=8, kind="plain", draw=False)
    assert "plain, depth 8, seed 0" in box.text.value
    for kind in ("plain", "residual", "preact"):
        box.controls["kind"].value = kind
        assert "lag-1 autocorrelation" in box.text.value and "rt-message" not in box.text.value
    box.controls["depth"].value = 14
    assert "depth 14" in box.text.value

    small = Split(data.images[:64], data.labels[:64])
    box = lesion_explorer(models, small)
    assert "resnet-14 without layer3.1" in box.text.value
    box.controls["block"].value = "layer2.0"  # changes the shape: a message, not a traceback
    assert "rt-message" in box.text.value and "changes the shape" in box.text.value
    box.controls["network"].value = "plain-14"
    box.controls["block"].value = "layer1.0"
    assert "plain-14 without layer1.0" in box.text.value


def test_plots_draw_and_reject_empty_input(data):
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from resnet_teach.lesion import path_length_counts
    from resnet_teach.plots import why as P
    from resnet_teach.shattered import shattering

    signal = shattering(8, "plain", data, seed=0)
    for fig in (
        P.plot_signals({"plain-8": signal, "resnet-8": signal}),
        P.plot_lesions({"resnet-14": LESIONS}),
        P.plot_path_lengths(path_length_counts(5), [1.0, 2.0, 3.0, 2.0, 1.0, 0.5]),
        P.plot_surfaces({"a": torch.rand(5, 5), "b": torch.rand(5, 5)}, [-1, -0.5, 0, 0.5, 1]),
        P.plot_layer_norms({"plain-8": {"conv1": 1.0, "fc": 0.1}, "preact-8": {"conv1": 0.5, "fc": 0.2}}),
    ):
        assert fig.axes
        plt.close(fig)
    for plot in (P.plot_signals, P.plot_lesions, P.plot_layer_norms):
        with pytest.raises(ValueError, match="must name at least one network"):
            plot({})


def test_views_split_into_question_and_answer(models, data):
    view = lesson.signal_view(8, "plain", data)
    assert view["question"] == "plain, depth 8, seed 0: lag-1 autocorrelation"
    assert view["text"] == f"{view['question']} {view['answer']}"
    assert re.fullmatch(r"[+-]\d\.\d\d \((smooth|rough|shattered: close to white noise)\)", view["answer"])
    assert float(view["answer"].split()[0]) == pytest.approx(view["lag1"], abs=0.005)

    from resnet_teach.lesion import lesioned
    from resnet_teach.train import evaluate

    small = Split(data.images[:64], data.labels[:64])
    question, answer = lesson.lesion_parts(models, "resnet-14", "layer3.1", small)
    assert question == "resnet-14 without layer3.1: test accuracy"
    assert lesson.lesion_view(models, "resnet-14", "layer3.1", small) == f"{question} {answer}"
    base = evaluate(models["resnet-14"], small)["accuracy"]
    without = evaluate(lesioned(models["resnet-14"], "layer3.1"), small)["accuracy"]
    assert answer == f"{without:.2f} (all blocks: {base:.2f}; change {without - base:+.2f})"


def test_train_lesion_networks_is_the_notebooks_recipe(data):
    from resnet_teach import train

    small = Split(data.images[:256], data.labels[:256])
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(123)
        before = torch.get_rng_state()
        models = lesson.train_lesion_networks(small, depth=8, epochs=1, seed=0, progress=False)
        assert torch.equal(before, torch.get_rng_state()), "the caller's global RNG must be left alone"
        assert list(models) == ["resnet-8", "plain-8"]
        assert models["resnet-8"].residual and not models["plain-8"].residual
        for name, kind in (("resnet-8", "residual"), ("plain-8", "plain")):
            twin = make_network(8, kind, seed=0)
            init = {k: v.clone() for k, v in twin.state_dict().items()}
            train(twin, small, 1, seed=0, progress=False)  # what notebook 07's cell does, at depth 8
            trained = models[name].state_dict()
            assert all(torch.equal(trained[k], v) for k, v in twin.state_dict().items()), name
            assert not all(torch.equal(trained[k], v) for k, v in init.items()), f"{name} was not trained"


def test_train_lesion_networks_bad_inputs(data):
    for kwargs, error, match in [
        ({"depth": 9}, ValueError, r"depth=9 must be a CIFAR depth 6n\+2"),
        ({"depth": True}, TypeError, "depth=True"),
        ({"epochs": 0}, ValueError, "epochs=0 must be >= 1"),
        ({"seed": -1}, ValueError, "seed=-1 must be >= 0"),
        ({"data": "digits"}, TypeError, "data must be a resnet_teach.Split"),
    ]:
        with pytest.raises(error, match=match):
            lesson.train_lesion_networks(**kwargs)
    with pytest.raises(TypeError, match="epochs=2.0"):
        lesson.lesion_training_plan(epochs=2.0)


def test_the_deck_trains_what_notebook_07_trains():
    """The lesion networks of the deck (train_lesion_networks' defaults) are notebook 07's."""
    from pathlib import Path

    source = (Path(__file__).resolve().parent.parent / "notebooks" / "src"
              / "07_why_residual_networks_train.py").read_text()
    assert f"make_network({lesson.LESION_DEPTH}, kind, seed=0)" in source
    assert f"train(model, train_split, {lesson.LESION_EPOCHS}, seed=0)" in source
    plan = lesson.lesion_training_plan()
    assert f"resnet-{lesson.LESION_DEPTH} and plain-{lesson.LESION_DEPTH}" in plan
    assert f"{lesson.LESION_EPOCHS} epoch(s) each" in plan
