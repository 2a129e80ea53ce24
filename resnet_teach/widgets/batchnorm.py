"""Notebook 02's momentum explorer: how running_mean / running_var follow the batches."""
from __future__ import annotations

import html
import io
from typing import Any

import ipywidgets as widgets

from ..lessons.batchnorm import MomentumTrajectory, momentum_trajectory
from ._common import Reveal, answer, message_html

__all__ = ["MomentumExplorer", "momentum_explorer", "explain_trajectory"]


class MomentumExplorer(widgets.VBox):
    """The explorer's box; ``controls``, ``text`` and ``image`` are kept for tests and tinkering."""

    def __init__(self, controls: dict[str, widgets.Widget], text: widgets.HTML, image: widgets.Image,
                 reveal: Reveal) -> None:
        super().__init__([widgets.HBox([controls["momentum"], controls["use_none"]]),
                          widgets.HBox([controls["steps"], controls["batch_size"], controls["size"]])]
                         + ([reveal.button] if reveal.predict else []) + [text, image])
        self.controls, self.text, self.image, self.reveal = controls, text, image, reveal


def explain_trajectory(traj: MomentumTrajectory) -> str:
    """The widget's text (HTML): the last update with its numbers, and where it ended.
    What the class can predict (each update's result, the starting values' weight, the verdict)
    is marked ``answer``: a predict-mode explorer hides it until Reveal."""
    m = ("None (cumulative average: the t-th batch weighs 1/t)" if traj.momentum is None
         else f"{traj.momentum:g}")
    lines = [f"<b>momentum = {html.escape(m)}</b>; each batch: "
             f"{traj.batch_size} x 1 x {traj.size} x {traj.size}, "
             f"so {traj.values_per_channel} values per channel; "
             f"num_batches_tracked = {traj.num_batches_tracked}",
             f"Update at step {traj.steps} (running_var takes the UNBIASED batch variance):"]
    for t in traj.formula_text():  # "stat = (1 - m) * old + m * batch = new": the new value is the answer
        question, result = t.rsplit(" = ", 1)
        lines.append(f"<code>{html.escape(question)}{answer(html.escape(' = ' + result))}</code>")
    lines.append(f"The data: mean {traj.data_mean:.4f}, variance {traj.data_var:.4f}. The starting values "
                 f"(0 and 1) still weigh {answer(f'{traj.initial_weight():.4f}')}.")
    if traj.momentum == 0:
        lines.append(answer("momentum=0: the running statistics never move; "
                            "eval() would normalize with 0 and 1."))
    elif traj.momentum == 1:
        lines.append(answer("momentum=1: the running statistics are just the last batch's, noise and all."))
    lines.append(answer(f"nn.BatchNorm2d and the formula agree to within {traj.max_difference:.1e} "
                        f"(relative to the data's scale)."))
    return "<br>".join(lines)


def _png(traj: MomentumTrajectory) -> bytes:
    import matplotlib.pyplot as plt

    from ..plots.batchnorm import plot_momentum_trajectories

    fig = plot_momentum_trajectories(traj)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=72)
    plt.close(fig)
    return buf.getvalue()


def momentum_explorer(momentum: float = 0.1, use_none: bool = False, steps: int = 60,
                      batch_size: int = 16, size: int = 4, predict: bool = False) -> MomentumExplorer:
    """Sliders for momentum (or None), steps, batch size and spatial size; a plot of the running
    statistics and the update formula with the numbers filled in.

    Slider combinations that make no sense (batch_size=1 with size=1) show a message instead.
    ``predict=True``: the results and the plot wait for the Reveal button (see ``_common.Reveal``).
    """
    controls: dict[str, Any] = {
        "momentum": widgets.FloatSlider(value=momentum, min=0.0, max=1.0, step=0.01, description="momentum",
                                        readout_format=".2f", continuous_update=False),
        "use_none": widgets.Checkbox(value=use_none, description="momentum=None", indent=False),
        "steps": widgets.IntSlider(value=steps, min=1, max=300, description="steps", continuous_update=False),
        "batch_size": widgets.IntSlider(value=batch_size, min=1, max=64, description="batch size",
                                        continuous_update=False),
        "size": widgets.IntSlider(value=size, min=1, max=8, description="H = W", continuous_update=False),
    }
    text = widgets.HTML()
    image = widgets.Image(format="png")
    last = {"text": "", "plot": False}  # what update() computed, for show()

    def show() -> None:
        text.value = reveal.html(last["text"])
        # an old plot next to a message would mislead; a hidden answer hides its plot too
        image.layout.display = None if last["plot"] and reveal.shows_answer else "none"

    reveal = Reveal(predict, refresh=show)

    def update(_change: Any = None) -> None:
        if _change is not None:
            reveal.hide()
        controls["momentum"].disabled = controls["use_none"].value
        try:
            traj = momentum_trajectory(
                momentum=None if controls["use_none"].value else controls["momentum"].value,
                steps=controls["steps"].value, batch_size=controls["batch_size"].value,
                size=controls["size"].value)
        except (ValueError, TypeError) as exc:
            last.update(text=message_html(str(exc)), plot=False)
            show()
            return
        last.update(text=explain_trajectory(traj), plot=True)
        image.value = _png(traj)
        show()

    for control in controls.values():
        control.observe(update, names="value")
    update()
    return MomentumExplorer(controls, text, image, reveal)
