"""How the suite itself runs (conftest.py): threads, groups and the order the groups start in."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parent.parent


def test_torch_uses_the_suites_thread_count():
    # conftest.py asks for one thread unless the caller set OMP_NUM_THREADS (torch caps a larger
    # request at the cores it finds)
    requested = int(os.environ["OMP_NUM_THREADS"])
    assert torch.get_num_threads() == 1 if requested == 1 else 1 <= torch.get_num_threads() <= requested


# a few files of each kind, named in the opposite order to the one the suite starts them in
SAMPLE = ["tests/test_hygiene.py", "notebooks/01b_inside_a_convolution.ipynb", "notebooks/00_start_here.ipynb",
          "tests/test_stepping_browser.py", "tests/test_browser.py", "tests/test_portability.py"]


def collected() -> list[str]:
    command = [sys.executable, "-m", "pytest", "--collect-only", "-q", "-n", "0", "-p", "no:cacheprovider", *SAMPLE]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    return [line for line in result.stdout.splitlines() if "::" in line]


def test_longest_groups_start_first_and_notebooks_stay_whole():
    ids = collected()
    # the sample's tests marked portability and browser (the other tests in those files are helpers)
    kind = ["portability" if "::test_every_notebook_reproduces_its_outputs_under[" in i
            else "browser" if re.match(r"tests/test_stepping_browser\.py::|tests/test_browser\.py::test_("
                                        r"conv_explorer|notebook_runs_all)", i)
            else "notebook" if i.startswith("notebooks/") else "unit" for i in ids]
    assert kind.count("portability") == 2 and kind.count("browser") >= 5
    # the two portability runs, then the browser files, then the notebooks, then everything else
    assert kind[:2] == ["portability", "portability"], ids[:3]
    rank = {"portability": 0, "browser": 1, "notebook": 2, "unit": 3}
    ranks = [rank[k] for k in kind]
    assert ranks == sorted(ranks), "a group starts out of order"
    # each notebook's cells together and in order (one kernel runs them top to bottom)
    cells: dict[str, list[int]] = {}
    seen_last = None
    for i in ids:
        if not i.startswith("notebooks/"):
            continue
        name, cell = re.match(r"notebooks/(.+?\.ipynb)::Cell (\d+)", i).groups()
        assert name == seen_last or name not in cells, f"{name}'s cells are split"
        cells.setdefault(name, []).append(int(cell))
        seen_last = name
    assert sorted(cells) == ["00_start_here.ipynb", "01b_inside_a_convolution.ipynb"]
    assert all(c == sorted(c) for c in cells.values())
