"""Notebook 01's lesson logic, drawings, widgets and exercise checkers.

PyTorch is the oracle throughout: explanations are compared with real layers, window positions
with F.unfold / max_pool1d, padded tensors with F.pad, groups with nn.Conv2d.
"""
import html
import itertools
import math
import re
import subprocess
import sys
import warnings
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

from resnet_teach import conv_output_size, pool_output_size, receptive_field, same_padding, scratch_pad
from resnet_teach.arithmetic import PADDING_MODES
from resnet_teach.lessons import conv as lesson

# the widget's slider ranges (n is sampled: every value of the others is crossed with it)
SIZES = (1, 2, 3, 5, 8, 13, 20)
KERNELS = range(1, 8)
PADS = range(0, 5)
STRIDES = range(1, 5)
DILATIONS = range(1, 4)


def _evaluate(step: str) -> int:
    """Evaluate a step such as 'floor((7 + 2·1 - 1·(3-1) - 1) / 2) + 1' with Python."""
    expr = step.replace("·", "*").replace("floor(", "math.floor(").replace("ceil(", "math.ceil(")
    return eval(expr, {"math": math})


# --------------------------------------------------------------------------------------------
# output size
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("layer", lesson.LAYERS)
@pytest.mark.parametrize("ceil_mode", [False, True])
def test_explanation_agrees_with_pytorch_at_every_slider_position(layer, ceil_mode):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a warning would be stderr in the notebook
        for n, k, p, s, d in itertools.product(SIZES, KERNELS, PADS, STRIDES, DILATIONS):
            args = dict(size=n, kernel_size=k, stride=s, padding=p, dilation=d, layer=layer, ceil_mode=ceil_mode)
            torch_answer = lesson.torch_output_size(**args)
            try:
                e = lesson.explain_output_size(**args)
            except ValueError as exc:
                # we refuse exactly when PyTorch does, and the message quotes it
                assert torch_answer.error is not None, (args, str(exc))
                assert "PyTorch refuses too" in str(exc) and torch_answer.error in str(exc)
                with pytest.raises(ValueError):
                    lesson.window_positions(**args)
                continue
            assert torch_answer.error is None, (args, torch_answer.error)
            assert e.agrees and e.torch == torch_answer, args
            core = (conv_output_size(n, k, s, p, d) if layer == "conv"
                    else pool_output_size(n, k, s, p, d, ceil_mode))
            assert e.result == core == torch_answer.size
            assert torch_answer.shape == (1, 1, e.result, e.result)
            # the formula with the numbers filled in really computes the result, and every "=" of
            # the filled-in chain is true: each step evaluates to the result
            dropped = any("drops it" in note for note in e.notes)
            assert all(_evaluate(step) == e.result for step in e.steps), (args, e.steps)
            # a dropped window is the written-out "- 1"; without it, the plain formula
            assert e.steps[0].endswith(" - 1") == dropped, (args, e.steps)
            first = _evaluate(e.steps[0].removesuffix(" - 1"))
            assert first - dropped == e.result, (args, e.steps)
            assert e.steps[-1] == str(e.result) and e.filled.startswith("out = ")
            assert lesson.window_positions(**args).output_size == e.result


def test_explanation_reads_like_the_calculation():
    e = lesson.explain_output_size(7, 3, stride=2, padding=1)
    assert e.formula == "floor((n + 2p - d(k-1) - 1) / s) + 1"
    assert e.steps[0] == "floor((7 + 2·1 - 1·(3-1) - 1) / 2) + 1"
    assert e.result == conv_output_size(7, 3, 2, 1)
    assert "agrees" in str(e) and e.torch.call.startswith("nn.Conv2d(1, 1, kernel_size=3, stride=2")


