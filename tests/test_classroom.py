"""The classroom deck (notebooks/classroom.ipynb) without a browser: what it contains and how it starts.

* every explorer a lesson shows is in the deck, in predict mode, after a one-line question;
* its widget cells are tagged nbval-ignore-output, and nothing trains when it starts (the
  rerun of notebook 05 waits for Run, the lesion explorer of notebook 07 for Train);
* no explorer captures output in an ``ipywidgets.Output`` while it starts (Voilà could hang);
* its header and the README give the same one command that opens it in Voilà;
* the Large font switch (resnet_teach.widgets.classroom).
"""
from __future__ import annotations

import importlib
import json
import re
from pathlib import Path

import pytest

widgets = pytest.importorskip("ipywidgets")

from resnet_teach.widgets import classroom  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
DECK = ROOT / "notebooks" / "classroom.ipynb"
VOILA_COMMAND = "python3 -m voila notebooks/classroom.ipynb"
WIDGET_IMPORT = re.compile(r"from resnet_teach\.widgets\.(\w+) import ([\w, ]+)")


def deck() -> dict:
    return json.loads(DECK.read_text())


def code_cells(nb: dict) -> list[str]:
    return ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code"]


def lesson_explorers() -> set[tuple[str, str]]:
    """(module, function) of every widget that a numbered notebook imports and shows."""
    found = set()
    for path in sorted((ROOT / "notebooks").glob("[0-9][0-9]*_*.ipynb")):
        for source in code_cells(json.loads(path.read_text())):
            for module, names in WIDGET_IMPORT.findall(source):
                found |= {(module, name.strip()) for name in names.split(",")}
    return found


def test_every_lesson_explorer_is_in_the_deck_in_predict_mode():
    explorers = lesson_explorers()
    assert len(explorers) >= 9, explorers  # 01: three; 01b: two; 02, 04, 05, 06: one each; 07: two
    source = "\n".join(code_cells(deck()))
    for module, name in sorted(explorers):
        imported = any(name in [n.strip() for n in names.split(",")]
                       for m, names in WIDGET_IMPORT.findall(source) if m == module)
        assert imported, f"the deck does not import {name} from resnet_teach.widgets.{module}"
        calls = re.findall(rf"^{name}\((.*)\)\s*$", source, re.M)
        assert calls and all("predict=True" in call for call in calls), f"{name} in the deck: {calls}"
        function = getattr(importlib.import_module(f"resnet_teach.widgets.{module}"), name)
        assert function(predict=True).reveal.predict, f"{name} has no predict mode"


def test_each_explorer_has_a_section_with_a_question_for_the_class():
    cells = deck()["cells"]
    for i, cell in enumerate(cells):
        if cell["cell_type"] == "code" and "predict=True" in "".join(cell["source"]):
            prompt = "".join(cells[i - 1]["source"])
            assert cells[i - 1]["cell_type"] == "markdown" and prompt.startswith("## "), prompt[:80]
            assert "**Ask:**" in prompt and "?" in prompt, prompt


def test_widget_cells_are_tagged_and_nothing_trains_at_start(monkeypatch):
    from resnet_teach.lessons import why as why_lesson
    from resnet_teach.widgets import degradation, why

    def no_training(*args, **kwargs):
        raise AssertionError("the deck trained at start-up")

    monkeypatch.setattr(degradation, "rerun", no_training)
    monkeypatch.setattr(why, "train_lesion_networks", no_training)
    monkeypatch.setattr(why_lesson, "train", no_training)
    namespace: dict = {}
    for source, cell in zip(code_cells(deck()), [c for c in deck()["cells"] if c["cell_type"] == "code"]):
        assert "nbval-ignore-output" in cell["metadata"].get("tags", []), source[:80]
        exec(compile(source, "classroom.ipynb", "exec"), namespace)  # builds every widget, as Run All does


def test_no_explorer_captures_output_while_the_deck_starts(monkeypatch):
    """Voilà runs the deck with nbclient, which copies output captured in an ``ipywidgets.Output``
    into the widget by sending on the shell channel while it awaits the cell's reply there; pyzmq 27
    can then miss the reply, and the page stays at "Executing N of M" (seen under load: the
    gradient-signal explorer drew with ``with output:``). Every explorer draws into an Image."""
    captured = []
    enter = widgets.Output.__enter__

    def recording_enter(self):
        captured.append(self)
        return enter(self)

    monkeypatch.setattr(widgets.Output, "__enter__", recording_enter)
    namespace: dict = {}
    for source in code_cells(deck()):
        exec(compile(source, "classroom.ipynb", "exec"), namespace)
        assert not captured, f"this deck cell captures output in an ipywidgets.Output at start: {source[-80:]!r}"


def test_header_and_readme_give_the_voila_command():
    first = "".join(deck()["cells"][0]["source"])
    assert first.startswith("# ") and "Start-up on a laptop CPU" in first and VOILA_COMMAND in first
    readme = (ROOT / "README.md").read_text()
    assert f"python3 -m pip install -r requirements.txt && {VOILA_COMMAND}" in readme
    requirements = (ROOT / "requirements.txt").read_text()
    assert re.search(r"^voila==", requirements, re.M), "voila must be in requirements.txt"


def test_large_font_css_and_switch():
    assert classroom.large_font_css(1.4) == '<style class="rt-large-font">.jp-Cell { zoom: 1.4; }</style>'
    for bad, error in ((0.5, ValueError), (4, ValueError), (True, TypeError), ("big", TypeError)):
        with pytest.raises(error, match="scale="):
            classroom.large_font_css(bad)
    with pytest.raises(TypeError, match="on=1 must be True or False"):
        classroom.large_font_switch(on=1)
    box = classroom.large_font_switch()
    assert box.style_html.value == "" and box.toggle.description == "Large font"
    box.toggle.value = True
    assert box.style_html.value == classroom.large_font_css()
    box.toggle.value = False
    assert box.style_html.value == ""
    assert classroom.large_font_switch(on=True, scale=2).style_html.value.count("zoom: 2;") == 1
