"""What every widget shares: readable messages instead of tracebacks, and predict-then-reveal.

Predict, then reveal (``predict=True`` on every explorer): the controls and the formula with the
inputs filled in show at once; the result, PyTorch's answer and the drawing stay hidden until
the Reveal button is clicked; moving any control hides them again. An explorer marks the parts
of its HTML that are the answer with ``answer(...)``; ``Reveal.html`` strips the marks (answer
shown) or replaces each marked part by a "?" (answer hidden). With ``predict=False`` the marks
are stripped and nothing else changes: the HTML is exactly what it was without them.
"""
from __future__ import annotations

import html
import re
from collections.abc import Callable
from typing import Any

__all__ = ["message_html", "answer", "hide_answers", "strip_answer_marks",
           "Reveal", "HIDDEN_HTML"]


def message_html(text: str) -> str:
    """A short notice for a slider combination that makes no sense (class rt-message)."""
    return (f'<div class="rt-message" style="padding:6px 10px;border-left:4px solid #d97706;'
            f'background:#fff7ed;color:#7c2d12">{html.escape(text)}</div>')



# --------------------------------------------------------------------------- predict, then reveal

_START, _END = "<!--rt-answer-->", "<!--/rt-answer-->"
_MARKED = re.compile(re.escape(_START) + "(.*?)" + re.escape(_END), re.S)
# what stands in for a hidden answer: a "?" the class can fill in aloud
HIDDEN_HTML = ('<span class="rt-hidden" title="predict, then click Reveal" style="display:inline-block;'
               'min-width:1.6em;text-align:center;background:#e0e7ff;color:#3730a3;border-radius:4px;'
               'font-weight:bold">?</span>')


def answer(html_text: str) -> str:
    """Mark a piece of a widget's HTML as (part of) the answer: hidden in predict mode until Reveal."""
    if _START in html_text or _END in html_text:
        raise ValueError("answer() marks cannot nest: mark the smallest pieces")
    return f"{_START}{html_text}{_END}"


def strip_answer_marks(html_text: str) -> str:
    """The HTML as it shows with the answer: the marks removed, everything else unchanged."""
    return html_text.replace(_START, "").replace(_END, "")


def hide_answers(html_text: str) -> str:
    """The HTML as it shows before Reveal: every marked answer replaced by a "?"."""
    return _MARKED.sub(HIDDEN_HTML, html_text)


class Reveal:
    """The predict-then-reveal state of one explorer, and its Reveal button.

    ``predict`` must be a bool. ``refresh`` is the explorer's function that redraws from what it
    last computed (no recomputation): the button calls it after revealing. The explorer calls
    ``hide()`` when a control moves, and asks ``shows_answer`` / ``html(text)`` when it draws.
    With ``predict=False`` the answer always shows and the button is never displayed.
    """

    def __init__(self, predict: bool, refresh: Callable[[], None] | None = None) -> None:
        if not isinstance(predict, bool):
            raise TypeError(f"predict={predict!r} must be True or False, got {type(predict).__name__}")
        import ipywidgets as widgets

        self.predict = predict
        self.revealed = False
        self.refresh = refresh
        self.button = widgets.Button(description="Reveal", icon="eye", button_style="info",
                                     tooltip="Show the result, PyTorch's answer and the drawing")
        self.button.add_class("rt-reveal")
        self.button.on_click(lambda _button: self.reveal())
        self._sync_button()

    @property
    def shows_answer(self) -> bool:
        return not self.predict or self.revealed

    def html(self, text: str) -> str:
        """``text`` as it must show now: with its answers, or with a "?" for each."""
        return strip_answer_marks(text) if self.shows_answer else hide_answers(text)

    def hide(self, _change: Any = None) -> None:
        """A control moved: the next answer is for the class to predict again."""
        self.revealed = False
        self._sync_button()

    def reveal(self) -> None:
        self.revealed = True
        self._sync_button()
        if self.refresh is not None:
            self.refresh()

    def _sync_button(self) -> None:
        self.button.layout.display = None if self.predict else "none"
        self.button.disabled = self.shows_answer
