"""What every exercise checker must do, shared by the lesson tests (test_lesson_blocks.py,
test_lesson_networks.py)."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from resnet_teach.exercises import NOT_ANSWERED


def assert_checker_behaves(checker: Callable[[Any], Any], right: Any, wrong: Any) -> None:
    """The right answer passes; a wrong one fails and the message quotes it; the untouched ``...``
    gets the not-answered message; an answer of the wrong kind is just wrong (no traceback)."""
    assert checker(right).correct
    feedback = checker(wrong)
    assert not feedback.correct and repr(wrong) in feedback.message
    assert checker(...).message == NOT_ANSWERED and not checker(...).correct
    assert not checker("a string").correct  # a wrong kind of answer is just wrong
