"""Notebook 02 (batch normalization): the momentum explorer's logic at every slider extreme,
the "forgot eval()" measurement, the exercise checkers, the widget and the plots."""
import copy
import itertools

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
from torch import nn  # noqa: E402

from resnet_teach import Split, cifar_resnet, evaluate  # noqa: E402
from resnet_teach.exercises import NOT_ANSWERED  # noqa: E402
from resnet_teach.lessons import batchnorm as lesson  # noqa: E402
from resnet_teach.lessons import batchnorm_exercises as exercises  # noqa: E402

# the widget's slider ranges (kept in step with resnet_teach/widgets/batchnorm.py by a test below)
MOMENTA = (0.0, 0.01, 0.5, 1.0, None)
STEPS = (1, 300)
BATCH_SIZES = (1, 2, 64)
SIZES = (1, 2, 8)


# ---------------------------------------------------------------- momentum_trajectory

@pytest.mark.parametrize("momentum,steps,batch_size,size",
                         list(itertools.product(MOMENTA, STEPS, BATCH_SIZES, SIZES)))
def test_every_slider_extreme_runs_or_explains(momentum, steps, batch_size, size):
    if batch_size * size * size == 1:
        with pytest.raises(ValueError, match=r"batch_size=1 with size=1.*Expected more than 1 value"):
            lesson.momentum_trajectory(momentum, steps, batch_size, size)
        return
    traj = lesson.momentum_trajectory(momentum, steps, batch_size, size)
    assert traj.max_difference < 1e-5  # nn.BatchNorm2d follows the formula at every step
    assert len(traj.running_mean) == len(traj.running_var) == steps + 1
    assert len(traj.batch_mean) == len(traj.factors) == steps
    assert traj.num_batches_tracked == steps
    assert (traj.running_mean[0], traj.running_var[0]) == (0.0, 1.0)
    assert all(v > 0 for v in traj.running_var)
    assert len(traj.formula_text()) == 2


def test_max_steps_runs():
    traj = lesson.momentum_trajectory(0.01, lesson.MAX_STEPS, batch_size=2, size=1)
    assert traj.max_difference < 1e-5 and traj.num_batches_tracked == lesson.MAX_STEPS


def test_formula_is_checked_independently_of_pytorch():
    # recompute the update from the recorded batch statistics, by the textbook definitions
    traj = lesson.momentum_trajectory(0.3, steps=20, batch_size=3, size=2)
    mean, var = 0.0, 1.0
    m = traj.values_per_channel
    for t in range(traj.steps):
        assert traj.batch_var_unbiased[t] == pytest.approx(traj.batch_var_biased[t] * m / (m - 1))
        mean = 0.7 * mean + 0.3 * traj.batch_mean[t]
        var = 0.7 * var + 0.3 * traj.batch_var_unbiased[t]
        assert traj.running_mean[t + 1] == pytest.approx(mean, abs=1e-5)
        assert traj.running_var[t + 1] == pytest.approx(var, abs=1e-5)


def test_momentum_extremes_and_none():
    zero = lesson.momentum_trajectory(0.0, steps=10)
    assert set(zero.running_mean) == {0.0} and set(zero.running_var) == {1.0}
    assert zero.initial_weight() == 1.0
    one = lesson.momentum_trajectory(1.0, steps=10)
    assert one.running_mean[1:] == pytest.approx(one.batch_mean, abs=1e-5)
    assert one.running_var[1:] == pytest.approx(one.batch_var_unbiased, rel=1e-5)
    assert one.initial_weight() == 0.0
    cumulative = lesson.momentum_trajectory(None, steps=10)
    for t in range(1, 11):  # the plain average of the first t batches
        assert cumulative.running_mean[t] == pytest.approx(sum(cumulative.batch_mean[:t]) / t, abs=1e-5)
        average_var = sum(cumulative.batch_var_unbiased[:t]) / t
        assert cumulative.running_var[t] == pytest.approx(average_var, rel=1e-5)
    assert cumulative.factors == pytest.approx([1 / t for t in range(1, 11)])
    assert lesson.momentum_trajectory(0.1, steps=7).initial_weight() == pytest.approx(0.9 ** 7)


