"""Issue 15's new notebook sections, timed in isolation, and the stepping widget's update.

Each section is run as the notebook runs it: the notebook's first code cell (its imports),
then the section's code cells, from its first heading to the next old heading, in a fresh
namespace. Run: python3 benchmarks/new_sections.py (on an idle machine: wall-clock times).
"""
from __future__ import annotations

import time
from pathlib import Path

try:
    from benchmarks._timing import summary, time_updates
except ModuleNotFoundError:  # run as a script
    from _timing import summary, time_updates

ROOT = Path(__file__).resolve().parent.parent
Row = tuple[str, str, str]

# notebook source -> (heading that opens the new sections, heading after them) pairs
SECTIONS = {
    "01b_inside_a_convolution.py": [("## 1. What a convolution computes", "## Summary")],
    "02_batch_norm.py": [("## 11. The backward pass, by hand", "## Exercises"),
                         ("### Exercise 5 ·", "## Summary")],
    "03_residual_blocks.py": [("## 10. ResNeXt", "## Exercises"), ("### Exercise 5 ·", "## Summary")],
    "04_building_resnets.py": [("## 11. From the code", "## Exercises"), ("### Exercise 5 ·", "## Summary")],
}


def _cells(source: str) -> list[tuple[str, str]]:
    import jupytext

    nb = jupytext.read(ROOT / "notebooks" / "src" / source)
    return [(c.cell_type, c.source) for c in nb.cells]


def time_section(source: str) -> tuple[float, float]:
    """(wall, CPU) seconds of the new sections' code cells, after the notebook's imports."""
    import matplotlib

    matplotlib.use("Agg")
    cells = _cells(source)
    code = [next(src for kind, src in cells if kind == "code")]
    for start, end in SECTIONS[source]:
        inside = False
        for kind, src in cells:
            if kind == "markdown" and start in src:
                inside = True
            elif kind == "markdown" and end in src and start not in src:
                inside = False
            elif inside and kind == "code":
                code.append(src)
    import contextlib
    import io

    namespace: dict = {}
    with contextlib.redirect_stdout(io.StringIO()):
        exec(compile(code[0], source, "exec"), namespace)  # noqa: S102 - the imports
        wall, cpu = time.perf_counter(), time.process_time()
        for src in code[1:]:
            exec(compile(src, source, "exec"), namespace)  # noqa: S102 - our own notebook source
    return time.perf_counter() - wall, time.process_time() - cpu


def rows() -> list[Row]:
    out: list[Row] = []
    for source in SECTIONS:
        wall, cpu = time_section(source)
        out.append((f"{source.split('_')[0]}: issue 15's new sections", f"{wall:.1f} s wall, {cpu:.1f} s CPU",
                    "notebook total <= 30 s"))
    from resnet_teach.widgets.stepping import stepping_explorer

    w = stepping_explorer()
    times = time_updates(w.controls["step"], list(range(9)) * 2)
    out.append(("stepping widget: one step", summary(times), "< 300 ms"))
    return out


if __name__ == "__main__":
    for row in rows():
        print(" | ".join(row))
