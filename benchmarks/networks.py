"""Notebooks 03 and 04: the network explorer's update time and the notebooks' heaviest cells.

One explorer update = ``explore_network`` (arithmetic on a cached meta-device network) plus the
HTML table: everything between releasing a slider and the new table.
Run: python3 benchmarks/networks.py
"""
from __future__ import annotations

import time
from collections.abc import Callable

try:
    from benchmarks._timing import summary, time_updates
except ModuleNotFoundError:  # run as a script: python3 benchmarks/networks.py
    from _timing import summary, time_updates

Row = tuple[str, str, str]
UPDATE_GOAL_MS = 100.0


def _seconds(run: Callable[[], object]) -> float:
    start = time.perf_counter()
    run()
    return time.perf_counter() - start


def rows() -> list[Row]:
    from resnet_teach import count_macs, resnet18
    from resnet_teach.lessons import networks as lesson
    from resnet_teach.lessons.networks import building
    from resnet_teach.widgets.network import network_explorer

    out: list[Row] = []
    lesson.explore_network.cache_clear()
    building._meta_network.cache_clear()
    first = _seconds(lambda: lesson.explore_network("ResNet-152", 224, 3))
    out.append(("04 explorer, first ResNet-152 (builds it on the meta device)", f"{first:.2f} s", "< 2 s"))

    box = network_explorer()
    choose, size, channels = box.children[0].children
    choose.value = "ResNet-152"  # build and cache it before timing
    lesson.explore_network.cache_clear()  # time the arithmetic, not the report cache
    times = time_updates(size, [224, 225, 160, 97, 32, 16, 1, 512, 300, 224])
    out.append(("04 explorer update, ResNet-152, new input size", summary(times), f"< {UPDATE_GOAL_MS:.0f} ms"))
    choose.value = "CIFAR ResNet-110"
    times = time_updates(size, [32, 33, 8, 4, 1, 512, 64])
    out.append(("04 explorer update, CIFAR ResNet-110, new input size", summary(times),
                f"< {UPDATE_GOAL_MS:.0f} ms"))

    macs = _seconds(lambda: [lesson.network_macs(lesson.meta_network(f"ResNet-{d}"), 224)
                             for d in lesson.IMAGENET_BUILDERS])
    model = resnet18()
    measured = _seconds(lambda: count_macs(model, (1, 3, 224, 224)))
    out.append(("04 multiply-adds of all five ResNets at 224 by arithmetic (cached meta nets)",
                f"{macs * 1000:.0f} ms", f"ResNet-18 alone by a real forward: {measured:.2f} s"))
    compare = _seconds(lambda: [lesson.compare_with_torchvision(d) for d in lesson.IMAGENET_BUILDERS])
    out.append(("04 load torchvision weights into all five ResNets and compare (64x64)",
                f"{compare:.1f} s", "< 10 s (the notebook's heaviest cell)"))
    return out


if __name__ == "__main__":
    for what, measured, goal in rows():
        print(f"{what:80s} {measured:32s} {goal}")
