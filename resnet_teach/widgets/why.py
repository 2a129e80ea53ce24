"""Notebook 07's widgets: the gradient signal of any network at initialization, and the lesion of
any block of the two trained networks. The logic is in ``resnet_teach.lessons.why``."""

from __future__ import annotations

import html
from typing import Any, Callable, Mapping

import ipywidgets as widgets
from torch import nn

from ..data import Split
from ..lesion import block_names
from ..lessons.why import SIGNAL_DEPTHS, lesion_view, signal_view
from ._common import message_html

__all__ = ["signal_explorer", "lesion_explorer"]


def _render(view: Callable[[], str]) -> str:
    try:
        return f"<pre>{html.escape(view())}</pre>"
    except (ValueError, TypeError) as exc:  # a readable message, never a traceback
        return message_html(str(exc))


def signal_explorer(
    data: Split, depth: int = 32, kind: str = "plain", seed: int = 0, draw: bool = True
) -> widgets.VBox:
    """Depth, wiring and seed -> the signal d logit / dt along the line and its autocorrelation.

    ``box.text`` (HTML) carries the measurement in words, or the message for a nonsense choice;
    ``box.output`` the figure (``draw=False`` skips it, for tests).
    """
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
    text, output = widgets.HTML(), widgets.Output()

    def update(_change: Any = None) -> None:
        result = {}

        def measure() -> str:
            result.update(
                signal_view(controls["depth"].value, controls["kind"].value, data, controls["seed"].value)
            )
            return result["text"]

        text.value = _render(measure)
        if not draw:
            return
        output.clear_output(wait=True)
        if result:
            import matplotlib.pyplot as plt

            from ..plots.why import plot_signals

            with output:
                plot_signals({result["text"].split(":")[0]: result})
                plt.show()

    for control in controls.values():
        control.observe(update, names="value")
    update()
    box = widgets.VBox([widgets.HBox(list(controls.values())), text, output])
    box.controls, box.text, box.output = controls, text, output
    return box


def lesion_explorer(models: Mapping[str, nn.Module], data: Split) -> widgets.VBox:
    """Pick a trained network and one of its blocks: the test accuracy without that block (``box.text``)."""
    first = next(iter(models))
    names = block_names(models[first])
    controls = {
        "network": widgets.Dropdown(options=list(models), value=first, description="network"),
        "block": widgets.Dropdown(options=names, value=names[-1], description="delete"),
    }
    text = widgets.HTML()

    def update(_change: Any = None) -> None:
        text.value = _render(
            lambda: lesion_view(models, controls["network"].value, controls["block"].value, data)
        )

    for control in controls.values():
        control.observe(update, names="value")
    update()
    box = widgets.VBox([widgets.HBox(list(controls.values())), text])
    box.controls, box.text = controls, text
    return box