def test_running_statistics_converge_to_the_data():
    traj = lesson.momentum_trajectory(None, steps=400, batch_size=16, size=4, data_mean=-2.0, data_std=0.5)
    assert traj.running_mean[-1] == pytest.approx(-2.0, abs=0.02)
    assert traj.running_var[-1] == pytest.approx(0.25, rel=0.05)


def test_trajectory_is_deterministic():
    a, b = lesson.momentum_trajectory(0.1, 30), lesson.momentum_trajectory(0.1, 30)
    assert a.running_mean == b.running_mean and a.running_var == b.running_var
    assert lesson.momentum_trajectory(0.1, 30, seed=1).running_mean != a.running_mean


def test_formula_text_fills_in_the_numbers():
    traj = lesson.momentum_trajectory(0.25, steps=5)
    mean_line, var_line = traj.formula_text(3)
    assert mean_line == (f"running_mean = (1 - 0.25) * {traj.running_mean[2]:.4f} + 0.25 * "
                         f"{traj.batch_mean[2]:.4f} = {traj.running_mean[3]:.4f}")
    assert var_line.startswith("running_var = (1 - 0.25)")
    assert "1/5" in lesson.momentum_trajectory(None, steps=5).formula_text()[0]
    with pytest.raises(ValueError, match="step=6 must be <= steps=5"):
        traj.formula_text(6)
    with pytest.raises(ValueError, match="step=0 must be >= 1"):
        traj.formula_text(0)


@pytest.mark.parametrize("kwargs,error,match", [
    (dict(momentum=-0.1), ValueError, r"momentum=-0.1 must be >= 0"),
    (dict(momentum=1.5), ValueError, r"momentum=1.5 must be <= 1"),
    (dict(momentum="0.1"), TypeError, r"momentum='0.1' must be a number"),
    (dict(momentum=float("nan")), ValueError, r"momentum=nan must be a finite number"),
    (dict(steps=0), ValueError, r"steps=0 must be >= 1"),
    (dict(steps=lesson.MAX_STEPS + 1), ValueError,
     rf"steps={lesson.MAX_STEPS + 1} must be <= {lesson.MAX_STEPS}"),
    (dict(steps=2.5), TypeError, r"steps=2.5 must be an int"),
    (dict(batch_size=0), ValueError, r"batch_size=0 must be >= 1"),
    (dict(size=0), ValueError, r"size=0 must be >= 1"),
    (dict(data_std=0.0), ValueError, r"data_std=0.0 must be > 0"),
    (dict(seed=-1), ValueError, r"seed=-1 must be >= 0"),
])
def test_bad_arguments_are_named(kwargs, error, match):
    with pytest.raises(error, match=match):
        lesson.momentum_trajectory(**kwargs)


# ---------------------------------------------------------------- accuracy_without_eval

def _tiny_data(n=40):
    gen = torch.Generator().manual_seed(0)
    return Split(torch.randn(n, 1, 8, 8, generator=gen), torch.arange(n) % 10)


def _tiny_net(norm_layer=None):
    torch.manual_seed(0)
    return cifar_resnet(8, residual=False, in_channels=1, widths=(4, 4, 4), norm_layer=norm_layer)


def test_accuracy_without_eval_leaves_the_model_alone_by_default():
    net, data = _tiny_net().eval(), _tiny_data()
    state = copy.deepcopy(net.state_dict())
    acc = lesson.accuracy_without_eval(net, data, batch_size=4)
    assert 0.0 <= acc <= 1.0
    assert not net.training
    for name, value in net.state_dict().items():
        assert torch.equal(value, state[name]), name


def test_accuracy_without_eval_in_place_updates_running_statistics():
    net, data = _tiny_net(), _tiny_data()
    lesson.accuracy_without_eval(net, data, batch_size=8, in_place=True)
    assert net.bn1.num_batches_tracked.item() == 5  # 40 images / 8
    assert not torch.equal(net.bn1.running_mean, torch.zeros_like(net.bn1.running_mean))


