"""Test-session settings shared by the unit tests and the nbval notebook runs.

nbval's kernels inherit this process's environment, so these reach the notebooks too.
"""
import os

import pytest

os.environ["RESNET_TEACH_PROGRESS"] = "0"  # progress bars write to stderr, which strict nbval rejects

# Files whose tests must share one process, in order: test_lesson_heads.py's module fixtures run
# real ResNet-18 forward passes that are worth computing once, not once per worker.
_ONE_WORKER = {"test_lesson_heads.py"}


@pytest.hookimpl(tryfirst=True)  # before xdist reads the marks
def pytest_collection_modifyitems(config, items):
    """Group the tests for pytest-xdist's ``--dist loadgroup`` (``-n 2``, see pyproject.toml).

    * A notebook's cells share one kernel and run in order: each notebook is one group.
    * A browser test file starts one JupyterLab (or Voilà) and one Chromium for its module: one
      group per file.
    * Each portability variant re-runs every notebook in a subprocess: one group per variant, so
      the variants spread over the workers.
    * Everything else is spread test by test.
    """
    for item in items:
        if item.path.suffix == ".ipynb" or item.path.name in _ONE_WORKER or item.get_closest_marker("browser"):
            group = item.path.name
        elif item.get_closest_marker("portability") and hasattr(item, "callspec"):
            group = f"portability-{item.callspec.params['variant']}"
        else:
            continue
        item.add_marker(pytest.mark.xdist_group(group))
