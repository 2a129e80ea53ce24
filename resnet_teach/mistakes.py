"""Feedback that knows the usual mistakes: a wrong answer that matches a known mistake gets a
message naming that mistake (without giving the answer away), instead of the generic hint.

A checker lists its likely wrong answers beside what each one reveals::

    return check(answer, expected, why="...", hint="...",
                 mistakes=[(20480, "Biases forgotten: fc has one per class."),
                           (5130, "That is ResNet-18's width (512): ResNet-50 ends wider.")])

A mistake is a value (compared like the answer: numbers by value, lists as tuples) or a
function ``answer -> bool`` for mistakes that are a rule rather than one number.
"""
from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from numbers import Number
from typing import Any

from .exercises import Feedback, compare, is_unanswered

__all__ = ["Mistake", "matches", "check"]

Mistake = tuple[Any | Callable[[Any], bool], str]


def _plain(value: Any) -> Any:
    """numpy/torch scalars as the Python numbers they are, lists as tuples."""
    if hasattr(value, "item") and getattr(value, "ndim", 1) == 0:
        return value.item()
    if isinstance(value, list):
        return tuple(_plain(v) for v in value)
    if isinstance(value, tuple):
        return tuple(_plain(v) for v in value)
    return value


def matches(answer: Any, wrong: Any) -> bool:
    """Does ``answer`` make the mistake ``wrong`` (a value, or a function answer -> bool)?

    A bool never matches a number (True is not the count 1); floats match within 1e-9 relative.
    An answer of the wrong kind simply does not match.
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


def check(answer: Any, expected: Any, why: str, hint: str = "", mistakes: Sequence[Mistake] = (),
          equal: Callable[[Any, Any], bool] | None = None, shown: str | None = None) -> Feedback:
    """``exercises.compare``, then, for a wrong answer, the first known mistake it matches.

    ``shown`` replaces the answer's repr in the message (a tensor's repr is a screenful).
    """
    feedback = compare(answer, expected, why, hint, equal)
    if feedback.correct or is_unanswered(answer):
        return feedback
    said = shown if shown is not None else repr(answer)
    for wrong, message in mistakes:
        if matches(answer, wrong):
            return Feedback(False, f"You answered {said}. {message}")
    if shown is not None:
        return Feedback(False, f"You answered {said}. {hint}".strip())
    return feedback