def test_accuracy_without_eval_uses_batch_statistics():
    # by hand: a training-mode forward pass per batch, compared with the function's count
    net, data = _tiny_net(), _tiny_data()
    with torch.no_grad():
        net.bn1.running_mean.fill_(5.0)  # running statistics that would change eval() results
        expected_net = copy.deepcopy(net).train()
        correct = sum((expected_net(data.images[i:i + 10]).argmax(1) == data.labels[i:i + 10]).sum().item()
                      for i in range(0, 40, 10))
    assert lesson.accuracy_without_eval(net, data, batch_size=10) == correct / 40


def test_accuracy_without_eval_sorted_batches_and_no_bn():
    data = _tiny_data()
    plain = _tiny_net(lambda c: nn.Identity())  # without BN the mode does not matter
    for sort in (False, True):
        expected = evaluate(plain, data)["accuracy"]
        assert lesson.accuracy_without_eval(plain, data, 7, sort_by_label=sort) == expected
    # with BN, sorting decides which images share a batch: compare with the sorted order by hand
    net = _tiny_net()
    order = torch.argsort(data.labels, stable=True)
    x, y = data.images[order], data.labels[order]
    with torch.no_grad():
        by_hand = copy.deepcopy(net).train()
        correct = sum((by_hand(x[i:i + 4]).argmax(1) == y[i:i + 4]).sum().item() for i in range(0, 40, 4))
    assert lesson.accuracy_without_eval(net, data, 4, sort_by_label=True) == correct / 40


def test_accuracy_without_eval_bad_arguments():
    with pytest.raises(TypeError, match="model must be an nn.Module"):
        lesson.accuracy_without_eval("net", _tiny_data(), 4)
    with pytest.raises(TypeError, match="data must be a resnet_teach Split"):
        lesson.accuracy_without_eval(_tiny_net(), (torch.zeros(2, 1, 8, 8), torch.zeros(2)), 4)
    with pytest.raises(ValueError, match="batch_size=0 must be >= 1"):
        lesson.accuracy_without_eval(_tiny_net(), _tiny_data(), 0)


# ---------------------------------------------------------------- exercises

def test_exercise_1_running_stats():
    x = exercises.exercise_batch().flatten()
    mean = x.mean().item()
    unbiased = ((x - mean) ** 2).sum().item() / (len(x) - 1)
    right = (0.9 * 0 + 0.1 * mean, 0.9 * 1 + 0.1 * unbiased)
    assert exercises.check_running_stats(right).correct
    assert exercises.check_running_stats([0.3, 0.9 + 0.1 * 14 / 3]).correct  # the notebook's solution
    biased = ((x - mean) ** 2).mean().item()
    assert not exercises.check_running_stats((right[0], 0.9 + 0.1 * biased)).correct  # the biased trap
    assert not exercises.check_running_stats((mean, unbiased)).correct  # forgot momentum
    assert exercises.check_running_stats(...).message == NOT_ANSWERED
    assert not exercises.check_running_stats("0.3").correct
    assert not exercises.check_running_stats((0.3,)).correct
    # rounded to the precision the solution prints: still right
    assert exercises.check_running_stats((0.3, 1.37)).correct
    assert exercises.check_running_stats((0.30, 1.367)).correct


def test_exercise_2_which_raise():
    per_channel = [n * h * w for n, _, h, w in exercises.RAISE_SHAPES]
    right = [i for i, m in enumerate(per_channel) if m == 1]
    assert right == [0]  # the notebook's solution
    assert exercises.check_which_raise(right).correct
    assert exercises.check_which_raise((0,)).correct
    n_is_one = [i for i, s in enumerate(exercises.RAISE_SHAPES) if s[0] == 1]  # the seed's belief
    assert not exercises.check_which_raise(n_is_one).correct
    assert not exercises.check_which_raise([]).correct
    assert exercises.check_which_raise(...).message == NOT_ANSWERED
    assert not exercises.check_which_raise(0).correct  # not a list: wrong, not a crash


def test_exercise_3_first_batch_weight():
    assert exercises.check_first_batch_weight(0.1 * 0.9 ** 4).correct
    assert not exercises.check_first_batch_weight(0.1 * 0.9 ** 5).correct
    assert not exercises.check_first_batch_weight(0.2).correct  # that is momentum=None
    assert not exercises.check_first_batch_weight(0.9 ** 4).correct
    assert exercises.check_first_batch_weight(None).message == NOT_ANSWERED
    assert exercises.check_first_batch_weight(0.066).correct  # rounded: still right
    assert not exercises.check_first_batch_weight(0.059).correct  # 0.1 * 0.9**5, rounded