def test_ceil_mode_last_window_rule_is_explained():
    args = dict(size=5, kernel_size=3, stride=3, padding=1, layer="max pool", ceil_mode=True)
    e = lesson.explain_output_size(**args)
    naive = math.ceil((5 + 2 - 3) / 3) + 1
    assert e.result == pool_output_size(5, 3, 3, 1, ceil_mode=True) == naive - 1
    assert e.formula.startswith("ceil(") and any("drops it" in n for n in e.notes)
    # the notebook's example: no false equation such as "3 + 1 = 4 - 1" in the filled-in line
    e = lesson.explain_output_size(8, 3, stride=3, padding=1, layer="max pool", ceil_mode=True)
    parts = e.filled.removeprefix("out = ").split(" = ")
    assert len(parts) == 4 and all(_evaluate(part) == e.result for part in parts), e.filled
    assert e.result == pool_output_size(8, 3, 3, 1, ceil_mode=True)
    kept = lesson.explain_output_size(6, 2, stride=2, padding=0, layer="avg pool", ceil_mode=True)
    assert not any("drops it" in n for n in kept.notes)


def test_notes_for_conv_with_ceil_mode_leftover_and_empty_windows():
    e = lesson.explain_output_size(8, 3, stride=2, padding=1, ceil_mode=True)
    assert any("ceil_mode is an option of the pooling layers" in n for n in e.notes)
    assert any("never covered" in n for n in e.notes)
    assert e.result == conv_output_size(8, 3, 2, 1)  # ceil_mode does not change a conv
    e = lesson.explain_output_size(3, 1, padding=4)
    layout = lesson.window_positions(3, 1, padding=4)
    empty = sum(1 for w in layout.windows if all(layout.kind(t) != "input" for t in w.taps))
    assert empty > 0 and any(f"{empty} window position(s) see only padding" in n for n in e.notes)


@pytest.mark.parametrize("args, words", [
    (dict(size=4, kernel_size=5), ["kernel_size=5", "more than the padded input 4",
                                   "Kernel size can't be greater"]),
    (dict(size=8, kernel_size=3, padding=2, layer="max pool"), ["padding=2", "at most half"]),
    (dict(size=8, kernel_size=3, dilation=2, layer="avg pool"), ["dilation=2", "no dilation argument",
                                                                 "unexpected keyword argument 'dilation'"]),
])
def test_nonsense_combinations_give_readable_messages(args, words):
    with pytest.raises(ValueError) as info:
        lesson.explain_output_size(**args)
    for word in words:
        assert word in str(info.value)
    assert "PyTorch refuses too" in str(info.value)


@pytest.mark.parametrize("bad, error", [
    (dict(size=0), ValueError), (dict(size=3.0), TypeError), (dict(kernel_size=0), ValueError),
    (dict(stride=0), ValueError), (dict(padding=-1), ValueError), (dict(dilation=0), ValueError),
    (dict(layer="pool"), ValueError), (dict(ceil_mode=1), TypeError),
])
def test_bad_arguments_name_the_parameter(bad, error):
    args = dict(size=7, kernel_size=3, stride=1, padding=0, dilation=1, layer="conv", ceil_mode=False)
    args.update(bad)
    name = next(iter(bad))
    for function in (lesson.explain_output_size, lesson.torch_output_size, lesson.window_positions):
        with pytest.raises(error, match=name):
            function(**args)


# --------------------------------------------------------------------------------------------
# window positions, checked against what PyTorch's layers actually read
# --------------------------------------------------------------------------------------------

def test_conv_windows_read_what_unfold_reads():
    for n, k, p, s, d in itertools.product((1, 3, 6, 9), (1, 2, 3, 5), (0, 1, 3), (1, 2, 3), (1, 2)):
        try:
            layout = lesson.window_positions(n, k, s, p, d)
        except ValueError:
            continue
        x = torch.arange(1.0, n + 1).view(1, 1, 1, n)  # value = position + 1, padding reads 0
        columns = F.unfold(F.pad(x, (p, p)), (1, k), dilation=(1, d), stride=(1, s))[0]  # (k, out)
        assert columns.shape[1] == layout.output_size
        for w in layout.windows:
            expected = [t + 1.0 if layout.kind(t) == "input" else 0.0 for t in w.taps]
            assert columns[:, w.index].tolist() == expected, (n, k, p, s, d, w)


