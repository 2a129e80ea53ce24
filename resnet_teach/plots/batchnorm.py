"""Plots for notebook 02 (batch normalization)."""
from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
from torch import Tensor

from ..lessons.batchnorm import MomentumTrajectory

__all__ = ["momentum_label", "plot_momentum_trajectories", "plot_value_histograms"]


def momentum_label(traj: MomentumTrajectory) -> str:
    return "momentum=None (1/t)" if traj.momentum is None else f"momentum={traj.momentum:g}"


def plot_momentum_trajectories(trajectories: MomentumTrajectory | Sequence[MomentumTrajectory],
                               show_batches: bool = True):
    """running_mean and running_var after each step (what nn.BatchNorm2d stored), the formula's
    values as dots, each batch's own statistics as faint crosses, the data's as a dashed line."""
    if isinstance(trajectories, MomentumTrajectory):
        trajectories = [trajectories]
    if not trajectories:
        raise ValueError("trajectories=[] must hold at least one MomentumTrajectory")
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.4))
    panels = (("running_mean", "running_mean", "formula_mean", "batch_mean", "data_mean"),
              ("running_var", "running_var", "formula_var", "batch_var_unbiased", "data_var"))
    for ax, (title, run_key, formula_key, batch_key, target_key) in zip(axes, panels):
        first = trajectories[0]
        if show_batches:
            ax.plot(range(1, first.steps + 1), getattr(first, batch_key), "x", color="0.6", ms=4,
                    label="each batch's own value")
        for traj in trajectories:
            steps = range(traj.steps + 1)
            line, = ax.plot(steps, getattr(traj, run_key), lw=2,
                            label=f"nn.BatchNorm2d, {momentum_label(traj)}")
            every = max(1, traj.steps // 25)  # a dot now and then: the formula lies on the line
            ax.plot(list(steps)[::every], getattr(traj, formula_key)[::every], "o", ms=3,
                    color=line.get_color(), mfc="white")
        # one legend entry for the formula's dots (each trajectory's dots take its line's colour)
        ax.plot([], [], "o", ms=3, color="0.3", mfc="white", label="update formula (float64), dots")
        ax.axhline(getattr(first, target_key), ls="--", color="k", lw=1, label="the data's value")
        ax.set_xlabel("training step (batches seen)")
        ax.set_title(title)
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize=8)
    # fixed margins instead of tight_layout: it would draw the figure twice, and the widget
    # redraws on every slider move
    fig.subplots_adjust(left=0.06, right=0.99, bottom=0.15, top=0.92, wspace=0.15)
    return fig


def plot_value_histograms(panels: Mapping[str, Tensor], bins: int = 40,
                          band: tuple[float, float] | None = None):
    """One histogram per named tensor, each with its min and max marked; ``band`` shades an
    interval on every panel (e.g. (0, 1))."""
    if not panels:
        raise ValueError("panels={} must name at least one tensor")
    if band is not None and (len(band) != 2 or not band[0] < band[1]):
        raise ValueError(f"band={band!r} must be a pair (low, high) with low < high")
    # one shared x-axis, so that where each histogram sits can be compared at a glance
    fig, axes = plt.subplots(1, len(panels), figsize=(4 * len(panels), 3.2), squeeze=False, sharex=True)
    for ax, (name, values) in zip(axes[0], panels.items()):
        v = values.detach().flatten()
        if band is not None:
            ax.axvspan(band[0], band[1], color="tab:green", alpha=0.15, label=f"[{band[0]:g}, {band[1]:g}]")
        ax.hist(v.numpy(), bins=bins, color="tab:blue", alpha=0.8, label="values")
        ax.axvline(v.min().item(), color="tab:red", lw=1, label="min and max")
        ax.axvline(v.max().item(), color="tab:red", lw=1)
        ax.set_title(f"{name}\nmin {v.min().item():.2f}, max {v.max().item():.2f}, "
                     f"mean {v.mean().item():.2f}", fontsize=9)
        ax.set_xlabel("value")
        ax.grid(alpha=0.3)
    axes[0][0].set_ylabel("count")
    axes[0][0].legend(fontsize=8)
    fig.tight_layout()
    return fig
