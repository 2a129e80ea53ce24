"""binder/ builds the same environment as requirements.txt, with CPU-only PyTorch.

The cheap checks always run: the pins agree with the root requirements.txt, postBuild installs
the package, the README's badge opens the start notebook. The real build
(scripts/check_binder_env.py: a fresh virtual environment, minutes and GBs) runs only with
RESNET_TEACH_BINDER_CHECK=1.
"""
from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BINDER = ROOT / "binder"
CPU_INDEX_LINE = "--extra-index-url https://download.pytorch.org/whl/cpu"
# Needed by the tests (and the web edition's build) only; the notebooks on Binder do without them.
TEST_ONLY = {"pytest", "nbval", "jupytext", "nbclient", "playwright", "jupyter-book", "hypothesis", "ruff",
             "pytest-xdist"}


def pins(path: Path) -> dict[str, str]:
    """{package: specifier} of a requirements file (options and -e lines left out)."""
    found = {}
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if not line or line.startswith("-"):
            continue
        name, spec = re.match(r"([A-Za-z0-9_.\-\[\]]+)\s*(.*)", line).groups()
        found[name.lower()] = spec.replace(" ", "")
    return found


def load_check_script():
    spec = importlib.util.spec_from_file_location("check_binder_env", ROOT / "scripts" / "check_binder_env.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_binder_pins_equal_the_root_pins():
    root, binder = pins(ROOT / "requirements.txt"), pins(BINDER / "requirements.txt")
    assert {"torch", "torchvision"} <= set(binder)
    expected = {name: spec for name, spec in root.items() if name not in TEST_ONLY}
    assert binder == expected


def test_binder_uses_pytorchs_cpu_wheels():
    lines = [line.strip() for line in (BINDER / "requirements.txt").read_text().splitlines()]
    assert lines.count(CPU_INDEX_LINE) == 1
    # --extra-index-url, not --index-url: everything else still comes from PyPI
    assert not any(line.startswith(("--index-url", "-i ")) for line in lines)


def test_check_script_swaps_only_the_cpu_index_line():
    module = load_check_script()
    text, dropped = module.requirements_without_cpu_index(BINDER / "requirements.txt")
    assert dropped == 1
    original = (BINDER / "requirements.txt").read_text().splitlines()
    assert text.splitlines() == [line for line in original if line.strip() != CPU_INDEX_LINE]


def test_postbuild_installs_resnet_teach_and_runtime_is_supported():
    post_build = BINDER / "postBuild"
    assert os.access(post_build, os.X_OK), "repo2docker runs binder/postBuild only if it is executable"
    commands = [line for line in post_build.read_text().splitlines() if line and not line.startswith("#")]
    assert "set -euo pipefail" in commands
    assert any(re.search(r"pip install .*--no-deps.* (-e )?\.$", line) for line in commands), commands
    runtime = (BINDER / "runtime.txt").read_text().strip()
    minor = int(re.fullmatch(r"python-3\.(\d+)", runtime).group(1))
    required = re.search(r'requires-python = ">=3\.(\d+)"', (ROOT / "pyproject.toml").read_text())
    assert minor >= int(required.group(1))


def test_readme_badge_opens_the_start_notebook():
    readme = (ROOT / "README.md").read_text()
    badge = re.search(r"\]\((https://mybinder\.org/v2/gh/[^)\s]+)\)", readme)
    assert badge, "README has no Launch-Binder link"
    url = badge.group(1)
    assert url.endswith("?urlpath=lab/tree/notebooks/00_start_here.ipynb"), url
    assert (ROOT / "notebooks" / "00_start_here.ipynb").exists()


@pytest.mark.skipif(os.environ.get("RESNET_TEACH_BINDER_CHECK") != "1",
                    reason="builds a fresh environment (minutes, GBs): set RESNET_TEACH_BINDER_CHECK=1")
def test_binder_environment_builds_and_imports_everything():
    result = subprocess.run([sys.executable, "scripts/check_binder_env.py"], cwd=ROOT, check=False,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-5000:]
    assert "Binder environment check passed" in result.stdout
