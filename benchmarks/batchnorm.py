"""Notebook 02 (batch normalization): the momentum explorer and the notebook's heaviest cells.

One widget update = the lesson function (a real nn.BatchNorm2d fed every batch, plus the
formula beside it), the drawing and its PNG encoding: everything between releasing a slider
and the new picture. Run: python3 benchmarks/batchnorm.py
"""
from __future__ import annotations

import time
from collections.abc import Callable

try:
    from benchmarks._timing import summary, time_updates
except ModuleNotFoundError:  # run as a script: python3 benchmarks/batchnorm.py
    from _timing import summary, time_updates

Row = tuple[str, str, str]
UPDATE_GOAL_MS = 300.0


def _ms(run: Callable[[], object], repeats: int = 3) -> list[float]:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append((time.perf_counter() - start) * 1000)
    return times


def rows() -> list[Row]:
    import torch
    from torch import nn

    from resnet_teach import cifar_resnet, digits, train
    from resnet_teach.lessons.batchnorm import (
        accuracy_without_eval,
        momentum_trajectory,
    )
    from resnet_teach.widgets.batchnorm import momentum_explorer

    out: list[Row] = []
    out.append(("02 momentum_trajectory, 300 steps of 64x1x8x8 (logic only)",
                summary(_ms(lambda: momentum_trajectory(None, 300, 64, 8))), "<= 100 ms"))

    start = time.perf_counter()
    explorer = momentum_explorer()  # also warms matplotlib's caches
    build_ms = (time.perf_counter() - start) * 1000
    c = explorer.controls
    times = time_updates(c["momentum"], [0.0, 0.05, 0.5, 1.0, 0.1])
    times += time_updates(c["use_none"], [True, False])
    times += time_updates(c["steps"], [1, 150, 300])
    times += time_updates(c["batch_size"], [1, 64])
    times += time_updates(c["size"], [1, 8])
    out.append(("02 momentum explorer: update (nn.BatchNorm2d + formula + plot + PNG)", summary(times),
                f"<= {UPDATE_GOAL_MS:.0f} ms"))
    start = time.perf_counter()
    momentum_explorer()
    out.append(("02 momentum explorer: construction (first / warm)",
                f"{build_ms:.0f} ms / {(time.perf_counter() - start) * 1000:.0f} ms",
                "cheap (< 500 ms warm)"))

    # the notebook's heaviest cells: section 7 (two short trainings) and section 8 (7 accuracies)
    train_set, test_set = digits("train"), digits("test")
    nets = []
    start = time.perf_counter()
    for norm in (None, lambda channels: nn.Identity()):
        torch.manual_seed(0)
        net = cifar_resnet(8, residual=False, in_channels=1, widths=(8, 16, 32), norm_layer=norm)
        train(net, train_set, test_data=test_set, epochs=3, batch_size=64, optimizer="sgd", lr=0.1,
              momentum=0.9, schedule="cosine", seed=0, progress=False)  # the notebook's settings
        nets.append(net)
    out.append(("02 notebook section 7: train with / without BN (3 epochs each)",
                f"{time.perf_counter() - start:.1f} s", "<= 8 s"))
    start = time.perf_counter()
    for batch_size in (len(test_set), 64, 8, 2, 1):
        accuracy_without_eval(nets[0], test_set, batch_size)
    accuracy_without_eval(nets[0], test_set, 32, sort_by_label=True)
    out.append(("02 notebook section 8: test accuracy without eval(), 6 settings",
                f"{time.perf_counter() - start:.1f} s", "<= 3 s"))
    return out


if __name__ == "__main__":
    for what, measured, goal in rows():
        print(f"{what:70s} {measured:40s} {goal}")
