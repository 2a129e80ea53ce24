"""Notebook 01b's stepping convolution: move the window, see the products and their sum.

Wraps ``lessons.conv_compute.stepping_state`` and ``plots.stepping.draw_step``. The text is an
``ipywidgets.HTML`` with the classes rt-sum (the products and their sum), rt-result (this
output value) and rt-torch (F.conv2d's value at the same position); a slider combination that
makes no sense shows a message (class rt-message), never a traceback.
With ``predict=True`` the sum, both values and the drawing wait for the Reveal button.
"""
from __future__ import annotations

import html

import ipywidgets as widgets

from ..lessons.conv_compute import STEP_LIMITS, stepping_state
from ..plots.stepping import draw_step
from ._common import Reveal, answer, message_html, strip_answer_marks

__all__ = ["SteppingExplorer", "stepping_explorer", "stepping_text"]

_STYLE = {"description_width": "50px"}
_CHECK, _CROSS = '<b style="color:#1a7f37">✓</b>', '<b style="color:#b42318">✗</b>'


def stepping_text(size: int, kernel_size: int, stride: int, padding: int, step: int) -> str:
    """The widget's HTML for one setting (raises ValueError/TypeError for a nonsense one)."""
    return strip_answer_marks(_marked_text(size, kernel_size, stride, padding, step))


def _marked_text(size: int, kernel_size: int, stride: int, padding: int, step: int) -> str:
    """``stepping_text`` with its answer marked (see ``_common.answer``)."""
    st = stepping_state(size, kernel_size, stride, padding, step)
    torch_value = st.torch_output[st.row, st.col].item()
    agree = _CHECK if torch_value == st.value else _CROSS
    products, total = st.sum_text().rsplit(" = ", 1)  # the products are the question, the sum the answer
    return (f'<div class="rt-explain" style="line-height:1.7">'
            f"<div>window {st.step + 1} of {st.steps} → output[{st.row}, {st.col}]</div>"
            f'<div><code class="rt-sum">{html.escape(products)}{answer(html.escape(" = " + total))}</code></div>'
            f'<div>by hand: <b>{answer(f"""<span class="rt-result">{st.value:g}</span>""")}</b> &nbsp;·&nbsp; '
            f'F.conv2d: <b>{answer(f"""<span class="rt-torch">{torch_value:g}</span>""")}</b> '
            f'{answer(agree)}</div></div>')


class SteppingExplorer(widgets.VBox):
    """Sliders n, k, s, p and the step (with a play button); text and drawing below.
    With ``predict=True`` a Reveal button sits between the controls and the text."""

    def __init__(self, size: int = 5, kernel_size: int = 3, stride: int = 1, padding: int = 0,
                 step: int = 0, predict: bool = False) -> None:
        def slider(name: str, value: int) -> widgets.IntSlider:
            low, high = STEP_LIMITS[name]
            return widgets.IntSlider(value=value, min=low, max=high, description=name, style=_STYLE,
                                     layout=widgets.Layout(width="260px"))

        self.controls: dict[str, widgets.IntSlider] = {
            "n": slider("n", size), "k": slider("k", kernel_size), "s": slider("s", stride),
            "p": slider("p", padding),
            "step": widgets.IntSlider(value=0, min=0, max=0, description="step", style=_STYLE,
                                      layout=widgets.Layout(width="420px")),
        }
        self.play = widgets.Play(value=0, min=0, max=0, interval=700, description="play")
        widgets.jslink((self.play, "value"), (self.controls["step"], "value"))
        self.reveal = Reveal(predict, refresh=self.show)
        self.text = widgets.HTML()
        self.image = widgets.Image(format="png", layout=widgets.Layout(max_width="100%"))
        self._text, self._drawn = "", False
        sizes = widgets.HBox([widgets.VBox([self.controls["n"], self.controls["k"]]),
                              widgets.VBox([self.controls["s"], self.controls["p"]])])
        super().__init__(children=[sizes, widgets.HBox([self.controls["step"], self.play])]
                         + ([self.reveal.button] if predict else []) + [self.text, self.image])
        for control in self.controls.values():
            control.observe(self.update, names="value")
        self._set_step_range()
        self.controls["step"].value = min(step, self.controls["step"].max)
        self.update()

    def values(self) -> dict[str, int]:
        return {name: c.value for name, c in self.controls.items()}

    def _set_step_range(self) -> None:
        """The step slider runs over the windows of the current size; unchanged if none fit."""
        v = self.values()
        try:
            st = stepping_state(v["n"], v["k"], v["s"], v["p"], 0)
        except (ValueError, TypeError):
            return
        last = st.steps - 1
        for c in (self.controls["step"], self.play):
            if c.value > last:
                c.value = last
            c.max = last

    def update(self, change: dict | None = None) -> None:
        if change is not None:
            self.reveal.hide()  # a new question: the class predicts again
        if change is None or change.get("owner") is not self.controls["step"]:
            self._set_step_range()  # may move the step (one more update, which is harmless)
        v = self.values()
        try:
            text = _marked_text(v["n"], v["k"], v["s"], v["p"], v["step"])
            drawing = draw_step(stepping_state(v["n"], v["k"], v["s"], v["p"], v["step"]))
        except (ValueError, TypeError) as exc:  # the kernel does not fit, ...
            self._text, self._drawn = message_html(str(exc)), False
            self.show()
            return
        self._text, self._drawn = text, True
        self.image.value = drawing.png()
        self.image.width = str(drawing.size[0])
        self.show()

    def show(self) -> None:
        """Draw what was last computed, with or without the answer (see ``Reveal``)."""
        self.text.value = self.reveal.html(self._text)
        self.image.layout.display = None if self._drawn and self.reveal.shows_answer else "none"


def stepping_explorer(**kwargs) -> SteppingExplorer:
    """The stepping convolution (keyword arguments: size, kernel_size, stride, padding, step, predict)."""
    return SteppingExplorer(**kwargs)
