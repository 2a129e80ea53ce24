"""Notebook 01b's transposed-convolution and non-square sections, and the non-square explorer."""
import itertools

import pytest
import torch
from torch import nn

from resnet_teach import conv_output_size
from resnet_teach.lessons import transposed as lesson
from resnet_teach.widgets.nonsquare import NON_SQUARE_LIMITS, non_square_explorer, non_square_html


@pytest.mark.parametrize("n,k,s,p,op", [(7, 4, 2, 1, 0), (1, 1, 1, 0, 0), (5, 3, 3, 2, 2), (9, 5, 2, 0, 1)])
def test_transpose_sizes_match_pytorch(n, k, s, p, op):
    row, = lesson.transpose_size_rows([(n, k, s, p, op)])
    assert row["ours"] == row["nn.ConvTranspose2d"]


@pytest.mark.parametrize("size,k,s,p", [(7, 3, 2, 1), (8, 3, 2, 1), (10, 4, 3, 0), (5, 1, 1, 0)])
def test_transposed_conv_is_the_gradient_of_a_conv(size, k, s, p):
    g = lesson.transpose_is_conv_gradient(size, k, s, p)
    assert g["transposed"] == g["x"] and g["max |difference|"] <= 1e-5 * max(1.0, g["scale"])


def test_gradient_check_can_fail_with_a_wrong_output_padding():
    # the check is not vacuous: without output_padding the 8-pixel case does not come back to 8
    g = lesson.transpose_is_conv_gradient(8, 3, 2, 1)
    assert g["output_padding"] == 1


@pytest.mark.parametrize("size,k", [(4, 3), (3, 1), (5, 4)])
def test_full_padding(size, k):
    assert lesson.full_padding_equivalence(size, k)["equal"]


def test_non_square_rows_and_text():
    rows = lesson.non_square_rows((32, 48), [dict(kernel_size=(3, 5), stride=(1, 2), padding=(1, 2))])
    assert rows[0]["ours (H, W)"] == rows[0]["PyTorch (H, W)"] == (32, 24)
    assert lesson.non_square_text((32, 48), (3, 5), (1, 2), (1, 2)).endswith("= 24")


def _corners():
    names = list(NON_SQUARE_LIMITS)
    defaults = {n: d for n, (_, _, d) in NON_SQUARE_LIMITS.items()}
    for name, (lo, hi, _) in NON_SQUARE_LIMITS.items():
        for v in (lo, hi):
            yield {**defaults, name: v}
    for lows in itertools.product((0, 1), repeat=2):  # all lows / all highs per axis
        yield {n: NON_SQUARE_LIMITS[n][lows[0] if n.endswith("H") or n == "H" else lows[1]] for n in names}


@pytest.mark.parametrize("values", list(_corners()), ids=str)
def test_non_square_explorer_at_every_slider_extreme(values):
    w = non_square_explorer()
    for name, v in values.items():
        w.controls[name].value = v
    H, W, kH, kW, sH, sW, pH, pW = (values[n] for n in NON_SQUARE_LIMITS)
    if kH > H + 2 * pH or kW > W + 2 * pW:
        assert 'class="rt-message"' in w.text.value and "rt-result" not in w.text.value
        return
    expected = conv_output_size((H, W), (kH, kW), (sH, sW), (pH, pW))
    layer = nn.Conv2d(1, 1, (kH, kW), (sH, sW), (pH, pW))
    assert tuple(layer(torch.zeros(1, 1, H, W)).shape[-2:]) == expected
    assert f'<span class="rt-result">{expected}</span>' in w.text.value
    assert f'<span class="rt-torch">{expected}</span>' in w.text.value
    assert w.text.value == non_square_html(**values)


def test_non_square_explorer_rejects_unknown_sliders():
    with pytest.raises(TypeError, match="unknown slider"):
        non_square_explorer(K=3)


@pytest.mark.parametrize("checker,right,mistakes", [
    (lesson.check_transpose_size, 14, [3, 16, 13]),
    (lesson.check_non_square_size, (19, 30), [(40, 14), (30, 19), (19, 14)]),
])
def test_exercises_name_the_mistakes(checker, right, mistakes):
    assert checker(right).correct
    messages = {checker(w).message.split(". ", 1)[1] for w in mistakes}
    assert len(messages) == len(mistakes) and not any(checker(w).correct for w in mistakes)
    assert "Replace" in checker(...).message and not checker("x").correct
