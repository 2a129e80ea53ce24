"""Notebook 05's rerun widget: pick two depths, epochs and a seed, press Run, watch the curves.

Construction is cheap: nothing trains until the button is pressed (under nbval the stored
run is the notebook's default one, passed in as ``results``).

``predict=True``: after a run (its progress bar shows while it trains) the table, the verdict and
the curves wait for the Reveal button, so the class can first predict which network ends worse;
moving a control forgets that run.
"""
from __future__ import annotations

import html
from typing import Any

import ipywidgets as widgets

from ..degradation import DegradationSettings, Results, format_final_table
from ..lessons.degradation import WIDGET_DEPTHS, WIDGET_MAX_EPOCHS, WIDGET_MAX_SEED, plan_rerun, rerun, verdict
from ._common import Reveal, message_html

__all__ = ["DegradationRerun", "degradation_rerun", "show_results"]


class DegradationRerun(widgets.VBox):
    """The widget's box; ``controls``, ``button``, ``message`` and ``output`` are kept for tests."""

    def __init__(self, controls: dict[str, widgets.Widget], button: widgets.Button, message: widgets.HTML,
                 output: widgets.Output, reveal: Reveal | None = None) -> None:
        reveal = reveal or Reveal(False)
        super().__init__([widgets.HBox([controls["shallow"], controls["deep"]]),
                          widgets.HBox([controls["epochs"], controls["seed"], button]
                                       + ([reveal.button] if reveal.predict else [])), message, output])
        self.controls, self.button, self.message, self.output = controls, button, message, output
        self.reveal = reveal


def show_results(results: Results, heading: str) -> None:
    """Print the table and the verdict, then draw the curves (inside the widget's output)."""
    import matplotlib.pyplot as plt

    from ..plots.degradation import plot_degradation

    print(heading)
    print(format_final_table(results))
    print(verdict(results))
    plot_degradation(results)
    plt.show()


def degradation_rerun(results: Results | None = None, shallow: int = 8, deep: int = 32,
                      epochs: int = DegradationSettings.epochs, seed: int = 0,
                      predict: bool = False) -> DegradationRerun:
    """Sliders for the two depths (6n+2), epochs and seed; a Run button trains the four nets.

    ``results``: an earlier run to show until the first rerun (e.g. the notebook's default).
    A combination that makes no sense (equal depths, shallow >= deep) shows a message and
    disables the button. ``predict=True``: see the module docstring.
    """
    low, high = WIDGET_DEPTHS
    controls: dict[str, Any] = {
        "shallow": widgets.IntSlider(value=shallow, min=low, max=high, step=6, description="shallow",
                                     continuous_update=False),
        "deep": widgets.IntSlider(value=deep, min=low, max=high, step=6, description="deep",
                                  continuous_update=False),
        "epochs": widgets.IntSlider(value=epochs, min=1, max=WIDGET_MAX_EPOCHS, description="epochs",
                                    continuous_update=False),
        "seed": widgets.BoundedIntText(value=seed, min=0, max=WIDGET_MAX_SEED, description="seed",
                                       layout=widgets.Layout(width="160px")),
    }
    button = widgets.Button(description="Run", button_style="primary", icon="play")
    message = widgets.HTML()
    output = widgets.Output()
    pending: dict[str, Any] = {}  # predict mode: the run the class has not seen yet

    def show_pending() -> None:
        if pending:
            output.clear_output(wait=True)
            with output:
                show_results(pending["results"], pending["heading"])

    reveal = Reveal(predict, refresh=show_pending)

    def hold(results: Results, heading: str, what: str) -> None:
        """Predict mode: keep a run for the Reveal button."""
        pending.update(results=results, heading=heading)
        reveal.hide()
        reveal.button.disabled = False
        print(f"{what} Which ends with the higher training loss: plain or residual, shallow or deep? "
              f"Predict, then click Reveal.")

    def current_plan():
        return plan_rerun(controls["shallow"].value, controls["deep"].value, controls["epochs"].value,
                          controls["seed"].value)

    def update(_change: Any = None) -> None:
        if predict and _change is not None:  # another experiment: the held run is not its answer
            reveal.hide()
            if pending:
                pending.clear()
                output.clear_output()
        reveal.button.disabled = reveal.shows_answer or not pending
        try:
            plan = current_plan()
        except (ValueError, TypeError) as exc:
            message.value = message_html(str(exc))
            button.disabled = True
            return
        message.value = f"<span>{html.escape(plan.describe())}</span>"
        button.disabled = False

    def run(_button: Any = None) -> None:
        try:
            plan = current_plan()
        except (ValueError, TypeError) as exc:
            message.value = message_html(str(exc))
            return
        button.disabled = True
        output.clear_output()
        if predict:  # a new run: the old one is no longer the answer
            pending.clear()
            reveal.hide()
            reveal.button.disabled = True
        try:
            with output:
                new = rerun(plan)  # train's progress bar shows here
                output.clear_output(wait=True)
                heading = f"Rerun: depths {plan.depths}, {plan.epochs} epoch(s), seed {plan.seed}"
                if predict:
                    hold(new, heading, f"Trained {', '.join(plan.names)}.")
                else:
                    show_results(new, heading)
        finally:
            button.disabled = False

    for control in controls.values():
        control.observe(update, names="value")
    button.on_click(run)
    update()
    if results is not None and predict:
        with output:
            hold(results, "Stored run (the notebook's default experiment)",
                 "A stored run of the default experiment is ready (press Run for a new one).")
    elif results is not None:
        with output:
            print("Stored run (the notebook's default experiment); press Run for a new one.")
            print(format_final_table(results))
            print(verdict(results))
    return DegradationRerun(controls, button, message, output, reveal)
