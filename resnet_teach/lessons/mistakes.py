"""Mistake-aware feedback for the exercises that issue 15 added.

``check_with_mistakes`` compares an answer with the expected value; when it is wrong and equals
the result of a known mistake (computed by the caller the same way, with the one step done
wrong), the message names that mistake instead of a generic hint. It is ``exercises.compare``
with a relative tolerance (and tuples compared entry by entry) as its ``equal``.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from ..exercises import Feedback, compare

__all__ = ["check_with_mistakes"]


def _same(a: Any, b: Any, tol: float) -> bool:
    try:
        if isinstance(b, tuple):
            return isinstance(a, (tuple, list)) and len(a) == len(b) and all(
                _same(x, y, tol) for x, y in zip(a, b))
        if isinstance(a, bool) or isinstance(a, (str, bytes)) or a is None:
            return False
        return abs(float(a) - float(b)) <= tol * max(1.0, abs(float(b)))
    except (TypeError, ValueError, OverflowError):  # an answer of the wrong kind
        return False


def check_with_mistakes(answer: Any, expected: Any, why: str,
                        mistakes: Sequence[tuple[Any, str]], hint: str,
                        tol: float = 0.0,
                        equal: Callable[[Any, Any], bool] | None = None) -> Feedback:
    """Feedback for ``answer``: right (``why``), a named mistake, or the general ``hint``.

    ``mistakes``: (wrong value, message naming the mistake) pairs; a wrong value equal to the
    expected one is skipped (that mistake happens to give the right number here).
    ``tol``: relative tolerance for numbers (0: exact).
    """
    same = equal or (lambda a, b: _same(a, b, tol))
    return compare(answer, expected, why, hint, equal=same, mistakes=mistakes)