def test_exercise_4_two_value_batch():
    assert exercises.check_two_value_batch((1.0, -1.0)).correct
    assert exercises.check_two_value_batch([0.9999988, -0.9999988]).correct
    assert not exercises.check_two_value_batch((-1.0, 1.0)).correct
    assert not exercises.check_two_value_batch((2 / 8 ** 0.5, -2 / 8 ** 0.5)).correct  # unbiased std
    assert not exercises.check_two_value_batch((7.0, 3.0)).correct
    assert exercises.check_two_value_batch(...).message == NOT_ANSWERED
    # the notebook's claim: any two values far enough apart (compared with sqrt(eps)) give about +1, -1
    for a, b in ((1000.0, -5.0), (0.5, -0.4), (-3.0, -8.0)):
        out = nn.BatchNorm2d(1)(torch.tensor([a, b]).view(2, 1, 1, 1)).flatten()
        assert torch.allclose(out, torch.tensor([1.0, -1.0]), atol=1e-3), (a, b, out)
        assert exercises.two_value_outputs(a, b) == pytest.approx(tuple(out.tolist()))
    # ... and only those: values closer than sqrt(eps) are not pushed to +-1
    near = exercises.two_value_outputs(0.001, 0.0)
    assert near[0] < 0.5 and near[0] == pytest.approx(-near[1])
    why = str(exercises.check_two_value_batch((1.0, -1.0)))
    assert "1000 and -5 give (1.0000, -1.0000)" in why and f"({near[0]:.4f}, {near[1]:.4f})" in why
    with pytest.raises(TypeError, match="a='7' must be a number"):
        exercises.two_value_outputs("7", 3.0)


def test_the_notebooks_revealable_solutions_are_correct():
    """Each exercise cell calls exercises.check_<name>(answer); the next <details> block holds
    `answer = ...`. Run every solution through its checker, and a wrong answer too."""
    import re
    from pathlib import Path

    source = (Path(__file__).resolve().parent.parent / "notebooks" / "src" / "02_batch_norm.py").read_text()
    from resnet_teach.lessons import bn_backward, norms  # issue 15's sections

    checkers = re.findall(r"^(?:exercises|lesson_bn|bn_backward|norms)\.(check_\w+)\(answer\)$", source, flags=re.M)
    solutions = re.findall(r"<details><summary>Show solution</summary>.*?^# answer = (.+?)$", source,
                           flags=re.M | re.S)
    assert len(checkers) == len(solutions) >= 3
    for name, solution in zip(checkers, solutions):
        checker = next(getattr(m, name) for m in (exercises, bn_backward, norms) if hasattr(m, name))
        feedback = checker(eval(solution, {}))
        assert feedback.correct, (name, solution, str(feedback))
        assert not checker((-7.0, 3.0)).correct


# ---------------------------------------------------------------- widget

def test_widget_builds_and_survives_every_slider_extreme(monkeypatch):
    from resnet_teach.widgets import batchnorm as widget_module

    w = widget_module.momentum_explorer()
    assert bytes(w.image.value).startswith(b"\x89PNG")  # the real plot, once
    # the sweep checks the widget's logic and messages; drawing every position is slow, and the
    # plot at the extreme positions is tested in test_plot_at_slider_extremes
    monkeypatch.setattr(widget_module, "_png", lambda traj: b"png")
    c = w.controls
    assert "running_mean = (1 - 0.1)" in w.text.value and len(w.image.value) > 0
    # the ranges the tests sweep are the sliders' own extremes
    assert (c["momentum"].min, c["momentum"].max) == (MOMENTA[0], MOMENTA[3])
    assert (c["steps"].min, c["steps"].max) == STEPS
    assert (c["batch_size"].min, c["batch_size"].max) == (BATCH_SIZES[0], BATCH_SIZES[-1])
    assert (c["size"].min, c["size"].max) == (SIZES[0], SIZES[-1])
    for momentum, steps, batch_size, size in itertools.product(MOMENTA, STEPS, (1, 64), (1, 8)):
        c["use_none"].value = momentum is None
        if momentum is not None:
            c["momentum"].value = momentum
        c["steps"].value, c["batch_size"].value, c["size"].value = steps, batch_size, size
        assert c["momentum"].disabled == (momentum is None)
        if batch_size * size * size == 1:
            assert "rt-message" in w.text.value and "Expected more than 1 value per channel" in w.text.value
            assert w.image.layout.display == "none"
        else:
            assert "rt-message" not in w.text.value and "<code>running_var" in w.text.value
            assert w.image.layout.display is None
            assert ("1/" in w.text.value) == (momentum is None)
    plt.close("all")


