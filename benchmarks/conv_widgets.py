"""Widget update time of notebook 01 (goal: <= 50 ms per update, drawing included).

One update = the lesson function (formula), the real PyTorch layer, the drawing and its PNG
encoding, i.e. everything that happens between moving a slider and the new picture.
Run: python3 benchmarks/conv_widgets.py
"""
from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Sequence

GOAL_MS = 50.0


Timing = tuple[float, float]  # (wall, CPU) milliseconds of one update


def _time_updates(control, values: Sequence, repeats: int = 3) -> list[Timing]:
    """Wall and CPU milliseconds per update while ``control`` steps through ``values``.

    CPU time (this process only) is reported beside wall time because the machine may be
    shared: wall time then includes waiting for a core, CPU time does not.
    """
    times = []
    for _ in range(repeats):
        for v in values:
            if control.value == v:
                continue
            wall, cpu = time.perf_counter(), time.process_time()
            control.value = v  # the observer runs the whole update synchronously
            times.append(((time.perf_counter() - wall) * 1000, (time.process_time() - cpu) * 1000))
    return times


def _row(what: str, times: list[Timing]) -> tuple[str, str, str]:
    wall = [t[0] for t in times]
    cpu = [t[1] for t in times]
    return (what, f"{statistics.median(wall):.1f} ms median wall ({statistics.median(cpu):.1f} ms CPU), "
                  f"{max(wall):.1f} ms worst wall, {len(times)} updates",
            f"<= {GOAL_MS:.0f} ms")


def _build_time(make: Callable[[], object]) -> float:
    start = time.perf_counter()
    make()
    return (time.perf_counter() - start) * 1000


def rows() -> list[tuple[str, str, str]]:
    from resnet_teach.widgets.conv import PHOTO, groups_explorer, output_size_explorer, padding_mode_explorer

    out = []
    size = output_size_explorer()  # construction also warms the caches (fonts, text)
    times = _time_updates(size.controls["n"], range(1, 21))
    times += _time_updates(size.controls["p"], [0, 4, 2])
    size.controls["view"].value = "1-D"
    times += _time_updates(size.controls["k"], range(1, 8))
    size.controls["layer"].value = "max pool"
    times += _time_updates(size.controls["ceil_mode"], [True, False])
    out.append(_row("01 output-size widget: update (formula + PyTorch layer + drawing + PNG)", times))

    pad = padding_mode_explorer()
    times = _time_updates(pad.controls["mode"], ["zeros", "reflect", "replicate", "circular"])
    times += _time_updates(pad.controls["pad"], range(0, 7))
    pad.controls["input"].value = PHOTO
    times += _time_updates(pad.controls["pad"], [10, 30, 47, 60])
    out.append(_row("01 padding-mode widget: update (F.pad + nn.Conv2d + scratch_pad + drawing)", times))

    groups = groups_explorer()
    times = _time_updates(groups.controls["groups"], [1, 2, 4, 8, 16])
    groups.controls["in_channels"].value = groups.controls["out_channels"].value = 64
    times += _time_updates(groups.controls["groups"], [1, 2, 4, 8, 16, 32, 64])
    out.append(_row("01 groups widget: update (two nn.Conv2d + count_macs + drawing)", times))

    build = [_build_time(output_size_explorer), _build_time(padding_mode_explorer),
             _build_time(groups_explorer)]
    out.append(("01 widgets: construction (all three, warm)", f"{sum(build):.0f} ms", "cheap (< 500 ms)"))
    return out


if __name__ == "__main__":
    for what, measured, goal in rows():
        print(f"{what:80s} {measured:45s} {goal}")
