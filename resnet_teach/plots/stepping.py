"""The stepping convolution drawn: padded input with the window, kernel, products, output.

Painted as pixels with ``plots.conv``'s ``Panel`` and ``render`` (a widget redraw stays fast).
"""
from __future__ import annotations

import math

import numpy as np

from ..lessons.conv_compute import StepState
from .conv import _RGB, Drawing, Panel, render

__all__ = ["draw_step"]

WINDOW, DONE = np.array([0.96, 0.70, 0.42]), np.array([0.85, 0.92, 0.83])


def _label(v: float) -> str:
    return "" if math.isnan(v) else f"{v:g}"


def draw_step(state: StepState, cell: int = 26) -> Drawing:
    """Four panels for one window position of ``stepping_state``."""
    if not isinstance(state, StepState):
        raise TypeError(f"state must be a StepState (from stepping_state), got {type(state).__name__}")
    n, k, p, out = state.size, state.kernel_size, state.padding, state.output_size
    m = n + 2 * p
    colors = np.tile(_RGB["padding"], (m, m, 1))
    colors[p:p + n, p:p + n] = _RGB["input"]
    colors[state.top:state.top + k, state.left:state.left + k] = WINDOW
    texts = {(r, c): f"{state.padded[r, c].item():g}" for r in range(m) for c in range(m)}
    inp = Panel(colors, f"input, padding {p}\n(window at padded row {state.top}, col {state.left})", cell,
                texts=texts, outline=(p, p, n, n) if p else None)
    kern = Panel(np.tile(WINDOW, (k, k, 1)), "kernel", cell,
                 texts={(r, c): f"{state.kernel[r, c].item():g}" for r in range(k) for c in range(k)})
    prod = Panel(np.tile(_RGB["tap padding"], (k, k, 1)), f"products\nsum = {state.value:g}", cell,
                 texts={(r, c): f"{state.products[r, c].item():g}" for r in range(k) for c in range(k)})
    ocolors = np.tile(_RGB["padding"], (out, out, 1))
    filled = ~np.isnan(state.partial.numpy())
    ocolors[filled] = DONE
    ocolors[state.row, state.col] = WINDOW
    outp = Panel(ocolors, f"output {out}x{out}\n(step {state.step + 1} of {state.steps})", cell,
                 texts={(r, c): _label(state.partial[r, c].item()) for r in range(out) for c in range(out)})
    caption = f"output[{state.row}, {state.col}] = sum of the products = {state.value:g}"
    return render([inp, kern, prod, outp], caption=caption)
