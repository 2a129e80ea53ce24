"""The notebooks in JupyterLab, in a real (headless) Chromium, as a student uses them.

nbval proves each notebook's stored outputs; it never loads JupyterLab or renders a widget.
Here JupyterLab serves fresh copies of the notebooks (outputs removed), Chromium clicks
Run ▸ Run All Cells, and then:

* 01 · convolution arithmetic: the output-size explorer (the notebook's first widget) answers
  the keyboard. ArrowRight on the ``n`` slider must show n+1 in the formula and PyTorch's
  answer for the new size, computed here with ``resnet_teach.conv_output_size``.
* every other notebook, with or without widgets, is Run All'ed; where it has a widget, its first
  slider or dropdown is moved and the widgets' output must change.
* in all of them, no cell shows an error except the cells tagged ``raises-exception``, every
  code cell ran, and no widget callback raised (the kernel reports those on its websocket).
  This is what a student sees on *this* machine's CPU, whatever CPU wrote the stored outputs.

Screenshots of the last state of each notebook go to tests/artifacts/ (gitignored).
Without Chromium or Playwright this module skips with the reason, except under CI (CI=true),
where a missing browser fails. It takes a few minutes: deselect it with ``-m "not browser"``.
"""
from __future__ import annotations

import json
import re

import pytest
from browser_support import (
    NOTEBOOKS,
    LabPage,
    LabServer,
    WaitTimeout,
    checkbox_value,
    copy_without_outputs,
    first_output_cell,
    has_widgets,
    move_first_control,
    parse_kernel_frame,
    press_key_on_slider,
    raises_exception_cells,
    readout,
    selected_option,
    slider,
    wait_until,
)

import resnet_teach

CONV = "01_conv_arithmetic.ipynb"
SLIDERS = ("n", "k", "p", "s", "d")


def other_notebooks() -> list[str]:
    return [p.name for p in sorted(NOTEBOOKS.glob("*.ipynb")) if p.name != CONV]


@pytest.fixture(scope="module")
def lab(browser):
    with LabServer(NOTEBOOKS) as server:
        yield server


@pytest.fixture(scope="module")
def browser_context(browser):
    """One context for the module: its cache saves reloading JupyterLab's scripts for each tab."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    yield context
    context.close()


@pytest.fixture
def open_notebook(browser_context, lab):
    """Open a notebook in a new tab; screenshot it at the end, pass or fail, then close it."""
    opened: list[LabPage] = []

    def _open(name: str) -> LabPage:
        page = browser_context.new_page()
        page.set_default_timeout(60_000)
        notebook = LabPage(page, lab, name)
        opened.append(notebook)
        notebook.open()
        return notebook

    yield _open
    for notebook in opened:
        notebook.screenshot("last")
        notebook.page.close()
    lab.shutdown_kernels()


def read_notebook(name: str) -> dict:
    path = NOTEBOOKS / name
    assert path.exists(), f"notebooks/{name} is missing: build it with python3 scripts/build_notebooks.py"
    return json.loads(path.read_text())


def output_size(values: dict[str, int], layer: str, ceil_mode: bool) -> int:
    """PyTorch's rule, from the package the notebook teaches (not from the page)."""
    n, k, p, s, d = (values[name] for name in SLIDERS)
    if layer == "conv":
        return resnet_teach.conv_output_size(n, k, stride=s, padding=p, dilation=d)
    return resnet_teach.pool_output_size(n, k, stride=s, padding=p, dilation=d, ceil_mode=ceil_mode)


def assert_nothing_broken(notebook: LabPage, nb: dict) -> None:
    problems = notebook.problems(raises_exception_cells(nb), len(nb["cells"]))
    shot = notebook.screenshot("problems", notebook.first_problem_cell) if problems else None
    assert not problems, "\n".join(problems) + f"\n(screenshot: {shot})"


