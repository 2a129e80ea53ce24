"""Notebook 05: wall time of the default degradation experiment (goal: <= 30 s on a 2-core CPU).

The four networks train at a fixed thread count (1). Wall time depends on what else the
machine is doing, so each row also gives the process's CPU time and the load average:
on a busy machine wall time >> CPU time.
Run: python3 benchmarks/degradation.py
"""
from __future__ import annotations

import os
import time
from collections.abc import Callable

Row = tuple[str, str, str]


def _timed(fn: Callable[[], object]) -> tuple[float, float]:
    """(wall seconds, CPU seconds of this process) for one call."""
    wall, cpu = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - wall, time.process_time() - cpu


def _load() -> str:
    return f"load avg {os.getloadavg()[0]:.1f}"


def rows(repeats: int = 2) -> list[Row]:
    os.environ.setdefault("RESNET_TEACH_PROGRESS", "0")
    from resnet_teach import cifar_resnet, digits, train
    from resnet_teach.degradation import DegradationSettings, run_degradation
    from resnet_teach.gradient_norms import gradient_norms_at_init
    from resnet_teach.widgets.degradation import degradation_rerun

    out: list[Row] = []
    s = DegradationSettings()
    runs = [_timed(run_degradation) for _ in range(repeats)]
    wall, cpu = min(runs)
    out.append((f"05 default experiment: 4 nets (depths {s.depths}), {s.epochs} epochs, "
                f"{s.num_threads} thread",
                f"{wall:.1f} s wall (best of {repeats}), {cpu:.1f} s CPU, {_load()}", "<= 30 s"))

    wall, cpu = _timed(lambda: (gradient_norms_at_init(32, False), gradient_norms_at_init(32, True)))
    out.append(("05 gradient norms at init, plain-32 and resnet-32", f"{wall:.2f} s wall, {cpu:.2f} s CPU",
                "cheap (< 2 s)"))

    wall, _ = _timed(lambda: degradation_rerun())
    out.append(("05 rerun widget: construction (trains nothing)", f"{wall * 1000:.0f} ms",
                "cheap (< 500 ms)"))

    # Why the thread count is fixed at 1: three training steps of plain-32 at 1 and at 2 threads
    # (2 threads wait for each other when other processes hold the cores).
    full = digits("train")
    data = (full.images[:384], full.labels[:384])  # 3 batches of 128
    for threads in (1, 2):
        model = cifar_resnet(32, residual=False, shortcut="A", in_channels=1)
        wall, cpu = _timed(lambda m=model, t=threads: train(m, data, 1, num_threads=t, progress=False))
        out.append((f"05 3 training steps of plain-32 at {threads} thread(s)",
                    f"{wall:.2f} s wall, {cpu:.2f} s CPU, {_load()}",
                    "1 thread: repeatable, and not slower on a busy 2-core CPU"))
    return out


if __name__ == "__main__":
    for row in rows():
        print(" | ".join(row))
