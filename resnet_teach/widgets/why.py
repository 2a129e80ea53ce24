"""Notebook 07's widgets: the gradient signal of any network at initialization, and the lesion of
any block of the two trained networks. The logic is in ``resnet_teach.lessons.why``.

With ``predict=True`` the network and the block show, while the measurement (the
autocorrelation, the accuracies) and the drawing wait for the Reveal button; moving a control
hides them again. ``lesion_explorer()`` without trained networks (the classroom deck) trains
nothing until its Train button is pressed, then shows the deletion controls.
"""

from __future__ import annotations

import html
import io
from collections.abc import Callable, Mapping
from typing import Any

import ipywidgets as widgets
from torch import nn

from ..data import Split, digits
from ..lesion import block_names
from ..lessons.why import SIGNAL_DEPTHS, lesion_parts, lesion_training_plan, signal_view, train_lesion_networks
from ._common import Reveal, answer, message_html

__all__ = ["signal_explorer", "lesion_explorer", "LesionExplorer"]


def _render(parts: Callable[[], tuple[str, str]]) -> str:
    """``<pre>question answer</pre>``, the answer marked (see ``_common.answer``)."""
    try:
        question, result = parts()
    except (ValueError, TypeError) as exc:  # a readable message, never a traceback
        return message_html(str(exc))
    return f"<pre>{html.escape(question)} {answer(html.escape(result))}</pre>"


def _signal_png(result: Mapping[str, Any]) -> bytes:
    """The signal and its autocorrelation as PNG bytes, for an ``ipywidgets.Image``.

    An Image widget, like every other explorer's drawing, not output captured in an
    ``ipywidgets.Output``: when Voilà runs the classroom deck, nbclient copies captured output
    into the widget by sending on the kernel's shell channel while it waits there for the cell's
    reply, and pyzmq 27 can miss that reply's wake-up, so the deck hangs at that cell."""
    import matplotlib.pyplot as plt

    from ..plots.why import plot_signals

    fig = plot_signals({result["text"].split(":")[0]: result})
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=72)
    plt.close(fig)
    return buffer.getvalue()


def signal_explorer(
    data: Split | None = None,
    depth: int = 32,
    kind: str = "plain",
    seed: int = 0,
    draw: bool = True,
    predict: bool = False,
) -> widgets.VBox:
    """Depth, wiring and seed -> the signal d logit / dt along the line and its autocorrelation.

    ``data``: the images the line runs between (default: the digits' training split).
    ``box.text`` (HTML) carries the measurement in words, or the message for a nonsense choice;
    ``box.image`` the figure as PNG (``draw=False`` skips it, for tests); ``box.reveal`` the
    predict-then-reveal state (``predict=True``: see the module docstring).
    """
    data = digits("train") if data is None else data
    low, high = SIGNAL_DEPTHS
    controls = {
        "depth": widgets.IntSlider(
            value=depth, min=low, max=high, step=6, description="depth", continuous_update=False
        ),
        "kind": widgets.Dropdown(
            options=[("plain", "plain"), ("resnet (v1)", "residual"), ("pre-activation (v2)", "preact")],
            value=kind,
            description="wiring",
        ),
        "seed": widgets.BoundedIntText(
            value=seed, min=0, max=99, description="seed", layout=widgets.Layout(width="160px")
        ),
    }
    text = widgets.HTML()
    image = widgets.Image(format="png", layout=widgets.Layout(max_width="100%"))
    last = {"text": "", "drawn": False}  # what was last computed, shown with or without its answer

    def show() -> None:
        text.value = reveal.html(last["text"])
        image.layout.display = None if reveal.shows_answer and last["drawn"] else "none"

    reveal = Reveal(predict, refresh=show)

    def update(_change: Any = None) -> None:
        if _change is not None:
            reveal.hide()  # a new question: the class predicts again
        result: dict[str, Any] = {}

        def measure() -> tuple[str, str]:
            result.update(
                signal_view(controls["depth"].value, controls["kind"].value, data, controls["seed"].value)
            )
            return result["question"], result["answer"]

        last["text"] = _render(measure)
        last["drawn"] = bool(draw and result)
        if last["drawn"]:
            image.value = _signal_png(result)
        show()

    for control in controls.values():
        control.observe(update, names="value")
    update()
    box = widgets.VBox([widgets.HBox(list(controls.values()))] + ([reveal.button] if predict else [])
                       + [text, image])
    box.controls, box.text, box.image, box.reveal = controls, text, image, reveal
    return box


