"""The classroom deck in Voilà, in a real (headless) Chromium, as an instructor uses it.

Voilà runs notebooks/classroom.ipynb (the README's instructor command) and the page must show
every explorer with its Reveal button and no error. Then, in the output-size explorer:

* the answer is hidden at the start: no result, no PyTorch answer, no drawing;
* ArrowRight on ``n`` changes the formula (n+1 appears in it) and the answer stays hidden;
* Reveal shows the result, which must equal ``resnet_teach.conv_output_size`` and the size a
  real ``nn.Conv2d`` returns (both computed here, not read from the page), and the drawing;
* moving a slider again hides the answer.

Every other Reveal button must reveal its explorer's answer; the rerun widget's waits for Run
(one epoch here), then shows the run; the lesion explorer's waits for Train (notebook 07's two
networks), then hides the accuracy without a block until Reveal. The Large font switch must enlarge the cells, and the
sliders must still answer the keyboard.
Screenshots go to tests/artifacts/ (and, with RESNET_TEACH_UPDATE_SCREENSHOTS=1, the README's
images in docs/images/). Skips without Chromium or Playwright, except under CI (CI=true).
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from browser_support import (
    STDERR_MIME,
    KernelErrors,
    PageEvents,
    WaitTimeout,
    press_key_on_slider,
    readout,
    slider,
    wait_until,
)
from torch import nn
from voila_support import VoilaServer, save_screenshot

import resnet_teach

ROOT = Path(__file__).resolve().parent.parent
DECK = ROOT / "notebooks" / "classroom.ipynb"
SLIDERS = ("n", "k", "p", "s", "d")
PAGE_S = 180  # Voilà runs every cell before the page shows; the CPU may be shared
RUN_S = 300  # the rerun trains four small networks for one epoch: seconds, or more on a busy CPU


@pytest.fixture(scope="module")
def voila(browser):
    with VoilaServer(DECK) as server:
        yield server


@pytest.fixture
def deck(browser, voila):
    """The deck in a fresh tab (a fresh kernel), with the kernel's widget-callback errors watched."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(60_000)
    errors = KernelErrors()
    errors.attach(page)
    events = PageEvents(page)
    try:  # wait for the deck itself, not for the page's load event (which waits for every stylesheet)
        page.goto(voila.url, wait_until="commit", timeout=PAGE_S * 1000)
        events.add("response started")
        page.wait_for_selector(".rt-reveal", timeout=PAGE_S * 1000)
    except PlaywrightTimeout as exc:
        save_screenshot(page, "classroom-no-deck")
        pytest.fail(f"the deck did not show in {PAGE_S} s: {exc}\n{events.report()}\n"
                    f"Voilà's log:\n{voila.log_tail()}", pytrace=False)
    wait_until(lambda: page.locator(".rt-reveal").count() == explorers_in_deck(), 60, "every Reveal button")
    page.kernel_errors = errors
    yield page
    save_screenshot(page, "classroom-last")
    context.close()


def explorers_in_deck() -> int:
    nb = json.loads(DECK.read_text())
    return sum("".join(c["source"]).count("predict=True") for c in nb["cells"] if c["cell_type"] == "code")


def page_problems(page) -> list[str]:
    """What would look broken on the projector: error outputs, widgets that failed, callbacks that raised."""
    found = page.eval_on_selector_all(
        f'.jp-OutputArea-output[data-mime-type="{STDERR_MIME}"], .jp-RenderedText[data-mime-type="{STDERR_MIME}"]',
        "els => els.map(e => e.innerText.trim().slice(-300))")
    text = page.locator("body").inner_text()
    found += [f"the page says {marker!r}" for marker in ("Error displaying widget", "Traceback",
                                                          "There was an error when executing") if marker in text]
    return found + [f"a widget callback raised {e}" for e in page.kernel_errors.found]


