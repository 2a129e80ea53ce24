"""Print one table of every measurement the project quotes.

    python3 benchmarks/run.py            # everything
    python3 benchmarks/run.py core conv  # only some topics

Each module in benchmarks/ exposes ``rows() -> [(what, measured, goal)]``. Run it on an idle
machine: the numbers are wall-clock times on this CPU (thread count noted in the header).
"""
from __future__ import annotations

import importlib
import pkgutil
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main(topics: list[str]) -> None:
    import torch

    names = sorted(m.name for m in pkgutil.iter_modules([str(ROOT / "benchmarks")])
                   if m.name != "run" and not m.name.startswith("_"))
    names = ["core"] + [n for n in names if n != "core"]
    if topics:
        names = [n for n in names if n in topics]
    print(f"# resnet-teach benchmarks: torch {torch.__version__}, {torch.get_num_threads()} threads, "
          f"{platform.processor() or platform.machine()}")
    table = []
    for name in names:
        start = time.perf_counter()
        module = importlib.import_module(f"benchmarks.{name}")
        for what, measured, goal in module.rows():
            table.append((name, what, measured, goal))
        print(f"# {name}: {time.perf_counter() - start:.0f} s", file=sys.stderr)
    head = ("topic", "what", "measured", "goal")
    widths = [max(len(str(r[i])) for r in [head] + table) for i in range(4)]
    line = lambda r: "| " + " | ".join(str(r[i]).ljust(widths[i]) for i in range(4)) + " |"  # noqa: E731
    print(line(head))
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for r in table:
        print(line(r))


if __name__ == "__main__":
    main(sys.argv[1:])
