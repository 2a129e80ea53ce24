# ruff: noqa: E402  (imports after importorskip and matplotlib.use, on purpose)
"""Predict, then reveal: every explorer's ``predict=True`` mode, driven programmatically.

In predict mode the inputs and the formula filled in with them show; the result, PyTorch's
answer and the drawing stay hidden until Reveal is clicked; moving a control hides them again.
Once revealed, an explorer shows exactly what the same explorer with ``predict=False`` shows
(checked against a twin moved the same way), and ``predict=False`` shows no Reveal button.
"""
from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
import torch
from torch import nn

widgets = pytest.importorskip("ipywidgets")  # the widget modules below need it

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from resnet_teach import conv_output_size, digits
from resnet_teach.data import Split
from resnet_teach.lesion import deletable_blocks
from resnet_teach.lessons.heads import explore_input_size
from resnet_teach.lessons.networks import explore_network
from resnet_teach.lessons.why import lesion_parts, signal_view
from resnet_teach.shattered import make_network
from resnet_teach.widgets import batchnorm as bn_widget
from resnet_teach.widgets import degradation as rerun_widget
from resnet_teach.widgets import why as why_widget
from resnet_teach.widgets._common import HIDDEN_HTML, Reveal, answer, hide_answers, strip_answer_marks
from resnet_teach.widgets.conv import groups_explorer, output_size_explorer, padding_mode_explorer
from resnet_teach.widgets.heads import input_size_explorer
from resnet_teach.widgets.network import network_explorer
from resnet_teach.widgets.nonsquare import non_square_explorer, non_square_html
from resnet_teach.widgets.stepping import stepping_explorer, stepping_text

HIDDEN = 'class="rt-hidden"'


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


# ----------------------------------------------------------------- the marks, as plain functions


def test_marks_strip_to_the_original_and_hide_to_question_marks():
    text = f"<div>out = <code>7 + 2{answer(' = 9')}</code> PyTorch: {answer('<b>9</b>')}</div>"
    assert strip_answer_marks(text) == "<div>out = <code>7 + 2 = 9</code> PyTorch: <b>9</b></div>"
    hidden = hide_answers(text)
    assert hidden == f"<div>out = <code>7 + 2{HIDDEN_HTML}</code> PyTorch: {HIDDEN_HTML}</div>"
    assert "9" not in hidden and hide_answers("no answer here") == "no answer here"
    assert hide_answers(answer("a\nb")) == HIDDEN_HTML  # answers may span lines
    with pytest.raises(ValueError, match="cannot nest"):
        answer(answer("x"))


@pytest.mark.parametrize("bad", [1, 0, "yes", None, 1.0])
def test_predict_must_be_a_bool(bad):
    with pytest.raises(TypeError, match=rf"predict={bad!r} must be True or False"):
        Reveal(bad)
    with pytest.raises(TypeError, match="predict="):
        output_size_explorer(predict=bad)


def test_reveal_state():
    calls = []
    r = Reveal(True, refresh=lambda: calls.append(r.shows_answer))
    text = f"a{answer('b')}c"
    assert not r.shows_answer and r.html(text) == f"a{HIDDEN_HTML}c"
    assert r.button.layout.display is None and not r.button.disabled and r.button.description == "Reveal"
    r.button.click()
    assert r.shows_answer and r.html(text) == "abc" and calls == [True] and r.button.disabled
    r.hide()
    assert not r.shows_answer and not r.button.disabled
    off = Reveal(False)
    assert off.shows_answer and off.html(text) == "abc" and off.button.layout.display == "none"
    off.hide()
    assert off.shows_answer  # without predict mode nothing is ever hidden


# ----------------------------------------------------------------- every explorer, one contract


