"""The README and the start notebook tell the truth about the collection.

* Their notebook maps list every notebook, each with the times its own header states.
* Every link to a notebook leads to a file that exists.
* CI runs the README's command 2 exactly; command 1 opens the start notebook.
* Each lesson notebook has the three exercises with a checker that the README promises.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# the numbered notebooks, 00 to 07 with 01b: the maps list these (the classroom deck is in the
# instructors' section)
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]*_*.ipynb"))
START = ROOT / "notebooks" / "00_start_here.ipynb"
HEADER_TIME = re.compile(r"\*\*Time on a laptop CPU:\*\* about (\d+) minutes to read; "
                         r"the cells run in about (\d+) seconds\b")


def markdown(path: Path) -> str:
    nb = json.loads(path.read_text())
    return "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")


def header_times(path: Path) -> tuple[str, str]:
    first = "".join(json.loads(path.read_text())["cells"][0]["source"])
    found = HEADER_TIME.search(" ".join(first.split()))
    assert found, f"{path.name}: the header has no 'Time on a laptop CPU: about M minutes to read; ...' line"
    return found.groups()


def map_row(text: str, link: str) -> str:
    rows = [line for line in text.splitlines() if line.startswith("|") and f"]({link})" in line]
    assert len(rows) == 1, f"expected one map row linking {link}, found {len(rows)}"
    return rows[0]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_readme_map_has_the_notebook_with_its_header_times(path):
    minutes, seconds = header_times(path)
    row = map_row((ROOT / "README.md").read_text(), f"notebooks/{path.name}")
    assert f"| {minutes} min · {seconds} s |" in row, row


@pytest.mark.parametrize("path", [p for p in NOTEBOOKS if p != START], ids=lambda p: p.name)
def test_start_notebook_map_has_the_notebook_with_its_header_times(path):
    minutes, seconds = header_times(path)
    row = map_row(markdown(START), path.name)
    assert f"| {minutes} min · {seconds} s |" in row, row


@pytest.mark.parametrize("source", [ROOT / "README.md", START], ids=lambda p: p.name)
def test_notebook_links_lead_somewhere(source):
    text = source.read_text() if source.suffix == ".md" else markdown(source)
    links = [link for link in re.findall(r"\]\(([^)\s]+\.ipynb)\)", text) if "://" not in link]
    assert links
    missing = [link for link in links if not (source.parent / link).exists()]
    assert not missing, f"{source.name} links to notebooks that do not exist: {missing}"


def readme_commands() -> dict[str, str]:
    """The commands under the README's '# 1.' and '# 2.' comments."""
    lines = (ROOT / "README.md").read_text().splitlines()
    commands = {}
    for i, line in enumerate(lines):
        number = re.match(r"# ([12])\. ", line)
        if number:
            commands[number.group(1)] = lines[i + 1].strip()
    return commands


def test_ci_runs_readme_command_2_exactly():
    command = readme_commands()["2"]
    assert command.endswith("python3 -m pytest"), command
    ci_lines = [line.strip() for line in (ROOT / ".ci" / "run").read_text().splitlines()]
    assert command in ci_lines


def test_readme_command_1_opens_the_start_notebook():
    command = readme_commands()["1"]
    assert command.startswith("python3 -m pip install -r requirements.txt && "), command
    assert command.endswith("python3 -m jupyter lab --allow-root notebooks/00_start_here.ipynb"), command


@pytest.mark.parametrize("path", [p for p in NOTEBOOKS if p != START], ids=lambda p: p.name)
def test_lesson_notebook_has_three_checked_exercises(path):
    nb = json.loads(path.read_text())
    exercises = [c for c in nb["cells"] if c["cell_type"] == "code"
                 and re.search(r"^answer\s*=", "".join(c["source"]), re.M)
                 and re.search(r"check_\w+\(answer", "".join(c["source"]))]
    assert len(exercises) >= 3, f"{path.name} has {len(exercises)} exercise cells with a checker"
