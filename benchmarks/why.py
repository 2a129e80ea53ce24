"""Notebook 07: wall time of each measurement (the notebook's goal: <= 60 s in all on a 2-core CPU).

Wall time depends on what else the machine is doing; each row also gives this process's CPU
time, and the load average at the end. Run: python3 benchmarks/why.py
"""
from __future__ import annotations

import os
import time
from collections.abc import Callable

from benchmarks._timing import summary, time_updates

Row = tuple[str, str, str]


def _timed(fn: Callable[[], object]) -> tuple[float, float, object]:
    wall, cpu = time.perf_counter(), time.process_time()
    result = fn()
    return time.perf_counter() - wall, time.process_time() - cpu, result


def rows() -> list[Row]:
    os.environ.setdefault("RESNET_TEACH_PROGRESS", "0")
    import torch

    from resnet_teach import digits, train
    from resnet_teach.landscape import filter_normalized_direction, loss_surface
    from resnet_teach.lesion import lesion_study, path_gradient_magnitudes
    from resnet_teach.shattered import make_network, shattering
    from resnet_teach.widgets.why import lesion_explorer, signal_explorer

    tr, te = digits("train"), digits("test")
    out: list[Row] = []
    nets = [(8, "plain"), (32, "plain"), (56, "plain"), (32, "residual"), (56, "residual")]
    wall, cpu, _ = _timed(lambda: [shattering(d, k, tr) for d, k in nets])
    out.append(("07 shattered gradients, 5 networks at init", f"{wall:.1f} s wall, {cpu:.1f} s CPU", "< 5 s"))
    wall, cpu, worst = _timed(lambda: shattering(56, "preact", tr))
    out.append(("07 one signal, preact-56 (the widget's slowest)", f"{wall * 1000:.0f} ms", "< 1 s"))

    def train_two():
        models = {}
        for kind in ("residual", "plain"):
            m = make_network(32, kind, 0)
            train(m, tr, 6, seed=0, progress=False)
            models[kind] = m
        return models

    wall, cpu, models = _timed(train_two)
    out.append(("07 train resnet-32 and plain-32, 6 epochs, 1 thread", f"{wall:.1f} s wall, {cpu:.1f} s CPU",
                "<= 25 s"))
    wall, cpu, _ = _timed(lambda: [lesion_study(m, te) for m in models.values()])
    out.append(("07 lesion study, both networks", f"{wall:.1f} s wall, {cpu:.1f} s CPU", "< 5 s"))
    wall, cpu, _ = _timed(lambda: path_gradient_magnitudes(models["residual"], tr, samples=12, batch_size=32))
    out.append(("07 path gradients, 16 lengths x 12 samples", f"{wall:.1f} s wall, {cpu:.1f} s CPU", "< 5 s"))
    sub = type(tr)(tr.images[:256], tr.labels[:256])
    coords = torch.linspace(-1, 1, 9).tolist()

    def slices():
        for m in models.values():
            g = torch.Generator().manual_seed(0)
            loss_surface(m, sub, filter_normalized_direction(m, g), filter_normalized_direction(m, g), coords)

    wall, cpu, _ = _timed(slices)
    out.append(("07 two 9x9 loss slices on 256 images", f"{wall:.1f} s wall, {cpu:.1f} s CPU", "<= 15 s"))
    box = signal_explorer(tr, depth=8, kind="plain", draw=False)
    times = time_updates(box.controls["depth"], [14, 20, 26, 32, 38, 44, 50, 56])
    out.append(("07 signal widget update, depth 14..56 (no figure)", summary(times), "< 1 s"))
    box = lesion_explorer({"resnet-32": models["residual"], "plain-32": models["plain"]}, te)
    times = time_updates(box.controls["block"], ["layer1.0", "layer2.1", "layer3.1", "layer3.3"])
    out.append(("07 lesion widget update", summary(times), "< 1 s"))
    out.append(("07 load average at the end", f"{os.getloadavg()[0]:.1f}", "idle: < 0.5"))
    return out


if __name__ == "__main__":
    for row in rows():
        print(" | ".join(row))