def pytorch_size(v: dict) -> int:
    conv = nn.Conv2d(1, 1, v["k"], stride=v["s"], padding=v["p"], dilation=v["d"])
    with torch.no_grad():
        return conv(torch.zeros(1, 1, v["n"], v["n"])).shape[-1]


def hidden(explorer) -> bool:
    return (explorer.locator(".rt-result").count() == 0 and explorer.locator(".rt-torch").count() == 0
            and explorer.locator(".rt-hidden").count() > 0 and not explorer.locator(".widget-image").is_visible())


@pytest.mark.browser
def test_deck_predict_then_reveal_in_voila(deck):
    page = deck
    assert page.title().startswith("ResNet in class") or "classroom" in page.title(), page.title()
    assert not page_problems(page), page_problems(page)
    assert "predict=True" not in page.locator("body").inner_text(), "Voilà must not show the code"
    save_screenshot(page, "classroom-deck", readme=True)

    explorer = page.locator(".jp-Cell").filter(has=page.locator(".rt-formula")).first
    controls = {name: slider(explorer, name) for name in SLIDERS}
    values = {name: int(readout(control)) for name, control in controls.items()}
    assert values["n"] < 20, values
    assert hidden(explorer), "before Reveal the answer must be hidden"
    formula = explorer.locator(".rt-formula")
    before = formula.inner_text()
    assert f"({values['n']} + 2·{values['p']}" in before, before

    moved_to = press_key_on_slider(controls["n"], "ArrowRight")
    values["n"] += 1
    assert moved_to == str(values["n"]), f"ArrowRight moved n to {moved_to}"
    wait_until(lambda: formula.inner_text() != before, 60, "the formula to follow the slider")
    assert f"({values['n']} + 2·{values['p']}" in formula.inner_text()
    assert hidden(explorer), "a new question: the answer stays hidden"

    explorer.locator(".rt-reveal").click()
    try:
        wait_until(lambda: explorer.locator(".rt-result").count() == 1, 60, "Reveal to show the result")
    except WaitTimeout as exc:
        pytest.fail(f"{exc} (screenshot: {save_screenshot(page, 'classroom-no-reveal')})", pytrace=False)
    result = int(explorer.locator(".rt-result").inner_text())
    torch_said = int(explorer.locator(".rt-torch").inner_text())
    expected = resnet_teach.conv_output_size(values["n"], values["k"], stride=values["s"], padding=values["p"],
                                             dilation=values["d"])
    assert result == expected == pytorch_size(values) == torch_said, (values, result, torch_said)
    wait_until(lambda: explorer.locator(".widget-image").is_visible(), 30, "the drawing to show")
    assert explorer.locator(".rt-reveal").is_disabled(), "revealed: nothing more to reveal"
    explorer.scroll_into_view_if_needed()
    save_screenshot(page, "classroom-revealed", readme=True, clip=_box(explorer))

    press_key_on_slider(controls["k"], "ArrowRight")
    wait_until(lambda: hidden(explorer), 60, "the answer to hide again after a move")
    assert not page_problems(page), page_problems(page)


@pytest.mark.browser
def test_large_font_enlarges_the_deck(deck):
    page = deck
    zoom = "() => getComputedStyle(document.querySelector('.jp-Cell')).zoom"
    assert page.evaluate(zoom) in ("1", "normal")
    page.locator(".rt-large-font-toggle").first.click()
    wait_until(lambda: page.evaluate(zoom) == "1.4", 30, "the cells to grow")
    explorer = page.locator(".jp-Cell").filter(has=page.locator(".rt-formula")).first
    n = slider(explorer, "n")
    before = int(readout(n))
    assert press_key_on_slider(n, "ArrowRight") == str(before + 1), "the sliders still answer the keyboard"
    page.evaluate("window.scrollTo(0, 0)")
    save_screenshot(page, "classroom-large-font")
    assert not page_problems(page), page_problems(page)


