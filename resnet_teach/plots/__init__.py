"""Plotting helpers (matplotlib), one module per topic; imported only when a notebook asks.

Notebooks end a plot cell with ``plt.show()``: under nbval a trailing ``;`` does not hide a
figure's repr. Figures are PNG (the inline default), which nbval does not compare.
"""
