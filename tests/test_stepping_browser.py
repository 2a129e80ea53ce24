"""The stepping convolution of notebook 01b in a real (headless) Chromium, as a student moves it.

tests/test_browser.py only moves the notebook's first control. Here, after Run All, the
stepping widget (the cell whose output shows ``.rt-sum``) must answer the keyboard: End on
``step`` goes to the last window, ArrowRight on ``k`` changes the kernel, Home on ``n`` with
the largest kernel shows the readable message (the kernel does not fit), never a traceback.
Every value the page shows is compared with ``stepping_state``, the function the widget wraps.
Skips without Chromium/Playwright (fails under CI), like test_browser.
"""
from __future__ import annotations

import pytest
from browser_support import (
    NOTEBOOK,
    LabPage,
    LabServer,
    WaitTimeout,
    first_output_cell,
    raises_exception_cells,
    readout,
    slider,
    wait_until,
)
from test_browser import read_notebook

from resnet_teach.lessons.conv_compute import STEP_LIMITS, stepping_state

CONV = "01b_inside_a_convolution.ipynb"


@pytest.fixture(scope="module")
def notebook(browser):
    from browser_support import NOTEBOOKS

    with LabServer(NOTEBOOKS) as lab:
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        page = context.new_page()
        page.set_default_timeout(60_000)
        opened = LabPage(page, lab, CONV)
        opened.open()
        opened.run_all()
        yield opened
        opened.screenshot("stepping-last")
        context.close()


def _values(cell) -> dict:
    return {name: int(readout(slider(cell, name))) for name in ("n", "k", "s", "p", "step")}


def _wait_text(cell, before: str, what: str) -> str:
    text = cell.locator(".rt-explain, .rt-message").first
    return wait_until(lambda: (t := text.inner_text()) != before and t, 90, what)


def _press(control, key: str) -> None:
    handle = control.locator(".noUi-handle").first
    handle.scroll_into_view_if_needed()
    handle.focus()
    handle.press(key)


@pytest.mark.browser
def test_stepping_widget_follows_the_keyboard(notebook):
    nb = read_notebook(CONV)
    problems = notebook.problems(raises_exception_cells(nb), len(nb["cells"]))
    assert not problems, "\n".join(problems)
    first_output_cell(notebook.page, ".rt-sum")  # wait for the widget to render
    # pinned by its code, not by .rt-sum: the message replaces .rt-sum later in this test
    page = notebook.page
    cell = page.locator(f"{NOTEBOOK} .jp-CodeCell").filter(
        has=page.locator(".jp-InputArea", has_text="stepping_explorer()")).first

    def shown() -> str:
        return cell.locator(".rt-explain, .rt-message").first.inner_text()

    v = _values(cell)
    st = stepping_state(v["n"], v["k"], v["s"], v["p"], v["step"])
    assert cell.locator(".rt-result").inner_text() == f"{st.value:g}"

    try:
        before = shown()
        _press(slider(cell, "step"), "End")  # the last window
        _wait_text(cell, before, "the last window")
        v = _values(cell)
        st = stepping_state(v["n"], v["k"], v["s"], v["p"], v["step"])
        assert v["step"] == st.steps - 1
        assert cell.locator(".rt-result").inner_text() == f"{st.value:g}"
        assert cell.locator(".rt-torch").inner_text() == f"{st.value:g}"

        before = shown()
        _press(slider(cell, "k"), "End")  # the largest kernel
        _press(slider(cell, "n"), "Home")  # the smallest input: it no longer fits (p = 0)
        wait_until(lambda: cell.locator(".rt-message").count() == 1, 90, "the message")
        v = _values(cell)
        assert (v["n"], v["k"]) == (STEP_LIMITS["n"][0], STEP_LIMITS["k"][1])
        assert f"kernel_size={v['k']}" in shown() and cell.locator(".rt-result").count() == 0
    except WaitTimeout as exc:
        pytest.fail(f"{exc} (screenshot: {notebook.screenshot('stepping-no-update')})", pytrace=False)
    notebook.wait_kernel_idle(90)
    problems = notebook.problems(raises_exception_cells(nb), len(nb["cells"]))
    assert not problems, "\n".join(problems)