def _box(locator) -> dict:
    box = locator.bounding_box()
    return {"x": box["x"], "y": box["y"], "width": min(box["width"], 900), "height": box["height"]}



@pytest.mark.browser
def test_every_reveal_button_reveals(deck):
    """Each explorer hides something behind its Reveal; one click shows it all. Two Reveals wait
    for training (nothing trains at start-up): the rerun's for Run, the lesion explorer's for Train.
    After Run, Reveal shows the run; after Train, a block's accuracies wait for Reveal."""
    page = deck
    cells = page.locator(".jp-Cell").filter(has=page.locator(".rt-reveal"))
    assert cells.count() == explorers_in_deck()
    waiting = {}  # the label of the button that trains -> the explorer's index
    for i in range(cells.count()):
        cell = cells.nth(i)
        button = cell.locator(".rt-reveal")
        cell.scroll_into_view_if_needed()
        if button.is_disabled():
            starts = [label for label in ("Run", "Train") if cell.locator("button", has_text=label).count() == 1]
            assert len(starts) == 1, f"explorer {i}: Reveal disabled, and no Run or Train button"
            waiting[starts[0]] = i
            continue
        assert cell.locator(".rt-hidden").count() > 0, f"explorer {i} hides nothing"
        button.click()
        wait_until(lambda cell=cell: cell.locator(".rt-hidden").count() == 0, 60, f"explorer {i} to reveal its answer")
        assert button.is_disabled()
    assert sorted(waiting) == ["Run", "Train"], waiting
    assert not page_problems(page), page_problems(page)

    # the rerun: one epoch is enough to see Run, then Reveal (a progress bar shows unless CI=true)
    cell = cells.filter(has=page.locator("button", has_text="Run")).first
    epochs = slider(cell, "epochs")
    for _ in range(int(readout(epochs)) - 1):
        press_key_on_slider(epochs, "ArrowLeft")
    assert readout(epochs) == "1"
    cell.locator("button", has_text="Run").click()
    wait_until(lambda: "Predict, then click Reveal" in cell.inner_text(), RUN_S, "the four networks to train")
    assert "train loss" not in cell.inner_text() and not cell.locator(".rt-reveal").is_disabled()
    cell.locator(".rt-reveal").click()
    wait_until(lambda: "Rerun: depths (8, 32), 1 epoch(s)" in cell.inner_text(), 60, "Reveal to show the run")
    assert "Degradation" in cell.inner_text() and "plain-32" in cell.inner_text()
    wait_until(lambda: cell.locator(".jp-OutputArea-output img, .widget-output img").count() == 1, 30, "the curves")
    assert not page_problems(page), page_problems(page)

    # the lesion explorer: Train (resnet-32 and plain-32, as notebook 07), then the deletion controls
    cell = cells.nth(waiting["Train"])
    cell.scroll_into_view_if_needed()
    assert cell.locator("select").count() == 0, "no deletion controls before the networks are trained"
    cell.locator("button", has_text="Train").click()
    wait_until(lambda: not cell.locator(".rt-reveal").is_disabled(), RUN_S, "the two networks to train")
    assert cell.locator(".rt-hidden").count() == 1 and "(all blocks:" not in cell.inner_text()
    assert "resnet-32 without layer3.4: test accuracy" in cell.inner_text()
    cell.locator(".rt-reveal").click()
    wait_until(lambda: "(all blocks:" in cell.inner_text(), 60, "Reveal to show the accuracies")
    assert cell.locator(".rt-hidden").count() == 0 and cell.locator(".rt-reveal").is_disabled()
    save_screenshot(page, "classroom-lesion", clip=_box(cell))
    cell.locator("select").nth(1).select_option("layer1.0")  # delete another block: predict again
    wait_until(lambda: "resnet-32 without layer1.0" in cell.inner_text(), 60, "the new question")
    assert cell.locator(".rt-hidden").count() == 1 and "(all blocks:" not in cell.inner_text()
    assert not page_problems(page), page_problems(page)