def test_widget_messages_for_momentum_extremes():
    from resnet_teach.widgets.batchnorm import momentum_explorer

    w = momentum_explorer(momentum=0.0, steps=3)
    assert "never move" in w.text.value
    w.controls["momentum"].value = 1.0
    assert "last batch" in w.text.value
    w = momentum_explorer(batch_size=1, size=1)  # starting on an invalid combination is fine too
    assert "rt-message" in w.text.value


# ---------------------------------------------------------------- plots

@pytest.mark.parametrize("momentum", [0.0, 1.0, None])
def test_plot_at_slider_extremes(momentum):
    from resnet_teach.widgets.batchnorm import _png, explain_trajectory

    for steps, batch_size, size in ((STEPS[-1], BATCH_SIZES[-1], SIZES[-1]), (1, 1, 2)):
        traj = lesson.momentum_trajectory(momentum, steps, batch_size, size)
        assert _png(traj).startswith(b"\x89PNG")
        assert "<code>running_mean" in explain_trajectory(traj)
    plt.close("all")


def test_plots():
    from resnet_teach.plots.batchnorm import plot_momentum_trajectories, plot_value_histograms

    runs = [lesson.momentum_trajectory(m, steps=5) for m in (0.1, None)]
    fig = plot_momentum_trajectories(runs)
    legend = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert len(fig.axes) == 2 and "nn.BatchNorm2d, momentum=None (1/t)" in legend
    assert "update formula (float64), dots" in legend  # the open circles are explained
    plot_momentum_trajectories(runs[0], show_batches=False)
    fig = plot_value_histograms({"a": torch.randn(50), "b": torch.rand(50)}, band=(0, 1))
    assert len(fig.axes) == 2
    with pytest.raises(ValueError, match="at least one"):
        plot_momentum_trajectories([])
    with pytest.raises(ValueError, match="at least one"):
        plot_value_histograms({})
    with pytest.raises(ValueError, match="band=.*low < high"):
        plot_value_histograms({"a": torch.randn(5)}, band=(1, 0))
    plt.close("all")


def test_import_resnet_teach_stays_light():
    import subprocess
    import sys

    code = ("import sys, resnet_teach.lessons.batchnorm; "
            "print('matplotlib' in sys.modules, 'ipywidgets' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]


@pytest.mark.parametrize("check, answer, words", [
    (exercises.check_running_stats, (0.3, 4.3), "as Keras does (section 4)"),
    (exercises.check_running_stats, (0.03, 0.99 + 0.01 * 14 / 3), "Keras's default momentum=0.99"),
    (exercises.check_running_stats, (0.03, 0.99 + 0.01 * 3.5), "Keras's default momentum=0.99"),
    (exercises.check_running_stats, (0.3, 1.35), "more than 1% off"),
    (exercises.check_two_value_batch, (1, 1), "same sign"),
    (exercises.check_which_raise, [], "0/0"),
])
def test_each_reviewed_wrong_answer_gets_its_own_message(check, answer, words):
    """Issue 12 review: each of these answers used to get a generic message, or "Give a pair"
    although it was a pair, or "give three significant digits" although it had three."""
    feedback = check(answer)
    assert not feedback.correct and words in feedback.message, feedback.message
    assert "Give a pair" not in feedback.message and "significant digits (" not in feedback.message


def test_give_a_pair_only_for_answers_that_are_not_pairs():
    assert "Give a pair" in exercises.check_running_stats("0.3").message
    assert "Give a pair" in exercises.check_two_value_batch((1.0,)).message
    assert "Give a pair" not in exercises.check_two_value_batch((3.0, 1.0)).message
