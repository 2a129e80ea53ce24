"""The classroom deck's own control: a large-font switch for the projector.

``large_font_css(scale)`` is the plain function (tested); ``large_font_switch`` wraps it in a
toggle button and an HTML widget whose ``<style>`` enlarges every cell of the page (Voilà or
JupyterLab) while the switch is on.
"""
from __future__ import annotations

import ipywidgets as widgets

from .._checks import check_float

__all__ = ["large_font_css", "large_font_switch", "LARGE_FONT_SCALE"]

LARGE_FONT_SCALE = 1.4  # readable from the back of a classroom on a 1080p projector


def large_font_css(scale: float = LARGE_FONT_SCALE) -> str:
    """A ``<style>`` that scales every cell (text, sliders, drawings) by ``scale`` (1 to 3)."""
    scale = check_float("scale", scale, 1.0, 3.0)
    # zoom (not font-size) also scales the sliders, the buttons and the inline px sizes
    return f'<style class="rt-large-font">.jp-Cell {{ zoom: {scale:g}; }}</style>'


def large_font_switch(on: bool = False, scale: float = LARGE_FONT_SCALE) -> widgets.HBox:
    """A "Large font" toggle for the projector; ``on=True`` starts enlarged."""
    if not isinstance(on, bool):
        raise TypeError(f"on={on!r} must be True or False, got {type(on).__name__}")
    css = large_font_css(scale)
    toggle = widgets.ToggleButton(value=on, description="Large font", icon="search-plus",
                                  tooltip=f"Enlarge everything {scale:g}x for a projector")
    toggle.add_class("rt-large-font-toggle")
    style = widgets.HTML()

    def update(_change: object = None) -> None:
        style.value = css if toggle.value else ""

    toggle.observe(update, names="value")
    update()
    box = widgets.HBox([toggle, style])
    box.toggle, box.style_html = toggle, style  # for tests
    return box
