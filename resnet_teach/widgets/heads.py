"""Notebook 06 widget: the input-size explorer (height, width, network -> what each head does).

The logic is ``resnet_teach.lessons.heads.explore_input_size``; this module only draws it.
"""
from __future__ import annotations

import html

import ipywidgets as widgets

from ..lessons.heads import InputSizeReport, explore_input_size
from ._common import Reveal, answer, message_html

__all__ = ["report_html", "input_size_explorer"]

_OK, _FAIL = "#1a7f37", "#b42318"


def report_html(report: InputSizeReport) -> str:
    """The report as a small HTML block: size chain, map shape, parameter counts, heads, notes.
    All but the network, the input size and the heads' names is marked ``answer`` (hidden in
    predict mode until Reveal)."""
    c, h, w = report.map_shape
    chain = " &rarr; ".join(f"{a}&times;{b}" for _, (a, b) in report.steps)
    rows = "".join(
        f'<tr><td style="color:{_OK if check.runs else _FAIL};font-weight:bold;padding-right:8px">'
        f'{answer("runs" if check.runs else "fails")}</td>'
        f'<td style="padding-right:8px">{html.escape(check.label)}</td>'
        f'<td>{answer(html.escape(check.detail))}</td></tr>'
        for check in report.heads)
    notes = "".join(answer(message_html(n)) for n in report.notes)
    gap_fc = f"Linear({c}, {report.num_classes}) = {report.gap_fc_params:,}"
    flatten_fc = f"Linear({c * h * w}, {report.num_classes}) = {report.flatten_fc_params:,}"
    return (f'<div class="rt-report" style="font-family:sans-serif;font-size:13px">'
            f"<div>ResNet-{report.depth}, input {report.height}&times;{report.width}: {answer(chain)}</div>"
            f"<div><b>last feature map</b> (C, h, w) = {answer(f'({c}, {h}, {w})')}</div>"
            f"<div><b>fc after GAP</b>: {answer(gap_fc)}"
            f" parameters &middot; <b>fc of a Flatten head built for this size</b>: "
            f"{answer(flatten_fc)} parameters</div>"
            f'<table style="margin-top:6px">{rows}</table>{notes}</div>')


def input_size_explorer(max_size: int = 1024, depth: int = 18, predict: bool = False) -> widgets.VBox:
    """Sliders for the input height and width, a network menu, and the report below them.
    ``predict=True``: the report's answers wait for the Reveal button (see ``_common.Reveal``)."""
    style = {"description_width": "initial"}
    height = widgets.IntSlider(value=224, min=1, max=max_size, description="input height", style=style,
                               continuous_update=False)
    width = widgets.IntSlider(value=224, min=1, max=max_size, description="input width", style=style,
                              continuous_update=False)
    network = widgets.Dropdown(options=[("ResNet-18", 18), ("ResNet-50", 50)], value=depth,
                               description="network")
    out = widgets.HTML()
    last = {"html": ""}

    def show() -> None:
        out.value = reveal.html(last["html"])

    reveal = Reveal(predict, refresh=show)

    def update(*_: object) -> None:
        reveal.hide()
        try:
            last["html"] = report_html(explore_input_size(height.value, width.value, depth=network.value))
        except (ValueError, TypeError) as exc:  # a readable message, never a traceback
            last["html"] = message_html(str(exc))
        show()

    for control in (height, width, network):
        control.observe(update, names="value")
    update()
    reveal_row = [reveal.button] if predict else []
    box = widgets.VBox([widgets.HBox([height, width, network])] + reveal_row + [out])
    box.controls = {"height": height, "width": width, "network": network}  # for tests
    box.report, box.reveal = out, reveal
    return box