def test_pool_windows_match_max_pool_indices_including_ceil_mode():
    for n, k, p, s, d, ceil in itertools.product((1, 2, 5, 7, 10), (1, 2, 3, 4), (0, 1, 2), (1, 2, 3),
                                                 (1, 2), (False, True)):
        try:
            layout = lesson.window_positions(n, k, s, p, d, "max pool", ceil)
        except ValueError:
            continue
        x = torch.arange(float(n)).view(1, 1, n)  # increasing: the max is the last real tap
        values, index = F.max_pool1d(x, k, s, p, d, ceil_mode=ceil, return_indices=True)
        assert index.shape[-1] == layout.output_size
        empty = 0
        for w in layout.windows:
            real = [t for t in w.taps if layout.kind(t) == "input"]
            if real:
                assert index[0, 0, w.index].item() == max(real)
            else:  # a dilated window can step over every real pixel
                assert d > 1 and values[0, 0, w.index].item() == float("-inf")
                empty += 1
        e = lesson.explain_output_size(n, k, s, p, d, "max pool", ceil)
        assert any(f"{empty} window position(s) see only padding" in note for note in e.notes) == (empty > 0)
        kinds = {layout.kind(t) for w in layout.windows for t in w.taps}
        assert "beyond" not in kinds or ceil  # only ceil_mode reaches past the padding


def test_same_padding_with_an_even_kernel_puts_the_extra_pixel_at_the_end():
    """Notebook 01 shows this with padding_mode='replicate' (no warning); here the default zeros."""
    x = torch.arange(1.0, 9.0).view(1, 1, 8)
    for mode, pad_mode in (("zeros", "constant"), ("replicate", "replicate")):
        conv = nn.Conv1d(1, 1, kernel_size=4, padding="same", padding_mode=mode, bias=False)
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # zeros: PyTorch warns once that it copies the input
            out = conv(x)
            assert torch.allclose(out, F.conv1d(F.pad(x, (1, 2), mode=pad_mode), conv.weight))
            assert not torch.allclose(out, F.conv1d(F.pad(x, (2, 1), mode=pad_mode), conv.weight))


def test_window_layout_2d_and_drawing_range():
    layout = lesson.window_positions(7, 3, 2, 1)
    assert layout.first == -1 and layout.end == 8
    assert len(layout.taps_2d(0, 0)) == 9 and (-1, -1) in layout.taps_2d(0, 0)
    assert [w.start for w in layout.windows] == [i * 2 - 1 for i in range(layout.output_size)]


# --------------------------------------------------------------------------------------------
# padding modes
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("mode", PADDING_MODES)
def test_padding_modes_on_the_matrix_at_every_pad(mode):
    x = lesson.matrix_1_to_16()
    assert x.flatten().tolist() == [float(v) for v in range(1, 17)]
    for pad in range(0, 7):
        too_far = (mode == "reflect" and pad >= 4) or (mode == "circular" and pad > 4)
        if too_far:
            with pytest.raises(ValueError, match=rf"pad={pad}.*PyTorch refuses too"):
                lesson.pad_with_mode(x, pad, mode)
            with pytest.raises(RuntimeError):
                F.pad(x, (pad,) * 4, mode=lesson.torch_pad_mode(mode))
            continue
        res = lesson.pad_with_mode(x, pad, mode)
        assert torch.equal(res.padded, F.pad(x, (pad,) * 4, mode=lesson.torch_pad_mode(mode)))
        assert torch.equal(res.padded, scratch_pad(x, pad, mode))
        assert res.scratch_matches and res.conv_matches
        assert res.padded.shape == (1, 1, 4 + 2 * pad, 4 + 2 * pad)
        assert torch.equal(res.padded[..., pad:pad + 4, pad:pad + 4], x)  # the original sits inside
        if pad:
            row_above = res.padded[0, 0, pad - 1, pad:pad + 4]
            source = {"zeros": torch.zeros(4), "reflect": x[0, 0, 1], "replicate": x[0, 0, 0],
                      "circular": x[0, 0, 3]}[mode]
            assert torch.equal(row_above, source), (mode, row_above)


