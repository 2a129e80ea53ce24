"""Same results on every machine: every notebook under strict nbval with other kernels and threads.

PyTorch gives bit-identical floats only for the same build on the same CPU. A student's laptop,
a Binder pod or another CI machine runs other kernels (AVX-512, AVX2, NEON, plain C++) and
another number of threads, so the float sums come out in another order. The ordinary nbval run
(``python3 -m pytest``) checks the notebooks with this machine's native kernels; this module
re-runs every notebook, again under strict nbval, with PyTorch's kernel switch and with other
thread counts, two settings at a time so the suite runs every notebook twice more, not four times:

* ``ATEN_CPU_CAPABILITY=default`` (no SIMD) with ``OMP_NUM_THREADS=1``;
* ``ATEN_CPU_CAPABILITY=avx2`` with ``OMP_NUM_THREADS=4`` (on a CPU without AVX2, the native
  kernels with 4 threads).

Every kernel setting and every thread count runs; a stored output that depends on either fails.

A stored output that only this CPU reproduces fails here. What is compared and what is not is
the rule in the README ("Changing a notebook"), enforced by tests/test_notebook_sources.py.
Each variant is one pytest subprocess over all the notebooks; a table of pass/fail and run time
per notebook and variant goes to tests/artifacts/portability.md. Deselect with
``-m "not portability"`` while you work.
"""
from __future__ import annotations

import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
ARTIFACTS = ROOT / "tests" / "artifacts"

VARIANTS = {
    "kernels-default-threads-1": {"ATEN_CPU_CAPABILITY": "default", "OMP_NUM_THREADS": "1"},
    "kernels-avx2-threads-4": {"ATEN_CPU_CAPABILITY": "avx2", "OMP_NUM_THREADS": "4"},
}


def variant_environment(settings: dict[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "ATEN_CPU", "OMP_NUM"))}
    env.update(settings)
    return env


def capability_under(env: dict[str, str]) -> str:
    """The kernels PyTorch really uses under ``env`` (a request above the CPU's falls back)."""
    code = "import torch; print(torch.backends.cpu.get_cpu_capability())"
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                          check=True).stdout.strip()


def per_notebook(junit: Path) -> dict[str, tuple[str, float]]:
    """From pytest's JUnit XML: notebook name -> ("pass" or "FAIL", seconds over its cells)."""
    rows: dict[str, list] = {}
    for case in ET.parse(junit).getroot().iter("testcase"):
        name = Path(case.get("file") or case.get("classname", "").replace(".", "/")).name
        name = name if name.endswith(".ipynb") else case.get("classname", "").split(".")[-1] + ".ipynb"
        failed = any(child.tag in ("failure", "error") for child in case)
        ok, seconds = rows.setdefault(name, [True, 0.0])
        rows[name] = [ok and not failed, seconds + float(case.get("time", 0))]
    return {name: ("pass" if ok else "FAIL", seconds) for name, (ok, seconds) in rows.items()}


def write_table(variant: str, rows: dict[str, tuple[str, float]]) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    lines = [f"| {name} | {status} | {seconds:.1f} s |" for name, (status, seconds) in sorted(rows.items())]
    (ARTIFACTS / f"portability-{variant}.md").write_text(
        f"| notebook ({variant}) | strict nbval | run time |\n|---|---|---|\n" + "\n".join(lines) + "\n")


@pytest.mark.portability
@pytest.mark.parametrize("variant", VARIANTS)
def test_every_notebook_reproduces_its_outputs_under(variant, tmp_path):
    settings = dict(VARIANTS[variant])
    env = variant_environment(settings)
    wanted = settings.get("ATEN_CPU_CAPABILITY")
    if wanted and capability_under(env).lower() != wanted:  # e.g. AVX2 on an ARM CPU: keep the threads
        del settings["ATEN_CPU_CAPABILITY"]
        env = variant_environment(settings)
    junit = tmp_path / "junit.xml"
    # one process (-n 0): the other variant, which starts at the same time, keeps the second core busy
    command = [sys.executable, "-m", "pytest", *map(str, NOTEBOOKS), "-q", "-p", "no:cacheprovider", "-n", "0",
               f"--junitxml={junit}", "-o", "junit_family=xunit1"]
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    rows = per_notebook(junit) if junit.exists() else {}
    write_table(variant, rows)
    assert result.returncode == 0, f"strict nbval under {settings}:\n" + result.stdout[-6000:] + result.stderr[-2000:]
    assert sorted(rows) == sorted(p.name for p in NOTEBOOKS), rows  # every notebook ran
    assert all(status == "pass" for status, _ in rows.values()), rows


def test_variants_cover_the_kernel_switch_and_the_thread_counts():
    assert {v.get("ATEN_CPU_CAPABILITY") for v in VARIANTS.values()} == {"default", "avx2"}
    assert {v.get("OMP_NUM_THREADS") for v in VARIANTS.values()} == {"1", "4"}
    assert all(len(v) == 2 for v in VARIANTS.values())  # each run changes both switches


def test_junit_rows_are_read_per_notebook(tmp_path):
    junit = tmp_path / "j.xml"
    junit.write_text(
        '<testsuites><testsuite>'
        '<testcase classname="notebooks.01_a" file="notebooks/01_a.ipynb" name="Cell 0" time="1.5"/>'
        '<testcase classname="notebooks.01_a" file="notebooks/01_a.ipynb" name="Cell 1" time="0.5">'
        '<failure message="x"/></testcase>'
        '<testcase classname="notebooks.02_b" file="notebooks/02_b.ipynb" name="Cell 0" time="2"/>'
        '</testsuite></testsuites>')
    assert per_notebook(junit) == {"01_a.ipynb": ("FAIL", 2.0), "02_b.ipynb": ("pass", 2.0)}
