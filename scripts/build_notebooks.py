"""Generate notebooks/*.ipynb from their jupytext sources in notebooks/src/*.py and execute them.

    python scripts/build_notebooks.py            # convert + execute every notebook in place
    python scripts/build_notebooks.py 01 05      # only notebooks 01 and 05 (not 01b: give 01b for it)
    python scripts/build_notebooks.py 0          # every notebook whose name starts with 0
    python scripts/build_notebooks.py --check    # fail if an .ipynb does not match its source

Edit the .py sources (py:percent format), never the .ipynb by hand: the check (also run by
tests/test_notebook_sources.py) fails when the two disagree. Execution uses the same
environment settings as the test run, so the stored outputs are the ones strict nbval expects.
"""
from __future__ import annotations

import argparse
import os
import re
import sys
import time
from pathlib import Path

import jupytext
import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
SOURCES = NOTEBOOKS / "src"
KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}


def number(path: Path) -> str:
    """A notebook's number, the part of its name before the first underscore: "01", "01b", "classroom"."""
    return path.stem.split("_")[0]


def selected(path: Path, prefix: str) -> bool:
    """A notebook number picks that notebook only ("01" is not "01b"); anything else is a prefix."""
    if re.fullmatch(r"\d\d[a-z]?", prefix):
        return number(path) == prefix
    return path.stem.startswith(prefix)


def source_paths(prefixes: list[str]) -> list[Path]:
    paths = sorted(SOURCES.glob("*.py"))
    if prefixes:
        paths = [p for p in paths if any(selected(p, x) for x in prefixes)]
    return paths


def from_source(src: Path) -> nbformat.NotebookNode:
    nb = jupytext.read(src)
    nb.metadata = {"kernelspec": KERNELSPEC, "language_info": {"name": "python"}}
    for cell in nb.cells:
        cell.metadata.pop("lines_to_next_cell", None)
    return nb


def cell_signature(nb: nbformat.NotebookNode) -> list[tuple]:
    """What must agree between a source and its notebook: cell kinds, sources and tags."""
    return [(c.cell_type, c.source.strip(), tuple(c.metadata.get("tags", []))) for c in nb.cells]


def check(paths: list[Path]) -> list[str]:
    problems = []
    for src in paths:
        target = NOTEBOOKS / f"{src.stem}.ipynb"
        if not target.exists():
            problems.append(f"{target.name}: missing; run python scripts/build_notebooks.py {number(src)}")
            continue
        if cell_signature(from_source(src)) != cell_signature(nbformat.read(target, as_version=4)):
            problems.append(f"{target.name}: differs from src/{src.name}; rebuild it")
    for nb_path in sorted(NOTEBOOKS.glob("*.ipynb")):
        if not (SOURCES / f"{nb_path.stem}.py").exists():
            problems.append(f"{nb_path.name}: has no source in notebooks/src/")
    return problems


# Stored tracebacks (cells tagged raises-exception) would carry the builder's paths, e.g.
# "~/.pyenv/versions/3.11.7/lib/python3.11/site-packages/torch/..." or "/work/main/resnet_teach/...".
# nbval does not compare tracebacks; shorten the paths so a notebook carries no one's home directory.
SITE_PACKAGES = re.compile(r"(?:~|/)[^\s\x1b\"']*?/site-packages/")


def shorten_traceback_paths(nb: nbformat.NotebookNode) -> None:
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                out["traceback"] = [SITE_PACKAGES.sub("site-packages/", line).replace(f"{ROOT}/", "")
                                    for line in out["traceback"]]


def build(src: Path, execute: bool = True) -> float:
    nb = from_source(src)
    target = NOTEBOOKS / f"{src.stem}.ipynb"
    start = time.perf_counter()
    if execute:
        os.environ["RESNET_TEACH_PROGRESS"] = "0"  # as under pytest (see conftest.py)
        NotebookClient(nb, timeout=600, kernel_name="python3", record_timing=False,
                       resources={"metadata": {"path": str(NOTEBOOKS)}}).execute()
        nb.metadata = {"kernelspec": KERNELSPEC, "language_info": {"name": "python"}}
        shorten_traceback_paths(nb)
    nbformat.write(nb, target)
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("prefixes", nargs="*", help="build only notebooks whose name starts with these")
    parser.add_argument("--check", action="store_true", help="only check that notebooks match sources")
    parser.add_argument("--no-execute", action="store_true", help="convert without running")
    args = parser.parse_args()
    paths = source_paths(args.prefixes)
    if args.check:
        problems = check(paths)
        print("\n".join(problems) or f"{len(paths)} notebooks match their sources")
        return 1 if problems else 0
    for src in paths:
        seconds = build(src, execute=not args.no_execute)
        print(f"{src.stem}.ipynb  {seconds:5.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
