"""Notebook 01b's non-square explorer: a kernel, stride and padding per axis (height, width).

Wraps ``lessons.transposed.non_square_text`` and a real ``nn.Conv2d`` on the meta device. The
text classes: rt-formula (the formula per axis), rt-result (our (H, W)), rt-torch (PyTorch's);
a combination that makes no sense shows a message (rt-message), never a traceback.
With ``predict=True`` each axis's result, both shapes and the verdict wait for the Reveal button.
"""
from __future__ import annotations

import html

import ipywidgets as widgets
import torch
from torch import nn

from ..arithmetic import conv_output_size
from ..lessons.transposed import non_square_text
from ._common import Reveal, answer, message_html, strip_answer_marks

__all__ = ["NON_SQUARE_LIMITS", "NonSquareExplorer", "non_square_explorer", "non_square_html"]

# name -> (low, high, default)
NON_SQUARE_LIMITS = {"H": (1, 64, 32), "W": (1, 64, 48), "kH": (1, 7, 3), "kW": (1, 7, 5),
                     "sH": (1, 4, 1), "sW": (1, 4, 2), "pH": (0, 3, 1), "pW": (0, 3, 2)}


def non_square_html(H: int, W: int, kH: int, kW: int, sH: int, sW: int, pH: int, pW: int) -> str:
    """The explorer's HTML (raises ValueError/TypeError when the kernel does not fit)."""
    return strip_answer_marks(_marked_html(H, W, kH, kW, sH, sW, pH, pW))


def _marked_html(H: int, W: int, kH: int, kW: int, sH: int, sW: int, pH: int, pW: int) -> str:
    """``non_square_html`` with its answer marked (see ``_common.answer``)."""
    kwargs = dict(kernel_size=(kH, kW), stride=(sH, sW), padding=(pH, pW))
    ours = conv_output_size((H, W), **kwargs)
    layer = nn.Conv2d(1, 1, device="meta", **kwargs)
    theirs = tuple(layer(torch.zeros(1, 1, H, W, device="meta")).shape[-2:])
    call = f"nn.Conv2d(1, 1, kernel_size=({kH}, {kW}), stride=({sH}, {sW}), padding=({pH}, {pW}))"
    verdict = "✓ they agree" if ours == theirs else "✗ they disagree"
    lines = [line.rsplit(" = ", 1) for line in non_square_text((H, W), **kwargs).split("\n")]
    formula = "\n".join(html.escape(q) + answer(html.escape(" = " + a)) for q, a in lines)  # results: the answer
    return (f'<div class="rt-explain" style="line-height:1.7">'
            f"<div><code>{html.escape(call)}</code> on a {H}x{W} input</div>"
            f'<pre class="rt-formula" style="margin:2px 0">{formula}</pre>'
            f'<div>our formula: <b>{answer(f"""<span class="rt-result">{ours}</span>""")}</b> &nbsp;·&nbsp; '
            f'PyTorch: <b>{answer(f"""<span class="rt-torch">{theirs}</span>""")}</b> {answer(verdict)}</div></div>')


class NonSquareExplorer(widgets.VBox):
    """Eight sliders, height on the left and width on the right; the text below.
    With ``predict=True`` a Reveal button sits between the sliders and the text."""

    def __init__(self, predict: bool = False, **values: int) -> None:
        unknown = set(values) - set(NON_SQUARE_LIMITS)
        if unknown:
            raise TypeError(f"unknown slider(s) {sorted(unknown)}; use {list(NON_SQUARE_LIMITS)}")
        self.controls: dict[str, widgets.IntSlider] = {
            name: widgets.IntSlider(value=values.get(name, default), min=lo, max=hi, description=name,
                                    style={"description_width": "30px"}, layout=widgets.Layout(width="260px"))
            for name, (lo, hi, default) in NON_SQUARE_LIMITS.items()}
        self.reveal = Reveal(predict, refresh=self.show)
        self.text = widgets.HTML()
        self._text = ""
        columns = [widgets.VBox([self.controls[n] for n in NON_SQUARE_LIMITS if n.endswith(axis) or n == axis])
                   for axis in ("H", "W")]
        super().__init__(children=[widgets.HBox(columns)] + ([self.reveal.button] if predict else [])
                         + [self.text])
        for control in self.controls.values():
            control.observe(self.update, names="value")
        self.update()

    def values(self) -> dict[str, int]:
        return {name: c.value for name, c in self.controls.items()}

    def update(self, change: dict | None = None) -> None:
        if change is not None:
            self.reveal.hide()  # a new question: the class predicts again
        try:
            self._text = _marked_html(**self.values())
        except (ValueError, TypeError) as exc:
            self._text = message_html(str(exc))
        self.show()

    def show(self) -> None:
        """Show what was last computed, with or without the answer (see ``Reveal``)."""
        self.text.value = self.reveal.html(self._text)


def non_square_explorer(predict: bool = False, **values: int) -> NonSquareExplorer:
    """The non-square explorer (keyword arguments: H, W, kH, kW, sH, sW, pH, pW; predict)."""
    return NonSquareExplorer(predict=predict, **values)