class LesionExplorer(widgets.VBox):
    """Pick a trained network and one of its blocks: the test accuracy without that block.

    ``controls`` (network, block: empty until there are trained networks), ``text`` (HTML),
    ``reveal``; without networks also ``train_button`` and ``progress`` (the training's
    progress bars), and ``models`` once trained.
    """

    def __init__(self, models: Mapping[str, nn.Module] | None = None, data: Split | None = None,
                 predict: bool = False) -> None:
        self.reveal = Reveal(predict, refresh=self.show)
        self.data = digits("test") if data is None else data
        self.models: dict[str, nn.Module] | None = None
        self.controls: dict[str, widgets.Dropdown] = {}
        self.row, self.text = widgets.HBox(), widgets.HTML()
        self.train_button = widgets.Button(description="Train", icon="play", button_style="primary",
                                           tooltip="Train the two networks (a progress bar shows each)")
        self.progress = widgets.Output()
        self._text = ""
        rows = [self.row] + ([self.reveal.button] if predict else []) + [self.text]
        if models is None:
            rows = [widgets.HBox([self.train_button]), self.progress] + rows
        super().__init__(rows)
        if models is None:  # nothing trains until the button is pressed
            self.train_button.on_click(self.train)
            self._text = f"<span>{html.escape(lesion_training_plan())}</span>"
            self.show()
        else:
            self.install(models)

    def train(self, _button: Any = None) -> None:
        """Train notebook 07's two networks (progress bars in ``progress``), then offer the controls."""
        self.train_button.disabled = True
        try:
            with self.progress:
                models = train_lesion_networks()
            self.progress.clear_output()
        finally:
            self.train_button.disabled = False
        self.train_button.layout.display = "none"
        self.install(models)

    def install(self, models: Mapping[str, nn.Module]) -> None:
        """Show the deletion controls for ``models`` and the first question."""
        if not isinstance(models, Mapping) or not models:
            raise TypeError(f"models must be a non-empty dict of trained networks, got {models!r}")
        self.models = dict(models)
        first = next(iter(self.models))
        names = block_names(self.models[first])
        self.controls = {
            "network": widgets.Dropdown(options=list(self.models), value=first, description="network"),
            "block": widgets.Dropdown(options=names, value=names[-1], description="delete"),
        }
        for control in self.controls.values():
            control.observe(self.update, names="value")
        self.row.children = list(self.controls.values())
        self.update()  # the question first: Reveal must not work before the text it reveals is there
        self.reveal.hide()  # a question to predict (and a Reveal button that works) from now on

    def update(self, change: dict | None = None) -> None:
        if change is not None:
            self.reveal.hide()  # a new question: the class predicts again
        self._text = _render(lambda: lesion_parts(self.models, self.controls["network"].value,
                                                  self.controls["block"].value, self.data))
        self.show()

    def show(self) -> None:
        """Draw what was last computed, with or without the answer (see ``Reveal``)."""
        self.text.value = self.reveal.html(self._text)
        if self.models is None:
            self.reveal.button.disabled = True  # nothing to reveal before the networks are trained


def lesion_explorer(models: Mapping[str, nn.Module] | None = None, data: Split | None = None,
                    predict: bool = False) -> LesionExplorer:
    """Pick a trained network and one of its blocks: the test accuracy without that block (``box.text``).

    ``models``: the trained networks, e.g. ``{"resnet-32": ..., "plain-32": ...}``; without them a
    Train button trains notebook 07's two (``lessons.why.train_lesion_networks``) when pressed.
    ``data``: the held-out images (default: the digits' test split). ``predict=True``: see the
    module docstring.
    """
    return LesionExplorer(models, data, predict)
