"""Automatic feedback for the notebooks' exercises.

A checker takes the student's answer and returns a ``Feedback``: right or wrong, and why.
Each lesson's checkers live in ``resnet_teach.lessons.<topic>``; they compute the expected
answer with resnet_teach or PyTorch, never from a stored constant.
"""
from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ["Feedback", "compare", "is_unanswered", "NOT_ANSWERED", "Mistakes"]

NOT_ANSWERED = "Replace the ... with your answer, then run the cell again."

# (a likely wrong answer, the message that names the mistake behind it): the wrong answers are
# computed by the checker (e.g. with the biased variance), never typed in
Mistakes = Sequence[tuple[Any, str]]


@dataclass(frozen=True)
class Feedback:
    correct: bool
    message: str

    def __str__(self) -> str:
        return ("Correct! " if self.correct else "Not yet. ") + self.message

    def __repr__(self) -> str:  # a plain-text repr, so a notebook cell shows the message
        return str(self)

    def _repr_html_(self) -> str:
        color = "#1a7f37" if self.correct else "#b35900"
        verdict = "Correct!" if self.correct else "Not yet."
        return f'<div style="color:{color}"><b>{verdict}</b> {html.escape(self.message)}</div>'

    def __bool__(self) -> bool:
        return self.correct


def is_unanswered(answer: Any) -> bool:
    """The placeholder answers: ``...`` (Ellipsis, what the notebooks write) or None."""
    return answer is ... or answer is None


def _same(answer: Any, value: Any, equal: Callable[[Any, Any], bool] | None) -> bool:
    try:
        return bool(equal(answer, value) if equal is not None else answer == value)
    except (TypeError, ValueError):  # an answer of the wrong kind (a string for a number, ...) is
        return False  # just wrong; any other error is a bug in the checker and must show


def compare(answer: Any, expected: Any, why: str, hint: str = "",
            equal: Callable[[Any, Any], bool] | None = None, mistakes: Mistakes = ()) -> Feedback:
    """Feedback for ``answer`` against ``expected``.

    ``why`` explains the right answer and is shown when it is right; ``hint`` is shown when it
    is wrong (the answer itself stays hidden until the student opens the solution).
    ``answer`` of ``...`` (Ellipsis) or None means the student has not answered yet.
    ``mistakes`` lists likely wrong answers, each with a message that names the mistake it
    reveals (compared with the same ``equal``); the first match replaces the generic ``hint``.
    """
    if is_unanswered(answer):
        return Feedback(False, NOT_ANSWERED)
    if _same(answer, expected, equal):
        return Feedback(True, why)
    for wrong, message in mistakes:
        if _same(answer, wrong, equal) and not _same(wrong, expected, equal):
            return Feedback(False, f"You answered {answer!r}. {message}".strip())
    return Feedback(False, f"You answered {answer!r}. {hint}".strip())
