"""Notebook 04's network explorer: pick a network, an input size and channels; see every
stage's output shape, parameters and multiply-adds, and when the input is too small.

The numbers come from ``resnet_teach.lessons.networks.explore_network`` (tested at every
slider position); this module only draws them.
"""
from __future__ import annotations

import html

import ipywidgets as widgets

from ..lessons.networks import CHANNEL_RANGE, NETWORKS, SIZE_RANGE, NetworkReport, explore_network
from ._common import Reveal, answer, message_html

__all__ = ["report_html", "network_explorer"]


def report_html(report: NetworkReport) -> str:
    """The report as an HTML table, with its warnings above it. The shapes, counts and warnings
    are marked ``answer`` (hidden in predict mode until Reveal); the stages and layers are not."""
    cell = 'style="padding:2px 10px;text-align:{}"'
    head = "".join(f"<th {cell.format(a)}>{h}</th>" for h, a in (
        ("stage", "left"), ("made of", "left"), ("output shape", "left"), ("params", "right"),
        ("mult-adds", "right")))
    body = ""
    for r in report.rows:
        one = len(r.output_shape) == 4 and r.output_shape[-2:] == (1, 1)
        shape = html.escape(str(list(r.output_shape))) + (" <b>(1x1)</b>" if one else "")
        body += (f"<tr><td {cell.format('left')}>{r.stage}</td>"
                 f"<td {cell.format('left')}>{html.escape(r.layers)}</td>"
                 f"<td {cell.format('left')}>{answer(shape)}</td>"
                 f"<td {cell.format('right')}>{answer(f'{r.params:,}')}</td>"
                 f"<td {cell.format('right')}>{answer(f'{r.macs:,}')}</td></tr>")
    macs = f"<b>{report.macs:,}</b> ({report.macs / 1e9:.3f} G)"
    body += (f"<tr style='border-top:1px solid #999'><td {cell.format('left')}><b>total</b></td>"
             f"<td></td><td></td><td {cell.format('right')}>{answer(f'<b>{report.params:,}</b>')}</td>"
             f"<td {cell.format('right')}>{answer(macs)}</td></tr>")
    messages = "".join(answer(message_html(m)) for m in report.messages)
    title = (f"<div><b>{html.escape(report.network)}</b>, input "
             f"{html.escape(str(list(report.input_shape)))}</div>")
    return f'{title}{messages}<table class="rt-network"><tr>{head}</tr>{body}</table>'


def _render(network: str, input_size: int, in_channels: int) -> str:
    try:
        return report_html(explore_network(network, input_size, in_channels))
    except (ValueError, TypeError) as exc:  # a readable message, never a traceback
        return message_html(str(exc))


def network_explorer(network: str = "ResNet-18", input_size: int = 224,
                     in_channels: int = 3, predict: bool = False) -> widgets.VBox:
    """Dropdown for the network, sliders for input size and channels, and the report.
    ``predict=True``: shapes and counts wait for the Reveal button (see ``_common.Reveal``)."""
    choose = widgets.Dropdown(options=list(NETWORKS), value=network, description="network")
    size = widgets.IntSlider(value=input_size, min=SIZE_RANGE[0], max=SIZE_RANGE[1],
                             description="input size", continuous_update=False)
    channels = widgets.IntSlider(value=in_channels, min=CHANNEL_RANGE[0], max=CHANNEL_RANGE[1],
                                 description="channels", continuous_update=False)
    last = {"html": _render(choose.value, size.value, channels.value)}
    out = widgets.HTML()

    def show() -> None:
        out.value = reveal.html(last["html"])

    reveal = Reveal(predict, refresh=show)
    show()

    def update(_change: object = None) -> None:
        reveal.hide()
        last["html"] = _render(choose.value, size.value, channels.value)
        show()

    for control in (choose, size, channels):
        control.observe(update, names="value")
    reveal_row = [reveal.button] if predict else []
    box = widgets.VBox([widgets.HBox([choose, size, channels])] + reveal_row + [out])
    box.controls = {"network": choose, "input size": size, "channels": channels}  # for tests
    box.report, box.reveal = out, reveal
    return box
