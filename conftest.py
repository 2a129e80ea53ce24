"""Test-session settings shared by the unit tests and the nbval notebook runs.

nbval's kernels inherit this process's environment, so these reach the notebooks too.
"""
import os

import pytest

os.environ["RESNET_TEACH_PROGRESS"] = "0"  # progress bars write to stderr, which strict nbval rejects
# One PyTorch thread per process unless the caller chose a count (the portability variants and the
# README's manual checks set OMP_NUM_THREADS themselves). The suite already runs two processes on
# two cores (pytest-xdist), each test worker beside a notebook kernel or JupyterLab's: more threads
# than cores only makes them wait for each other (measured: the unit tests took a third less time).
# The stored outputs do not depend on the thread count; tests/test_portability.py proves it with
# 1 and 4 threads.
os.environ.setdefault("OMP_NUM_THREADS", "1")

# Files whose tests must share one process, in order: test_lesson_heads.py's module fixtures run
# real ResNet-18 forward passes that are worth computing once, not once per worker.
_ONE_WORKER = {"test_lesson_heads.py"}


@pytest.hookimpl(tryfirst=True)  # before xdist reads the marks
def pytest_collection_modifyitems(config, items):
    """Group the tests for pytest-xdist's ``--dist loadgroup`` (``-n 2``, see pyproject.toml), and
    start the longest groups first.

    * A notebook's cells share one kernel and run in order: each notebook is one group.
    * A browser test file starts one JupyterLab (or Voilà) and one Chromium for its module: one
      group per file.
    * Each portability variant re-runs every notebook in a subprocess: one group per variant, so
      the variants spread over the workers.
    * Everything else is spread test by test.

    The order (with ``--no-loadscope-reorder``, xdist hands out the groups in this order): the two
    portability variants (1-2 minutes each), then the browser files, then the notebooks, then the
    rest. A long group handed out last would leave one worker idle while the other finishes it.
    """
    for item in items:
        if item.path.suffix == ".ipynb" or item.path.name in _ONE_WORKER or item.get_closest_marker("browser"):
            group = item.path.name
        elif item.get_closest_marker("portability") and hasattr(item, "callspec"):
            group = f"portability-{item.callspec.params['variant']}"
        else:
            continue
        item.add_marker(pytest.mark.xdist_group(group))
    items.sort(key=_start_order)  # stable: each file's and each notebook's order is kept


def _start_order(item) -> int:
    if item.get_closest_marker("portability") and hasattr(item, "callspec"):
        return 0
    if item.get_closest_marker("browser"):
        return 1
    if item.path.suffix == ".ipynb":
        return 2
    return 3
