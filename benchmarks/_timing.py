"""Timing helpers shared by the benchmark modules."""
from __future__ import annotations

import statistics
import time
from collections.abc import Sequence


def time_updates(control, values: Sequence) -> list[float]:
    """Milliseconds per widget update: set ``control.value`` to each value in turn (the
    observer runs the whole update synchronously); values equal to the current one are skipped."""
    times = []
    for v in values:
        if control.value == v:
            continue
        start = time.perf_counter()
        control.value = v
        times.append((time.perf_counter() - start) * 1000)
    return times


def summary(times: list[float], decimals: int = 0) -> str:
    return (f"{statistics.median(times):.{decimals}f} ms median, {max(times):.{decimals}f} ms worst "
            f"({len(times)} runs)")
