"""Core measurements: our networks vs torchvision, scratch layers vs PyTorch, import time."""
from __future__ import annotations

import statistics
import subprocess
import sys
import time
from collections.abc import Callable

import torch
import torchvision

import resnet_teach as rt

Row = tuple[str, str, str]


def _time(fn: Callable[[], object], repeat: int = 1) -> float:
    start = time.perf_counter()
    for _ in range(repeat):
        fn()
    return (time.perf_counter() - start) / repeat


def interleaved_ratio(ours: Callable[[], object], theirs: Callable[[], object], rounds: int,
                      repeat: int = 1) -> tuple[float, float, float]:
    """Median of per-round time ratios, alternating which runs first (load drifts cancel)."""
    ours(), theirs()  # warm up
    ratios, t_ours, t_theirs = [], [], []
    for i in range(rounds):
        if i % 2:
            b, a = _time(theirs, repeat), _time(ours, repeat)
        else:
            a, b = _time(ours, repeat), _time(theirs, repeat)
        ratios.append(a / b), t_ours.append(a), t_theirs.append(b)
    return statistics.median(ratios), statistics.median(t_ours), statistics.median(t_theirs)


def network_rows(rounds: int = 7) -> list[Row]:
    rows = []
    torch.manual_seed(0)
    x = torch.randn(8, 3, 224, 224)
    for depth in (18, 50):
        ours = getattr(rt, f"resnet{depth}")().eval()
        theirs = getattr(torchvision.models, f"resnet{depth}")().eval()
        ours.load_state_dict(theirs.state_dict())
        with torch.inference_mode():
            ratio, a, b = interleaved_ratio(lambda m=ours: m(x), lambda m=theirs: m(x), rounds)
        rows.append((f"ResNet-{depth} forward, batch 8, 224x224: ours / torchvision",
                     f"{ratio:.3f} ({a * 1000:.0f} ms vs {b * 1000:.0f} ms)", "<= 1.03"))
    return rows


def scratch_rows(rounds: int = 15) -> list[Row]:
    torch.manual_seed(0)
    x = torch.randn(32, 64, 28, 28)
    ours_bn, ref_bn = rt.ScratchBatchNorm2d(64), torch.nn.BatchNorm2d(64)
    w = torch.randn(64, 64, 3, 3)
    with torch.inference_mode():
        bn_ratio, a, b = interleaved_ratio(lambda: ours_bn(x), lambda: ref_bn(x), rounds, repeat=5)
        conv_ratio, c, d = interleaved_ratio(lambda: rt.scratch_conv2d(x, w, padding=1),
                                             lambda: torch.nn.functional.conv2d(x, w, padding=1), rounds)
    return [
        ("ScratchBatchNorm2d / nn.BatchNorm2d, train mode, (32, 64, 28, 28)",
         f"{bn_ratio:.1f}x ({a * 1000:.1f} ms vs {b * 1000:.1f} ms)", "for the notebooks to quote"),
        ("scratch_conv2d (unfold) / F.conv2d, 3x3, 64->64, (32, 64, 28, 28)",
         f"{conv_ratio:.1f}x ({c * 1000:.0f} ms vs {d * 1000:.0f} ms)", "for the notebooks to quote"),
    ]


def import_rows(rounds: int = 5) -> list[Row]:
    def cold(module: str) -> float:
        code = f"import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"
        return float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                    check=True).stdout)

    cold("torch")  # warm the disk cache so neither side pays for it
    pairs = [(cold("resnet_teach"), cold("torch")) for _ in range(rounds)]  # interleaved
    ours_s = statistics.median(p[0] for p in pairs)
    torch_s = statistics.median(p[1] for p in pairs)
    return [("import resnet_teach vs import torch (fresh interpreter)",
             f"{ours_s:.2f} s vs {torch_s:.2f} s ({ours_s - torch_s:+.2f} s)", "close to torch's")]


def rows() -> list[Row]:
    return network_rows() + scratch_rows() + import_rows()
