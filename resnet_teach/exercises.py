"""Automatic feedback for the notebooks' exercises.

A checker takes the student's answer and returns a ``Feedback``: right or wrong, and why.
Each lesson's checkers live in ``resnet_teach.lessons.<topic>``; they compute the expected
answer with resnet_teach or PyTorch, never from a stored constant.
"""
from __future__ import annotations

import html
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from numbers import Number
from typing import Any

__all__ = ["Feedback", "compare", "matches", "is_unanswered", "NOT_ANSWERED", "Mistake", "Mistakes"]

NOT_ANSWERED = "Replace the ... with your answer, then run the cell again."

# (a likely wrong answer, the message that names the mistake behind it): the wrong answers are
# computed by the checker (e.g. with the biased variance), never typed in; a rule
# (a function answer -> bool) stands for a mistake that is not one value
Mistake = tuple[Any | Callable[[Any], bool], str]
Mistakes = Sequence[Mistake]


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


def _plain(value: Any) -> Any:
    """numpy/torch scalars as the Python numbers they are, lists as tuples."""
    if hasattr(value, "item") and getattr(value, "ndim", 1) == 0:
        return value.item()
    if isinstance(value, (list, tuple)):
        return tuple(_plain(v) for v in value)
    return value


def matches(answer: Any, wrong: Any) -> bool:
    """Does ``answer`` equal ``wrong`` (a value), or pass it (a rule: a function answer -> bool)?

    Values compare like answers: numpy/torch scalars as numbers, lists as tuples, floats within
    1e-9 relative, and a bool never equals a number (True is not the count 1). An answer of the
    wrong kind simply does not match.
    """
    try:
        if callable(wrong):
            return bool(wrong(answer))
        a, w = _plain(answer), _plain(wrong)
        if isinstance(a, bool) != isinstance(w, bool):
            return False
        if isinstance(a, Number) and isinstance(w, Number):
            return math.isclose(float(a), float(w), rel_tol=1e-9, abs_tol=1e-12)
        return bool(a == w)
    except (TypeError, ValueError, AttributeError, IndexError, RuntimeError):
        return False


def _same(answer: Any, value: Any, equal: Callable[[Any, Any], bool] | None) -> bool:
    if equal is None:
        return matches(answer, value)
    try:
        return bool(equal(answer, value))
    except (TypeError, ValueError):  # an answer of the wrong kind (a string for a number, ...) is
        return False  # just wrong; any other error is a bug in the checker and must show


def compare(answer: Any, expected: Any, why: str, hint: str = "",
            equal: Callable[[Any, Any], bool] | None = None, mistakes: Sequence[Mistake] = (),
            shown: str | None = None) -> Feedback:
    """Feedback for ``answer`` against ``expected``: the one feedback path of every checker.

    ``why`` explains the right answer and is shown when it is right; ``hint`` is shown when it
    is wrong (the answer itself stays hidden until the student opens the solution).
    ``answer`` of ``...`` (Ellipsis) or None means the student has not answered yet.
    Answers compare like ``matches`` (a bool is not a number, floats within 1e-9 relative),
    or with the checker's ``equal``.
    ``mistakes`` lists likely wrong answers (values compared like the answer, skipped when one
    equals ``expected``) or rules (functions answer -> bool), each with a message that names
    the mistake; the first match replaces the generic ``hint``.
    ``shown`` replaces the answer's repr in the message (a tensor's repr is a screenful).
    """
    if is_unanswered(answer):
        return Feedback(False, NOT_ANSWERED)
    if _same(answer, expected, equal):
        return Feedback(True, why)
    said = shown if shown is not None else repr(answer)
    for wrong, message in mistakes:
        hit = (matches(answer, wrong) if callable(wrong)
               else _same(answer, wrong, equal) and not _same(wrong, expected, equal))
        if hit:
            return Feedback(False, f"You answered {said}. {message}".strip())
    return Feedback(False, f"You answered {said}. {hint}".strip())
