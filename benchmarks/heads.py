"""Notebook 06 (Flatten vs GAP): the input-size explorer and the notebook's heaviest cells.

One widget update = ``explore_input_size`` (size arithmetic, no forward pass) plus the HTML
report: everything between releasing a slider and the new text. CPU time (this process) is
shown beside wall time because the machine may be shared. Run: python3 benchmarks/heads.py
"""
from __future__ import annotations

import time
from collections.abc import Callable

try:
    from benchmarks._timing import summary, time_updates
except ModuleNotFoundError:  # run as a script: python3 benchmarks/heads.py
    from _timing import summary, time_updates

Row = tuple[str, str, str]
UPDATE_GOAL_MS = 50.0


def _timed(run: Callable[[], object]) -> tuple[float, float]:
    """(wall, CPU) seconds of one call."""
    wall, cpu = time.perf_counter(), time.process_time()
    run()
    return time.perf_counter() - wall, time.process_time() - cpu


def _seconds(wall_cpu: tuple[float, float]) -> str:
    return f"{wall_cpu[0]:.1f} s wall, {wall_cpu[1]:.1f} s CPU"


def rows() -> list[Row]:
    import torch

    from resnet_teach import cifar_resnet, resnet18, resnet50, train
    from resnet_teach.lessons import heads as lesson
    from resnet_teach.widgets.heads import input_size_explorer

    out: list[Row] = []
    sides = range(1, 1025)
    wall, _ = _timed(lambda: [lesson.explore_input_size(n, n) for n in sides])
    out.append(("06 explore_input_size, every square side 1..1024 (logic only)",
                f"{wall / len(sides) * 1000:.2f} ms per call", "<= 5 ms"))

    start = time.perf_counter()
    explorer = input_size_explorer()
    build_ms = (time.perf_counter() - start) * 1000
    c = explorer.controls
    times = time_updates(c["height"], [1, 160, 320, 1024, 224])
    times += time_updates(c["width"], [1, 300, 1024, 224])
    times += time_updates(c["network"], [50, 18])
    out.append(("06 input-size explorer: update (arithmetic + HTML report)", summary(times, decimals=1),
                f"<= {UPDATE_GOAL_MS:.0f} ms"))
    out.append(("06 input-size explorer: construction", f"{build_ms:.0f} ms", "cheap (< 500 ms)"))

    # The notebook's heaviest cells.
    torch.manual_seed(0)
    out.append(("06 build ResNet-18 + ResNet-50 (random init)",
                _seconds(_timed(lambda: (resnet18(), resnet50()))), "<= 3 s"))
    net18 = resnet18().eval()

    def four_sizes() -> None:
        with torch.no_grad():
            for hw in [(160, 160), (224, 224), (320, 320), (160, 320)]:
                net18(torch.randn(1, 3, *hw))

    out.append(("06 section 3: ResNet-18 forward at 160, 224, 320, 160x320",
                _seconds(_timed(four_sizes)), "<= 3 s"))

    data = {}
    out.append(("06 section 7: digits_with_decoy, 3000 train + 500 test",
                _seconds(_timed(lambda: data.update(
                    train=lesson.digits_with_decoy(3000, seed=0, split="train"),
                    test=lesson.digits_with_decoy(500, seed=0, split="test")))), "<= 2 s"))

    def train_cam_net() -> None:  # the notebook's training cell
        torch.manual_seed(0)
        net = cifar_resnet(8, in_channels=1, num_classes=10, widths=(8, 16, 32))
        train(net, data["train"], epochs=2, batch_size=32, lr=0.01, seed=0, progress=False)
        data["net"] = net

    out.append(("06 section 7: train the CAM network (2 epochs, 1 thread)",
                _seconds(_timed(train_cam_net)), "<= 10 s"))
    out.append(("06 section 7: CAMs + peaks for 500 held-out images",
                _seconds(_timed(lambda: lesson.evaluate_cams(data["net"], data["test"]))), "<= 1 s"))
    return out


if __name__ == "__main__":
    for what, measured, goal in rows():
        print(f"{what:66s} {measured:40s} {goal}")
