"""Notebook 05 (the degradation problem): the rerun widget's logic (checkers: ``degradation_exercises``).

No ipywidgets or matplotlib here: the widget (``resnet_teach.widgets.degradation``) only
wraps these functions, and pytest checks them at every slider position.
"""
from __future__ import annotations

from dataclasses import dataclass

from .._checks import check_int
from ..degradation import (
    DegradationSettings,
    Results,
    check_depths,
    final_numbers,
    ordering_margins,
    run_degradation,
    run_names,
)

__all__ = ["WIDGET_DEPTHS", "WIDGET_MAX_EPOCHS", "RerunPlan", "plan_rerun", "rerun", "verdict"]

# The widget's range: up to 56 layers (the paper's plain-56 of Figure 1) and 40 epochs, enough
# to watch plain-32 catch up with plain-8 (8 vs 32 at 30 epochs takes a minute or two on a
# laptop CPU; 8 vs 56 at 40 epochs, the slowest choice, several minutes).
WIDGET_DEPTHS: tuple[int, int] = (8, 56)
WIDGET_MAX_EPOCHS = 40
REACH_ERROR = 0.05  # the training error whose first epoch verdict() reports
WIDGET_MAX_SEED = 99


@dataclass(frozen=True)
class RerunPlan:
    """A checked request for a short rerun of the experiment."""

    depths: tuple[int, int]
    epochs: int
    seed: int

    @property
    def names(self) -> list:
        return run_names(self.depths)

    def describe(self) -> str:
        layers = 2 * sum(self.depths)
        return (f"Will train {', '.join(self.names)} for {self.epochs} epoch(s) with seed {self.seed}: "
                f"{layers} weighted layers in all.")


def plan_rerun(shallow: int, deep: int, epochs: int = DegradationSettings.epochs, seed: int = 0) -> RerunPlan:
    """Check the widget's choice; a combination that makes no sense raises a readable ValueError."""
    shallow = check_int("shallow", shallow, WIDGET_DEPTHS[0])
    deep = check_int("deep", deep, WIDGET_DEPTHS[0])
    for label, d in (("shallow", shallow), ("deep", deep)):
        if d > WIDGET_DEPTHS[1]:
            raise ValueError(f"{label}={d} must be <= {WIDGET_DEPTHS[1]}: deeper nets take too long for a "
                             f"laptop rerun (call run_degradation yourself if you have the time)")
    check_depths((shallow, deep))
    epochs = check_int("epochs", epochs, 1)
    if epochs > WIDGET_MAX_EPOCHS:
        raise ValueError(f"epochs={epochs} must be <= {WIDGET_MAX_EPOCHS} for a rerun in the widget")
    seed = check_int("seed", seed, 0)
    if seed > WIDGET_MAX_SEED:
        raise ValueError(f"seed={seed} must be <= {WIDGET_MAX_SEED} in the widget")
    return RerunPlan((shallow, deep), epochs, seed)


def rerun(plan: RerunPlan, progress: bool | None = None) -> Results:
    """Run the planned experiment (the notebook's settings apart from depths, epochs and seed)."""
    if not isinstance(plan, RerunPlan):
        raise TypeError(f"plan must be a RerunPlan (from plan_rerun), got {type(plan).__name__}")
    return run_degradation(plan.depths, plan.seed, plan.epochs, progress=progress)


def verdict(results: Results) -> str:
    """One line per claim: did it hold in this run, and by how much (final training loss)."""
    final = final_numbers(results)
    margins = ordering_margins(results)
    shallow, deep = sorted({int(name.split("-")[1]) for name in final})
    loss = {name: f["train_loss"] for name, f in final.items()}
    held = margins["plain_gap"] > 0
    first = (f"Degradation {'seen' if held else 'NOT seen'}: plain-{deep} ended at training loss "
             f"{loss[f'plain-{deep}']:.4f}, plain-{shallow} at {loss[f'plain-{shallow}']:.4f}.")
    if not held:
        first += " (Too little depth difference or training? Try a deeper net.)"
    fixed = margins["residual_gain"] > 0
    second = (f"Residual fix {'seen' if fixed else 'NOT seen'}: resnet-{deep} ended at "
              f"{loss[f'resnet-{deep}']:.4f}, {'below' if fixed else 'not below'} plain-{deep}.")
    reach = []
    for name, h in results.items():
        first_epoch = next((i + 1 for i, e in enumerate(h["train_error"]) if e < REACH_ERROR), None)
        reach.append(f"{name} from epoch {first_epoch}" if first_epoch else f"{name} not within this run")
    third = f"Training error below {REACH_ERROR:.0%}: " + ", ".join(reach) + "."
    return first + "\n" + second + "\n" + third
