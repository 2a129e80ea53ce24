"""Notebook 01b (issue 15's sections, first written into 01): one value by hand, stepping, 1x1 = Linear."""
import itertools

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from resnet_teach.lessons import conv_compute as lesson
from resnet_teach.lessons.conv_compute import STEP_LIMITS, stepping_state
from resnet_teach.widgets.stepping import SteppingExplorer, stepping_explorer, stepping_text


def test_corr2d_and_conv2d_by_hand_match_pytorch():
    g = torch.Generator().manual_seed(0)
    x, k = torch.randn(6, 7, generator=g), torch.randn(2, 3, generator=g)
    assert torch.allclose(lesson.corr2d(x, k), F.conv2d(x[None, None], k[None, None])[0, 0], atol=1e-5)
    x3, w, b = torch.randn(3, 6, 5, generator=g), torch.randn(4, 3, 3, 2, generator=g), torch.randn(4, generator=g)
    for s, p in [(1, 0), (2, 1), (3, 2)]:
        ours = lesson.conv2d_by_hand(x3, w, b, stride=s, padding=p)
        assert torch.allclose(ours, F.conv2d(x3[None], w, b, stride=s, padding=p)[0], atol=1e-5)
    with pytest.raises(ValueError, match=r"weight.shape\[1\]=3"):
        lesson.conv2d_by_hand(torch.zeros(2, 4, 4), w)
    with pytest.raises(TypeError, match="x must be a torch.Tensor"):
        lesson.corr2d([[1]], k)


def test_output_value_is_the_sum_over_channels_plus_bias():
    conv = nn.Conv2d(3, 2, kernel_size=3, stride=2, padding=1)
    x = torch.randn(1, 3, 7, 7, generator=torch.Generator().manual_seed(1))
    for o, i, j in [(0, 0, 0), (1, 3, 2), (1, 1, 3)]:
        v = lesson.output_value(conv, x, o, i, j)
        assert len(v.per_channel) == 3
        assert abs(v.value - v.torch_value) <= 1e-5 * max(1.0, abs(v.torch_value))
    with pytest.raises(ValueError, match="row=4 must be < 4"):
        lesson.output_value(conv, x, 0, 4, 0)
    with pytest.raises(ValueError, match="groups=1"):
        lesson.output_value(nn.Conv2d(2, 2, 1, groups=2), torch.zeros(1, 2, 3, 3), 0, 0, 0)


def test_kernels_and_inputs_are_small_integers():
    assert lesson.edge_kernel(3).tolist() == [[-1, 0, 1]] * 3
    assert lesson.edge_kernel(4).tolist() == [[-1, -1, 1, 1]] * 4
    assert lesson.edge_kernel(1).tolist() == [[1]]
    x = lesson.small_input(6)
    assert x.shape == (6, 6) and torch.equal(x, x.round()) and x.min() >= 0 and x.max() <= 9


ALL_SETTINGS = list(itertools.product(*(range(lo, hi + 1) for lo, hi in STEP_LIMITS.values())))


@pytest.mark.parametrize("n,k,s,p", ALL_SETTINGS[::7] + [ALL_SETTINGS[0], ALL_SETTINGS[-1]])
def test_every_window_sums_to_pytorchs_value_or_a_readable_message(n, k, s, p):
    if k > n + 2 * p:
        with pytest.raises(ValueError, match=f"kernel_size={k}"):
            stepping_state(n, k, s, p)
        return
    first = stepping_state(n, k, s, p, 0)
    for step in range(first.steps):
        st = stepping_state(n, k, s, p, step)
        assert st.value == st.torch_output[st.row, st.col].item() == float(st.products.sum())
        assert int((~st.partial.isnan()).sum()) == step + 1
    with pytest.raises(ValueError, match=f"step={first.steps} must be < {first.steps}"):
        stepping_state(n, k, s, p, first.steps)


def _extremes():
    """Every slider at its low and its high end, the others at the widget's defaults."""
    defaults = {"n": 5, "k": 3, "s": 1, "p": 0}
    for name, (lo, hi) in STEP_LIMITS.items():
        for value in (lo, hi):
            yield {**defaults, name: value}
    yield {"n": STEP_LIMITS["n"][0], "k": STEP_LIMITS["k"][1], "s": 3, "p": 0}  # nothing fits
    yield {"n": STEP_LIMITS["n"][1], "k": 1, "s": 1, "p": 2}  # the most windows


@pytest.mark.parametrize("setting", list(_extremes()), ids=str)
def test_widget_at_every_slider_extreme(setting):
    w = stepping_explorer()
    for name in ("n", "k", "s", "p"):  # one at a time, as a student moves them
        w.controls[name].value = setting[name]
    n, k, s, p = (setting[x] for x in "nksp")
    if k > n + 2 * p:
        assert 'class="rt-message"' in w.text.value and "rt-result" not in w.text.value
        assert w.image.layout.display == "none"
        return
    steps = stepping_state(n, k, s, p).steps
    assert w.controls["step"].max == w.play.max == steps - 1
    for step in (0, steps - 1):  # the step slider's two ends
        w.controls["step"].value = step
        st = stepping_state(n, k, s, p, step)
        assert w.text.value == stepping_text(n, k, s, p, step)
        assert f'<span class="rt-result">{st.value:g}</span>' in w.text.value
        assert f'<span class="rt-torch">{st.value:g}</span>' in w.text.value
        assert w.image.layout.display is None and w.image.value[:4] == b"\x89PNG"


def test_widget_step_follows_a_shrinking_output_and_recovers_after_a_message():
    w = SteppingExplorer(size=8, kernel_size=1, step=63)
    assert w.controls["step"].value == 63
    w.controls["k"].value = 5  # 4x4 output: the step must come back into range
    assert w.controls["step"].value == w.controls["step"].max == 15
    w.controls["n"].value = 3  # 5 > 3: a message
    assert "rt-message" in w.text.value
    w.controls["p"].value = 1  # 5 <= 3 + 2: fits again, one window
    assert "rt-result" in w.text.value and w.controls["step"].max == 0


def test_pointwise_conv_is_a_linear_at_every_pixel():
    conv = nn.Conv2d(5, 3, kernel_size=1)
    linear = lesson.pointwise_as_linear(conv)
    x = torch.randn(2, 5, 4, 6)
    per_pixel = linear(x.permute(0, 2, 3, 1)).permute(0, 3, 1, 2)  # (N, H, W, C) -> (N, C, H, W)
    assert torch.allclose(per_pixel, conv(x), atol=1e-5)
    with pytest.raises(ValueError, match="plain 1x1 conv"):
        lesson.pointwise_as_linear(nn.Conv2d(5, 3, 3))


@pytest.mark.parametrize("checker,right,mistakes", [
    (lesson.check_one_output, -1.0, [-2.0, -3.0, -4.0]),
    (lesson.check_filter_bank_params, 4608, [288, 144, 4640]),
])
def test_exercises_name_the_mistakes(checker, right, mistakes):
    assert checker(right).correct
    messages = {checker(w).message.split(". ", 1)[1] for w in mistakes}
    assert len(messages) == len(mistakes) and not any(checker(w).correct for w in mistakes)
    assert "Replace" in checker(...).message and not checker("x").correct