@dataclass
class Case:
    make: Callable[..., Any]        # make(predict=...) -> the explorer
    text: Callable[[Any], str]      # what its HTML shows now
    move: Callable[[Any], None]     # move one control like a student
    question: Callable[[Any], str]  # a piece of the question that must show while hidden
    answer: Callable[[Any], str]    # a piece of the answer: absent while hidden, shown once revealed
    image: Callable[[Any], Any] = lambda w: None


def _step(control, by=1):
    control.value = control.value + by if control.value + by <= control.max else control.value - by


def _halve_groups(w) -> None:
    w.controls["groups"].value = max(1, w.controls["groups"].value // 2)  # still divides 16 and 32


def _groups_weight(w) -> list:
    v = {k: c.value for k, c in w.controls.items()}
    return list(nn.Conv2d(v["in_channels"], v["out_channels"], v["k"], groups=v["groups"]).weight.shape)


@functools.cache
def _digits() -> Split:
    train = digits("train")
    return Split(train.images[:600], train.labels[:600])


@functools.cache
def _why_models() -> dict:
    # untrained twins are enough here: the contract is about what shows, not how good they are
    return {"resnet-14": make_network(14, "residual", 0), "plain-14": make_network(14, "plain", 0)}


def _small_test() -> Split:
    return Split(_digits().images[-64:], _digits().labels[-64:])


def _next_block(w) -> None:
    blocks = deletable_blocks(_why_models()["resnet-14"])
    block = w.controls["block"]
    block.value = blocks[(blocks.index(block.value) + 1) % len(blocks)] if block.value in blocks else blocks[0]


def _stepping(w) -> tuple:
    return tuple(w.controls[name].value for name in ("n", "k", "s", "p", "step"))


def _stepping_sum(w) -> str:
    from resnet_teach.lessons.conv_compute import stepping_state
    return stepping_state(*_stepping(w)).sum_text()


def _non_square(w) -> tuple:
    return conv_output_size(*[tuple(w.controls[f"{q}{axis}"].value for axis in "HW") for q in ("", "k", "s", "p")])


def _signal(w) -> dict:
    return {name: w.controls[name].value for name in ("depth", "kind", "seed")}


def _lesion(w) -> tuple:
    return (w.controls["network"].value, w.controls["block"].value)


CASES = {
    "output size": Case(output_size_explorer, lambda w: w.text.value, lambda w: _step(w.controls["n"]),
                        lambda w: f"floor(({w.controls['n'].value} + 2·", lambda w: 'class="rt-result"',
                        lambda w: w.image),
    "padding mode": Case(padding_mode_explorer, lambda w: w.text.value, lambda w: _step(w.controls["pad"]),
                         lambda w: f"padding={w.controls['pad'].value}, padding_mode=",
                         lambda w: 'class="rt-torch"', lambda w: w.image),
    "groups": Case(groups_explorer, lambda w: w.text.value, _halve_groups,
                   lambda w: f"groups={w.controls['groups'].value})", lambda w: f"{_groups_weight(w)}",
                   lambda w: w.image),
    "stepping": Case(lambda predict=False: stepping_explorer(stride=2, padding=1, predict=predict),
                     lambda w: w.text.value, lambda w: _step(w.controls["step"]),
                     lambda w: _stepping_sum(w).rsplit(" = ", 1)[0], lambda w: _stepping_sum(w), lambda w: w.image),
    "non-square": Case(non_square_explorer, lambda w: w.text.value, lambda w: _step(w.controls["sW"]),
                       lambda w: "width:  floor(({W} + 2·{pW} - 1·({kW}-1) - 1) / {sW}) + 1".format(**w.values()),
                       lambda w: f'<span class="rt-torch">{_non_square(w)}</span>'),
    "BN momentum": Case(bn_widget.momentum_explorer, lambda w: w.text.value,
                        lambda w: _step(w.controls["steps"]), lambda w: "running_mean = (1 - 0.1) * ",
                        lambda w: f"still weigh {0.9 ** w.controls['steps'].value:.4f}", lambda w: w.image),
    "network": Case(network_explorer, lambda w: w.report.value, lambda w: _step(w.controls["input size"], 32),
                    lambda w: f"input [1, 3, {w.controls['input size'].value}, ",
                    lambda w: f"<b>{explore_network('ResNet-18', w.controls['input size'].value, 3).params:,}</b>"),
    "input size": Case(input_size_explorer, lambda w: w.report.value, lambda w: _step(w.controls["height"], 32),
                       lambda w: f"input {w.controls['height'].value}&times;",
                       lambda w: str(explore_input_size(w.controls["height"].value, 224).map_shape)),
    "gradient signal": Case(lambda predict=False: why_widget.signal_explorer(_digits(), depth=8, draw=False,
                                                                              predict=predict),
                            lambda w: w.text.value, lambda w: _step(w.controls["seed"]),
                            lambda w: "plain, depth 8, seed {seed}: lag-1 autocorrelation".format(**_signal(w)),
                            lambda w: signal_view(data=_digits(), **_signal(w))["answer"]),
    "lesion": Case(lambda predict=False: why_widget.lesion_explorer(_why_models(), _small_test(), predict=predict),
                   lambda w: w.text.value, _next_block, lambda w: "{} without {}: test accuracy".format(*_lesion(w)),
                   lambda w: lesion_parts(_why_models(), *_lesion(w), _small_test())[1]),
}


def _has_button(box, button) -> bool:
    def walk(widget):
        return widget is button or any(walk(c) for c in getattr(widget, "children", ()))
    return walk(box)


@pytest.fixture
def fast_bn_plot(monkeypatch):
    # the momentum explorer's plot is tested in test_lesson_batchnorm; here any PNG bytes do
    monkeypatch.setattr(bn_widget, "_png", lambda traj: b"\x89PNG fake")


@pytest.mark.parametrize("name", CASES)
def test_predict_hides_until_reveal_and_hides_again_after_a_move(name, fast_bn_plot):
    case = CASES[name]
    w, twin = case.make(predict=True), case.make()
    assert _has_button(w, w.reveal.button) and not _has_button(twin, twin.reveal.button)
    for _round in range(2):  # before and after a control moved
        hidden = case.text(w)
        assert HIDDEN in hidden and case.question(w) in hidden, hidden
        assert case.answer(w) not in hidden and "rt-answer" not in hidden
        if case.image(w) is not None:
            assert case.image(w).layout.display == "none"
        assert not w.reveal.button.disabled

        w.reveal.button.click()
        assert case.text(w) == case.text(twin), "revealed, it shows what predict=False shows"
        assert HIDDEN not in case.text(w) and w.reveal.button.disabled and case.answer(w) in case.text(w)
        if case.image(w) is not None:
            assert case.image(w).layout.display is None and case.image(w).value == case.image(twin).value

        case.move(w)
        case.move(twin)
    assert HIDDEN in case.text(w)


def test_revealed_output_size_is_resnet_teachs_and_pytorchs():
    w = output_size_explorer(predict=True)
    w.controls["n"].value = 12
    hidden = w.text.value
    assert "floor((12 + 2·1 - 1·(3-1) - 1) / 2) + 1" in hidden and "= floor(11 / 2)" not in hidden
    w.reveal.button.click()
    result = int(re.search(r'<span class="rt-result">(\d+)</span>', w.text.value).group(1))
    torch_said = int(re.search(r'<span class="rt-torch">(\d+)</span>', w.text.value).group(1))
    pytorch = nn.Conv2d(1, 1, 3, stride=2, padding=1)(torch.zeros(1, 1, 12, 12)).shape[-1]
    assert result == torch_said == conv_output_size(12, 3, stride=2, padding=1) == pytorch == 6


def test_stepping_and_non_square_without_predict_are_unchanged():
    # the HTML these explorers showed before they had a predict mode, for one setting each
    assert stepping_text(5, 3, 1, 0, 0) == (
        '<div class="rt-explain" style="line-height:1.7"><div>window 1 of 9 → output[0, 0]</div><div>'
        '<code class="rt-sum">0·(-1) + 7·0 + 4·1 + 3·(-1) + 1·0 + 9·1 + 6·(-1) + 5·0 + 4·1 = 8</code></div>'
        '<div>by hand: <b><span class="rt-result">8</span></b> &nbsp;·&nbsp; F.conv2d: <b><span class="rt-torch">'
        '8</span></b> <b style="color:#1a7f37">✓</b></div></div>')
    assert non_square_html(32, 48, 3, 5, 1, 2, 1, 2) == (
        '<div class="rt-explain" style="line-height:1.7"><div><code>nn.Conv2d(1, 1, kernel_size=(3, 5), '
        'stride=(1, 2), padding=(1, 2))</code> on a 32x48 input</div><pre class="rt-formula" style="margin:2px 0">'
        'height: floor((32 + 2·1 - 1·(3-1) - 1) / 1) + 1 = 32\nwidth:  floor((48 + 2·2 - 1·(5-1) - 1) / 2) + 1 = 24'
        '</pre><div>our formula: <b><span class="rt-result">(32, 24)</span></b> &nbsp;·&nbsp; PyTorch: <b><span '
        'class="rt-torch">(32, 24)</span></b> ✓ they agree</div></div>')
    s, n = stepping_explorer(), non_square_explorer()
    assert s.text.value == stepping_text(5, 3, 1, 0, 0) and s.image.layout.display is None
    assert n.text.value == non_square_html(32, 48, 3, 5, 1, 2, 1, 2)
    assert s.reveal.button.layout.display == "none" and n.reveal.button.layout.display == "none"


def test_stepping_window_moves_hide_the_sum_and_the_drawing():
    w = stepping_explorer(predict=True)
    assert "= 8</code>" not in w.text.value and "0·(-1) + 7·0 + 4·1" in w.text.value
    w.reveal.button.click()
    assert "= 8</code>" in w.text.value and w.image.layout.display is None
    w.controls["n"].value = 6  # new sizes: the step range changes, the answer hides again
    assert HIDDEN in w.text.value and w.image.layout.display == "none" and not w.reveal.button.disabled


def test_nonsense_shows_its_message_in_predict_mode_too():
    w = output_size_explorer(predict=True, size=2, kernel_size=7, padding=0)
    assert 'class="rt-message"' in w.text.value and HIDDEN not in w.text.value
    for explorer in (stepping_explorer(predict=True, size=2, kernel_size=7),
                     non_square_explorer(predict=True, H=2, kH=7, pH=0)):
        assert 'class="rt-message"' in explorer.text.value and HIDDEN not in explorer.text.value
    g = groups_explorer(predict=True, in_channels=6, groups=4)
    assert 'class="rt-message"' in g.text.value and g.image.layout.display == "none"
    g.reveal.button.click()  # nothing to reveal: still the message, still no drawing
    assert 'class="rt-message"' in g.text.value and g.image.layout.display == "none"


def test_padding_input_switch_hides_the_answer():
    w = padding_mode_explorer(predict=True)
    w.reveal.button.click()
    w.controls["input"].value = w.controls["input"].options[1]  # the photo: pad's range changes too
    assert HIDDEN in w.text.value and w.image.layout.display == "none" and not w.reveal.button.disabled


def test_signal_drawing_waits_for_reveal():
    w = why_widget.signal_explorer(_digits(), depth=8, predict=True)
    twin = why_widget.signal_explorer(_digits(), depth=8)
    assert w.image.layout.display == "none" and twin.image.layout.display is None
    assert bytes(twin.image.value).startswith(b"\x89PNG")  # an Image widget, not captured output (see why.py)
    w.reveal.button.click()
    assert w.image.layout.display is None and w.image.value == twin.image.value
    w.controls["kind"].value = "residual"
    assert w.image.layout.display == "none" and HIDDEN in w.text.value
    assert "resnet (v1), depth 8, seed 0: lag-1 autocorrelation" in w.text.value


def test_lesion_explorer_message_in_predict_mode():
    w = why_widget.lesion_explorer(_why_models(), _small_test(), predict=True)
    w.controls["block"].value = "layer2.0"  # changes the shape: nothing to predict, a message
    assert 'class="rt-message"' in w.text.value and "changes the shape" in w.text.value
    assert HIDDEN not in w.text.value


@pytest.mark.parametrize("predict", [True, False])
def test_lesion_explorer_trains_only_when_asked(monkeypatch, predict):
    trained = []
    monkeypatch.setattr(why_widget, "train_lesion_networks", lambda: trained.append(1) or _why_models())
    w = why_widget.lesion_explorer(data=_small_test(), predict=predict)
    assert not trained and w.models is None and w.controls == {} and w.row.children == ()
    assert _has_button(w, w.train_button) and "Press Train to train resnet-32 and plain-32" in w.text.value
    assert _has_button(w, w.reveal.button) == predict and (w.reveal.button.disabled or not predict)

    w.train_button.click()
    assert trained == [1] and w.train_button.layout.display == "none"
    assert list(w.row.children) == [w.controls["network"], w.controls["block"]]
    network, block = _lesion(w)
    assert (network, block) == ("resnet-14", "layer3.1")
    shown = lesion_parts(_why_models(), network, block, _small_test())
    if predict:
        assert HIDDEN in w.text.value and shown[0] in w.text.value and shown[1] not in w.text.value
        assert not w.reveal.button.disabled
        w.reveal.button.click()
    assert w.text.value == f"<pre>{shown[0]} {shown[1]}</pre>"  # what the notebook's explorer shows
    w.controls["network"].value = "plain-14"
    assert (HIDDEN in w.text.value) == predict and "plain-14 without layer3.1" in w.text.value


# ----------------------------------------------------------------- the rerun widget: Run, then Reveal


def _fake(losses):
    return {name: {"train_loss": [2.0, loss], "train_error": [0.9, loss / 4]} for name, loss in losses.items()}


def test_rerun_holds_its_results_until_reveal(monkeypatch, capsys):
    stored = _fake({"plain-8": 1.0, "resnet-8": 0.8, "plain-32": 2.0, "resnet-32": 0.1})
    w = rerun_widget.degradation_rerun(results=stored, predict=True)
    out = capsys.readouterr().out  # outside a kernel the Output widget prints
    assert "Predict, then click Reveal" in out and "Degradation" not in out
    assert _has_button(w, w.reveal.button) and not w.reveal.button.disabled
    w.reveal.button.click()
    out = capsys.readouterr().out
    assert "Stored run" in out and "Degradation seen" in out and w.reveal.button.disabled

    w.controls["seed"].value = 5  # another experiment: nothing to reveal until it has run
    assert w.reveal.button.disabled and not w.reveal.shows_answer
    trained = []
    fresh = _fake({"plain-8": 0.5, "resnet-8": 0.4, "plain-32": 0.9, "resnet-32": 0.2})
    monkeypatch.setattr(rerun_widget, "rerun", lambda plan: trained.append(plan) or fresh)
    w.button.click()
    out = capsys.readouterr().out
    assert trained and trained[0].seed == 5 and "Trained plain-8, resnet-8, plain-32, resnet-32." in out
    assert "Degradation" not in out and not w.reveal.button.disabled and not w.button.disabled
    w.reveal.button.click()
    out = capsys.readouterr().out
    assert "Rerun: depths (8, 32), " in out and "seed 5" in out and "plain-32" in out and "0.9000" in out


def test_rerun_without_predict_has_no_reveal():
    w = rerun_widget.degradation_rerun()
    assert not _has_button(w, w.reveal.button) and w.reveal.shows_answer
