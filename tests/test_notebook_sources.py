"""Every committed notebook matches its jupytext source and is stored fully executed."""
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


def test_every_notebook_matches_its_source():
    result = subprocess.run([sys.executable, "scripts/build_notebooks.py", "--check"], cwd=ROOT,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_there_are_notebooks():
    assert any(p.name.startswith("00_start_here") for p in NOTEBOOKS)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_stored_executed_and_clean(path):
    nb = json.loads(path.read_text())
    for i, cell in enumerate(nb["cells"]):
        if cell["cell_type"] != "code" or not "".join(cell["source"]).strip():
            continue
        tags = cell.get("metadata", {}).get("tags", [])
        assert "nbval-skip" not in tags and "NBVAL_SKIP" not in "".join(cell["source"]), f"cell {i} is skipped"
        assert cell["execution_count"] is not None, f"cell {i} was not executed"
        for out in cell["outputs"]:
            assert out.get("name") != "stderr", f"cell {i} stored stderr: {out.get('text')}"
            if out["output_type"] == "error":
                assert "raises-exception" in tags, f"cell {i} stored an unexpected {out['ename']}"
            assert "image/svg+xml" not in out.get("data", {}), f"cell {i} stores SVG; plot PNG"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_has_the_common_header(path):
    nb = json.loads(path.read_text())
    first = "".join(nb["cells"][0]["source"])
    assert first.startswith("# "), "the first cell is the title"
    assert "What you will learn" in first and "Time on a laptop CPU" in first


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_stored_outputs_carry_no_local_paths(path):
    """scripts/build_notebooks.py shortens paths in tracebacks; text outputs must not print any."""
    local = re.compile(r"(/root/|/tmp/|/work/|/home/\w+/|~/\.pyenv)")
    for i, cell in enumerate(json.loads(path.read_text())["cells"]):
        for out in cell.get("outputs", []):
            text = json.dumps(out.get("traceback", [])) + json.dumps(out.get("text", "")) + \
                json.dumps(out.get("data", {}).get("text/plain", ""))
            assert not local.search(text), f"cell {i}: {local.search(text).group(0)}"