def test_padding_the_photo_and_reflects_limit():
    photo = lesson.small_photo()
    assert photo.shape == (1, 1, 48, 72) and 0 <= photo.min() and photo.max() <= 1
    assert lesson.pad_with_mode(photo, 47, "reflect").padded.shape == (1, 1, 142, 166)
    with pytest.raises(ValueError, match="height: pad=48 must be < size=48"):
        lesson.pad_with_mode(photo, 48, "reflect")
    assert lesson.pad_with_mode(photo, 48, "circular").conv_matches
    with pytest.raises(ValueError, match="circular"):
        lesson.pad_with_mode(photo, 49, "circular")
    photo[..., 0, 0] = 5.0
    assert lesson.small_photo()[..., 0, 0] <= 1  # a copy: the cached photo cannot be changed


def test_pad_with_mode_rejects_bad_input():
    with pytest.raises(TypeError, match="x must be a torch.Tensor"):
        lesson.pad_with_mode([[1.0]], 1, "zeros")
    with pytest.raises(ValueError, match="x.shape"):
        lesson.pad_with_mode(torch.zeros(4, 4), 1, "zeros")
    with pytest.raises(ValueError, match="mode='constant'"):
        lesson.pad_with_mode(lesson.matrix_1_to_16(), 1, "constant")
    with pytest.raises(ValueError, match="pad=-1"):
        lesson.pad_with_mode(lesson.matrix_1_to_16(), -1, "zeros")
    assert lesson.torch_pad_mode("zeros") == "constant"


# --------------------------------------------------------------------------------------------
# groups
# --------------------------------------------------------------------------------------------