@pytest.mark.browser
def test_conv_explorer_answers_the_keyboard(open_notebook):
    nb = read_notebook(CONV)
    notebook = open_notebook(CONV)
    notebook.run_all()
    assert_nothing_broken(notebook, nb)

    explorer = first_output_cell(notebook.page, ".widget-hslider")
    controls = {name: slider(explorer, name) for name in SLIDERS}
    missing = [name for name, control in controls.items() if control.count() != 1]
    assert not missing, f"the first widget of {CONV} has no slider labelled {missing}"
    values = {name: int(readout(control)) for name, control in controls.items()}
    layer = selected_option(explorer, "layer")
    ceil_mode = checkbox_value(explorer, "ceil_mode")
    formula = explorer.locator(".rt-formula")
    result = explorer.locator(".rt-result")
    before = formula.inner_text()
    assert int(result.inner_text()) == output_size(values, layer, ceil_mode), (values, layer, ceil_mode)

    moved_to = press_key_on_slider(controls["n"], "ArrowRight")
    values["n"] += 1
    assert moved_to == str(values["n"]), f"ArrowRight moved n from {values['n'] - 1} to {moved_to}"
    try:
        wait_until(lambda: formula.count() == 1 and formula.inner_text() != before, 90,
                   "the formula to follow the slider")
        notebook.wait_kernel_idle(90)
    except WaitTimeout as exc:
        pytest.fail(f"{exc} (screenshot: {notebook.screenshot('no-update')})", pytrace=False)

    expected = output_size(values, layer, ceil_mode)
    after = formula.inner_text()
    assert int(result.inner_text()) == expected, f"n={values['n']}: {after}"
    assert re.search(rf"\b{values['n']}\b", after), f"the formula does not show n={values['n']}: {after}"
    assert re.search(rf"\b{expected}\b", explorer.locator(".rt-torch").inner_text()), \
        "PyTorch's answer beside the formula should show the same size"
    assert_nothing_broken(notebook, nb)


@pytest.mark.browser
@pytest.mark.parametrize("name", other_notebooks())
def test_notebook_runs_all_and_its_widgets_respond(open_notebook, name):
    nb = read_notebook(name)
    notebook = open_notebook(name)
    notebook.run_all()
    assert_nothing_broken(notebook, nb)
    if not has_widgets(nb):
        return  # Run All reached every cell without an error: that is the whole check here

    before = notebook.output_fingerprint()
    moved = move_first_control(notebook)
    try:
        # a callback that raised changes nothing on the page: stop waiting, report it below
        wait_until(lambda: notebook.output_fingerprint() != before or notebook.kernel_errors.found, 90,
                   f"the widgets to respond to {moved}")
        notebook.wait_kernel_idle(90)
    except WaitTimeout as exc:
        pytest.fail(f"{exc} (screenshot: {notebook.screenshot('no-update')})", pytrace=False)
    assert_nothing_broken(notebook, nb)


# ----------------------------------------------------------------- the helpers, without a browser


def test_the_notebooks_to_open_are_found():
    assert (NOTEBOOKS / CONV).exists(), f"notebooks/{CONV} is missing"
    names = [CONV, *other_notebooks()]
    assert sorted(names) == sorted(p.name for p in NOTEBOOKS.glob("*.ipynb"))  # every notebook is Run All'ed
    assert sum(has_widgets(read_notebook(name)) for name in names) >= 5
    assert not has_widgets({"cells": [{"cell_type": "code", "source": ["print('no widget')"], "outputs": []}]})


def test_expected_errors_are_found_by_tag():
    nb = {"cells": [{"cell_type": "markdown", "metadata": {}, "source": []},
                    {"cell_type": "code", "metadata": {"tags": ["raises-exception"]}, "source": []},
                    {"cell_type": "code", "metadata": {"tags": ["nbval-ignore-output"]}, "source": []}]}
    assert raises_exception_cells(nb) == [1]


def test_fresh_copies_have_no_outputs(tmp_path):
    target = tmp_path / CONV
    copy_without_outputs(NOTEBOOKS / CONV, target)
    cells = json.loads(target.read_text())["cells"]
    assert len(cells) == len(read_notebook(CONV)["cells"])
    assert all(c["outputs"] == [] and c["execution_count"] is None for c in cells if c["cell_type"] == "code")


def kernel_frame(parts: list[bytes]) -> bytes:
    """A frame of the v1.kernel.websocket.jupyter.org protocol, as Jupyter Server sends it."""
    offsets, position = [], 8 * (len(parts) + 2)
    for part in parts:
        offsets.append(position)
        position += len(part)
    offsets.append(position)
    header = (len(offsets)).to_bytes(8, "little") + b"".join(o.to_bytes(8, "little") for o in offsets)
    return header + b"".join(parts)


def test_kernel_frames_are_decoded_in_both_protocols():
    header = {"msg_type": "error"}
    parent = {"msg_type": "comm_msg"}
    content = {"ename": "RuntimeError", "evalue": "boom"}
    frame = kernel_frame([b"iopub", json.dumps(header).encode(), json.dumps(parent).encode(), b"{}",
                          json.dumps(content).encode()])
    decoded = parse_kernel_frame(frame)
    assert decoded == {"channel": "iopub", "header": header, "parent_header": parent, "content": content}
    legacy = {"channel": "iopub", "header": header, "parent_header": parent, "content": content}
    assert parse_kernel_frame(json.dumps(legacy)) == legacy
    assert parse_kernel_frame(b"\x00garbage") is None
