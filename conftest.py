"""Test-session settings shared by the unit tests and the nbval notebook runs.

nbval's kernels inherit this process's environment, so these reach the notebooks too.
"""
import os

import pytest

os.environ["RESNET_TEACH_PROGRESS"] = "0"  # progress bars write to stderr, which strict nbval rejects

# Files whose tests must share one process, in order: a notebook's cells share its kernel, the
# browser test's fixtures start one JupyterLab per module, and test_lesson_heads.py's module
# fixtures run real ResNet-18 forward passes that are worth computing once, not once per worker.
_ONE_WORKER = {"test_browser.py", "test_lesson_heads.py"}


@pytest.hookimpl(tryfirst=True)  # before xdist reads the marks
def pytest_collection_modifyitems(config, items):
    """Under pytest-xdist (``-n 2 --dist loadgroup``, see pyproject.toml) every test is spread over
    the workers except these groups, each of which runs whole, in order, in one worker."""
    for item in items:
        if item.path.suffix == ".ipynb" or item.path.name in _ONE_WORKER:
            item.add_marker(pytest.mark.xdist_group(item.path.name))