def test_groups_facts_at_slider_extremes_and_nonsense():
    values = (1, 2, 3, 4, 6, 16, 63, 64)
    for i, o, g in itertools.product(values, values, values):
        if i % g or o % g:
            with pytest.raises(ValueError, match=rf"groups={g} must divide") as info:
                lesson.groups_facts(i, o, g)
            assert "PyTorch refuses too" in str(info.value)
            with pytest.raises(ValueError):
                nn.Conv2d(i, o, 3, groups=g)
            continue
        f = lesson.groups_facts(i, o, g, kernel_size=3, size=4)
        conv = nn.Conv2d(i, o, 3, padding=1, groups=g)
        assert f.weight_shape == tuple(conv.weight.shape) == (o, i // g, 3, 3)
        assert f.parameters == sum(p.numel() for p in conv.parameters()) == f.formula_parameters
        with FlopCounterMode(display=False) as flops:  # PyTorch's own count: 2 FLOPs per multiply-add
            conv(torch.zeros(1, i, 4, 4))
        assert f.macs * 2 == flops.get_total_flops()
        assert f.dense_parameters == o * i * 9 + o and f.dense_macs == f.macs * g


def test_groups_from_dense_to_depthwise():
    table = lesson.groups_table(64, kernel_size=3, size=8)
    assert [f.groups for f in table] == lesson.divisors(64) == [1, 2, 4, 8, 16, 32, 64]
    assert table[0].kind == "dense" and table[-1].kind == "depthwise"
    assert all(f.kind == "grouped" for f in table[1:-1])
    params = [f.parameters - f.out_channels for f in table]  # weights only
    assert all(a == b * 2 for a, b in zip(params, params[1:]))  # each doubling of groups halves them
    assert table[-1].weight_shape == (64, 1, 3, 3)


def test_groups_without_bias_as_in_resnet():
    from resnet_teach import resnet18

    table = lesson.groups_table(64, kernel_size=3, size=8, bias=False)
    for f in table:
        conv = nn.Conv2d(64, 64, 3, padding=1, groups=f.groups, bias=False)
        assert f.parameters == sum(p.numel() for p in conv.parameters()) == f.formula_parameters
        assert f.parameters * f.groups == f.dense_parameters and f.macs * f.groups == f.dense_macs
    real = resnet18().layer1[0].conv1  # the notebook's table starts from this layer
    assert real.bias is None and table[0].parameters == sum(p.numel() for p in real.parameters())
    assert lesson.groups_facts(6, 6, 3, bias=True).parameters == lesson.groups_facts(6, 6, 3).parameters


def test_groups_bad_arguments():
    with pytest.raises(ValueError, match="in_channels=0"):
        lesson.groups_facts(0, 4, 1)
    with pytest.raises(TypeError, match="groups"):
        lesson.groups_facts(4, 4, 1.5)
    with pytest.raises(ValueError, match="n=0"):
        lesson.divisors(0)
    with pytest.raises(TypeError, match="bias=1"):
        lesson.groups_facts(4, 4, 1, bias=1)


def test_lesson_functions_leave_the_random_stream_alone():
    torch.manual_seed(0)
    state = torch.random.get_rng_state()
    lesson.explain_output_size(7, 3, 2, 1)
    lesson.groups_facts(8, 8, 2)
    lesson.pad_with_mode(lesson.matrix_1_to_16(), 1, "reflect")
    lesson.measured_receptive_field([(3, 1)])
    assert torch.equal(state, torch.random.get_rng_state())


# --------------------------------------------------------------------------------------------
# receptive field, measured with autograd
# --------------------------------------------------------------------------------------------

def test_measured_receptive_field_matches_the_formula():
    g = torch.Generator().manual_seed(1)
    stacks = [[(3, 1)] * 3, [(3, 1, 1), (3, 1, 2), (3, 1, 4), (3, 1, 8)], [(7, 2), (3, 2), (3, 1), (3, 1)]]
    for _ in range(30):
        depth = int(torch.randint(1, 5, (1,), generator=g))
        stacks.append([tuple(int(v) for v in (torch.randint(1, 6, (1,), generator=g),
                                               torch.randint(1, 4, (1,), generator=g),
                                               torch.randint(1, 4, (1,), generator=g)))
                       for _ in range(depth)])
    for stack in stacks:
        assert lesson.measured_receptive_field(stack) == receptive_field(stack), stack
    with pytest.raises(ValueError, match="layers"):
        lesson.measured_receptive_field([])
    with pytest.raises(ValueError, match=r"layers\[0\]"):
        lesson.measured_receptive_field([(3,)])
    with pytest.raises(ValueError, match=r"layers\[1\]\[1\]"):
        lesson.measured_receptive_field([(3, 1), (3, 0)])


# --------------------------------------------------------------------------------------------
# exercise checkers
# --------------------------------------------------------------------------------------------

def _checker_cases():
    """(checker, the right answer computed WITHOUT the checker's PyTorch route, a wrong answer)."""
    n = lesson.STEM_INPUT
    after_conv = conv_output_size(n, 7, 2, 3)
    stem = (after_conv, pool_output_size(after_conv, 3, 2, 1))
    e = lesson.CEIL_EXERCISE
    ceil = pool_output_size(e["size"], e["kernel_size"], e["stride"], e["padding"], ceil_mode=True)
    tf = lesson.TF_EXERCISE
    tf_pad = same_padding(tf["size"], tf["kernel_size"], tf["stride"])
    dilated = 1 + sum(d * (k - 1) for k, _, d in lesson.DILATED_STACK)
    ge = lesson.GROUPS_EXERCISE
    groups = ge["out_channels"] * ge["in_channels"] // ge["groups"] * ge["kernel_size"] ** 2
    return [
        (lesson.check_stem_sizes, stem, (stem[0] + 1, stem[1])),
        (lesson.check_ceil_mode_pool, ceil, ceil + 1),
        (lesson.check_tf_same_padding, tf_pad, tuple(reversed(tf_pad))),
        (lesson.check_dilated_receptive_field, dilated, 7),
        (lesson.check_groups_parameters, groups, groups * ge["groups"]),
    ]


@pytest.mark.parametrize("checker, right, wrong", _checker_cases(), ids=lambda v: getattr(v, "__name__", ""))
def test_checkers(checker, right, wrong):
    assert checker(...).correct is False and "Replace the ..." in str(checker(...))
    feedback = checker(right)
    assert feedback.correct, str(feedback)
    assert str(feedback).startswith("Correct!")
    if isinstance(right, tuple):
        assert checker(list(right)).correct  # a list is as good as a tuple
    wrong_feedback = checker(wrong)
    assert not wrong_feedback.correct and str(wrong_feedback).startswith("Not yet.")
    assert not checker("seven").correct  # the wrong kind of answer is just wrong


@pytest.mark.parametrize("name", ["01_conv_arithmetic.py", "01b_inside_a_convolution.py"])
def test_the_notebooks_revealable_solutions_are_correct(name):
    """Each exercise cell calls check_<name>(answer); the next <details> block holds
    `answer = ...`. Run every solution through its checker (01 and its sequel 01b)."""
    source = (Path(__file__).resolve().parent.parent / "notebooks" / "src" / name).read_text()
    from resnet_teach.lessons import conv_compute, transposed  # 01b's sections (issue 15)

    checkers = re.findall(r"^(?:\w+\.)?(check_\w+)\(answer\)$", source, flags=re.M)
    solutions = re.findall(r"<details><summary>Show solution</summary>.*?^# answer = (.+?)$", source,
                           flags=re.M | re.S)
    assert len(checkers) == len(solutions) >= 3
    for name, solution in zip(checkers, solutions):
        answer = eval(solution, {})
        checker = next(getattr(m, name) for m in (lesson, conv_compute, transposed) if hasattr(m, name))
        feedback = checker(answer)
        assert feedback.correct, (name, solution, str(feedback))


def test_stem_exercise_size_makes_both_floors_drop_a_remainder():
    """The notebook's solution says both divisions by the stride leave a remainder."""
    n = lesson.STEM_INPUT
    after_conv = conv_output_size(n, 7, 2, 3)
    assert (n + 2 * 3 - (7 - 1) - 1) % 2 == 1 and (after_conv + 2 * 1 - (3 - 1) - 1) % 2 == 1
    for e in (lesson.explain_output_size(n, 7, stride=2, padding=3),
              lesson.explain_output_size(after_conv, 3, stride=2, padding=1, layer="max pool")):
        assert any("Rounding down" in note for note in e.notes), str(e)


def test_ceil_checker_hints_at_the_naive_answer():
    e = lesson.CEIL_EXERCISE
    naive = math.ceil((e["size"] + 2 * e["padding"] - e["kernel_size"]) / e["stride"]) + 1
    assert "check where the last one would start" in str(lesson.check_ceil_mode_pool(naive))


# --------------------------------------------------------------------------------------------
# drawings
# --------------------------------------------------------------------------------------------

def test_drawings_are_pngs():
    from resnet_teach.plots import conv as plots
    from resnet_teach.plots.conv_groups import draw_groups

    for view in ("1-D", "2-D"):
        for args in [(7, 3, 2, 1), (1, 1, 1, 0), (20, 1, 1, 4), (20, 7, 4, 3, 3)]:
            d = plots.draw_windows(lesson.window_positions(*args), view)
            assert d.png().startswith(b"\x89PNG") and d._repr_png_() == d.png()
            assert re.fullmatch(r"Drawing\(\d+x\d+ px\)", repr(d))
    ceil = plots.draw_windows(lesson.window_positions(2, 3, 2, 0, 1, "max pool", True), "2-D")
    assert ceil.size[0] > 0
    x = lesson.matrix_1_to_16()
    d = plots.draw_padding([lesson.pad_with_mode(x, 2, m) for m in PADDING_MODES])
    assert d.size[0] > 4 * d.size[1] / 2
    d = plots.draw_padding([lesson.pad_with_mode(lesson.small_photo(), 20, "reflect")], photo=True)
    assert d.png().startswith(b"\x89PNG")
    d = draw_groups(lesson.groups_table(8))
    assert d.png().startswith(b"\x89PNG")
    with pytest.raises(ValueError, match="view"):
        plots.draw_windows(lesson.window_positions(7, 3), "3-D")
    for function in (plots.draw_padding, draw_groups, plots.render):
        with pytest.raises(ValueError):
            function([])


def test_receptive_field_plot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from resnet_teach.plots.receptive_field import draw_receptive_fields

    fig = draw_receptive_fields({"3x3": [3, 5, 7], "dilated": [3, 7, 15]})
    assert len(fig.axes[0].lines) == 2
    plt.close(fig)
    with pytest.raises(ValueError):
        draw_receptive_fields({})


def test_lesson_module_imports_neither_matplotlib_nor_ipywidgets():
    code = ("import sys, resnet_teach.lessons.conv; "
            "print('matplotlib' in sys.modules, 'ipywidgets' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


# --------------------------------------------------------------------------------------------
# widgets, driven programmatically
# --------------------------------------------------------------------------------------------

@pytest.fixture
def widgets():
    """ipywidgets, for the widget tests only: without it they skip, the tests above still run."""
    return pytest.importorskip("ipywidgets")


def _result_or_message(text: str) -> str:
    has_result = 'class="rt-result"' in text
    has_message = 'class="rt-message"' in text
    assert has_result != has_message, text
    assert "Traceback" not in text
    return "result" if has_result else "message"


def _rt(text: str, name: str) -> str:
    return re.search(rf'<span class="{name}">(.*?)</span>', text).group(1)


def _png_shown(explorer) -> bool:
    return explorer.image.layout.display != "none" and bytes(explorer.image.value).startswith(b"\x89PNG")


def test_output_size_widget_contract(widgets):
    from resnet_teach.widgets.conv import output_size_explorer

    w = output_size_explorer()
    sliders = [c for c in w.controls.values() if isinstance(c, widgets.IntSlider)]
    assert [s.description for s in sliders] == ["n", "k", "p", "s", "d"]
    assert {"conv", "max pool"} <= set(w.controls["layer"].options)
    assert w.controls["layer"].description == "layer"
    assert isinstance(w.controls["ceil_mode"], widgets.Checkbox)
    assert w.controls["ceil_mode"].description == "ceil_mode"
    assert isinstance(w.text, widgets.HTML)
    # the sliders come first in the widget, in order
    found = []

    def walk(widget):
        if isinstance(widget, widgets.IntSlider):
            found.append(widget.description)
        for child in getattr(widget, "children", ()):
            walk(child)
    walk(w)
    assert found == ["n", "k", "p", "s", "d"]
    # defaults give a valid result, and n can still move right
    n = w.controls["n"]
    assert _result_or_message(w.text.value) == "result" and n.value < n.max
    v = {name: c.value for name, c in w.controls.items()}
    assert int(_rt(w.text.value, "rt-result")) == conv_output_size(v["n"], v["k"], v["s"], v["p"], v["d"])
    assert '<code class="rt-formula">' in w.text.value and _png_shown(w)
    n.value += 1  # what the browser test's ArrowRight does
    assert int(_rt(w.text.value, "rt-result")) == conv_output_size(n.value, v["k"], v["s"], v["p"], v["d"])
    assert _rt(w.text.value, "rt-torch") == _rt(w.text.value, "rt-result")


def test_output_size_widget_sweep_every_control(widgets):
    from resnet_teach.widgets.conv import output_size_explorer

    w = output_size_explorer()
    c = w.controls
    sliders = [c[name] for name in "nkpsd"]
    seen = set()
    for layer, ceil, view in itertools.product(c["layer"].options, (False, True), c["view"].options):
        c["layer"].value, c["ceil_mode"].value, c["view"].value = layer, ceil, view
        for corner in itertools.product((0, 1), repeat=5):
            for slider, high in zip(sliders, corner):
                slider.value = slider.max if high else slider.min
            kind = _result_or_message(w.text.value)
            seen.add(kind)
            args = dict(size=c["n"].value, kernel_size=c["k"].value, padding=c["p"].value,
                        stride=c["s"].value, dilation=c["d"].value, layer=layer, ceil_mode=ceil)
            try:
                expected = lesson.explain_output_size(**args).result
            except ValueError as exc:
                assert kind == "message" and not _png_shown(w)
                assert html.escape(str(exc)) in w.text.value  # the logic's own message
            else:
                assert kind == "result" and int(_rt(w.text.value, "rt-result")) == expected
                assert _png_shown(w)
    assert seen == {"result", "message"}
    # every single slider through its whole range from the defaults
    for slider in sliders:
        w2 = output_size_explorer()
        control = w2.controls[slider.description]
        for value in range(control.min, control.max + 1):
            control.value = value
            _result_or_message(w2.text.value)


def test_padding_widget_sweep(widgets):
    from resnet_teach.widgets.conv import MATRIX, PAD_MAX, PHOTO, padding_mode_explorer

    w = padding_mode_explorer()
    c = w.controls
    assert [c[k].description for k in ("mode", "pad", "input")] == ["mode", "pad", "input"]
    assert _result_or_message(w.text.value) == "result" and _png_shown(w)
    for source in (MATRIX, PHOTO, MATRIX):
        c["input"].value = source
        assert c["pad"].max == PAD_MAX[source]
        size = 4 if source == MATRIX else 48
        pads = range(c["pad"].max + 1) if source == MATRIX else (0, 1, 47, 48, 49, 60)
        for mode in PADDING_MODES:
            c["mode"].value = mode
            for pad in pads:
                c["pad"].value = pad
                kind = _result_or_message(w.text.value)
                too_far = (mode == "reflect" and pad >= size) or (mode == "circular" and pad > size)
                assert kind == ("message" if too_far else "result"), (source, mode, pad)
                assert _png_shown(w) == (not too_far)
                if not too_far:
                    assert _rt(w.text.value, "rt-result") == _rt(w.text.value, "rt-torch")
                    assert w.text.value.count("✓") == 2
    c["input"].value = PHOTO
    c["pad"].value = 60
    c["input"].value = MATRIX  # the slider shrinks and moves pad with it
    assert c["pad"].value == PAD_MAX[MATRIX]
    _result_or_message(w.text.value)


def test_groups_widget_sweep(widgets):
    from resnet_teach.widgets.conv import groups_explorer

    w = groups_explorer()
    c = w.controls
    assert list(c) == ["in_channels", "out_channels", "groups", "k"]
    assert _result_or_message(w.text.value) == "result" and _png_shown(w)
    for corner in itertools.product((0, 1), repeat=4):
        for slider, high in zip(c.values(), corner):
            slider.value = slider.max if high else slider.min
        kind = _result_or_message(w.text.value)
        i, o, g = c["in_channels"].value, c["out_channels"].value, c["groups"].value
        assert kind == ("message" if i % g or o % g else "result")
    for i, o, g in [(64, 64, 3), (6, 4, 3), (64, 64, 64), (12, 18, 6), (1, 64, 1)]:
        c["in_channels"].value, c["out_channels"].value, c["groups"].value = i, o, g
        kind = _result_or_message(w.text.value)
        assert kind == ("message" if i % g or o % g else "result")
        if kind == "result":
            conv = nn.Conv2d(i, o, c["k"].value, groups=g)
            assert int(_rt(w.text.value, "rt-torch")) == sum(p.numel() for p in conv.parameters())
            assert int(_rt(w.text.value, "rt-result")) == int(_rt(w.text.value, "rt-torch"))
    for k in range(c["k"].min, c["k"].max + 1, c["k"].step):
        c["k"].value = k
        _result_or_message(w.text.value)
