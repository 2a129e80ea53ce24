"""Argument checks shared by the public API.

Every message names the parameter, the value it got, and the rule it broke, so a student
reads "stride=0 must be >= 1" instead of a ZeroDivisionError from three frames down.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

IntOrPair = int | tuple[int, int]


def _is_bool(value: Any) -> bool:
    """True, False, numpy.bool_ or a 0-dim torch.bool tensor: never a count nor a number."""
    if isinstance(value, bool) or type(value).__name__ == "bool_":
        return True
    return getattr(value, "dtype", None) is not None and str(value.dtype) == "torch.bool"


def _scalar(value: Any) -> Any:
    """A numpy or torch scalar (or one-element 0-dim tensor/array) as the Python number it is;
    anything else unchanged."""
    if hasattr(value, "item") and getattr(value, "shape", None) == () and not _is_bool(value):
        try:
            return value.item()
        except (TypeError, ValueError, RuntimeError):
            return value
    return value


def _describe(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def check_int(name: str, value: Any, minimum: int | None = None) -> int:
    """Return ``value`` as an int if it is an integer (Python, numpy or a 0-dim torch integer
    tensor; not a bool, not a float such as 3.0) and ``>= minimum``."""
    number = value if isinstance(value, (bool, int, float, str)) else _scalar(value)
    if _is_bool(value) or isinstance(number, bool) or not isinstance(number, int):
        raise TypeError(f"{name}={_describe(value)} must be an int, got {type(value).__name__}")
    number = int(number)
    if minimum is not None and number < minimum:
        raise ValueError(f"{name}={number} must be >= {minimum}")
    return number


def check_pair(name: str, value: Any, minimum: int | None = None) -> tuple[int, int]:
    """Accept an int or an (h, w) pair of ints; return the pair."""
    if isinstance(value, (tuple, list)):
        if len(value) != 2:
            raise ValueError(f"{name}={_describe(value)} must be an int or a pair (h, w), got {len(value)} values")
        return (check_int(f"{name}[0]", value[0], minimum), check_int(f"{name}[1]", value[1], minimum))
    v = check_int(name, value, minimum)
    return (v, v)


def is_pair(value: Any) -> bool:
    return isinstance(value, (tuple, list))


def check_bool(name: str, value: Any) -> bool:
    """Return ``value`` if it is a bool (numpy and 0-dim torch booleans count); 1, "yes" or None do not."""
    if isinstance(value, bool):
        return value
    if _is_bool(value) and getattr(value, "shape", ()) == ():
        return bool(value.item())
    raise TypeError(f"{name}={value!r} must be a bool (True or False), got {type(value).__name__}")


def check_choice(name: str, value: Any, choices: Sequence[Any]) -> Any:
    """Return the entry of ``choices`` that ``value`` equals (so ``np.int64(18)`` gives ``18``).
    A bool is never taken for a number, nor a number for a string."""
    for choice in choices:
        if _is_bool(value) and type(choice) is not bool:
            continue
        if isinstance(choice, str) != isinstance(value, str):
            continue
        try:
            if bool(value == choice):
                return choice
        except (TypeError, ValueError, RuntimeError):  # e.g. a tensor of several values
            break
    allowed = ", ".join(repr(c) for c in choices)
    raise ValueError(f"{name}={_describe(value)} must be one of {allowed}")


def check_float(name: str, value: Any, low: float | None = None, high: float | None = None,
                low_inclusive: bool = True, high_inclusive: bool = True) -> float:
    """Return ``value`` as a finite float if it is a real number (Python, numpy or a 0-dim
    torch tensor; not a bool) within [low, high] (bounds inclusive unless told otherwise)."""
    number = value if isinstance(value, (bool, int, float, str)) else _scalar(value)
    if _is_bool(value) or isinstance(number, bool) or not isinstance(number, (int, float)):
        raise TypeError(f"{name}={_describe(value)} must be a number, got {type(value).__name__}")
    number = float(number)
    if not math.isfinite(number):
        raise ValueError(f"{name}={number} must be a finite number")
    if low is not None and (number < low or (number == low and not low_inclusive)):
        op = ">=" if low_inclusive else ">"
        raise ValueError(f"{name}={number} must be {op} {low}")
    if high is not None and (number > high or (number == high and not high_inclusive)):
        op = "<=" if high_inclusive else "<"
        raise ValueError(f"{name}={number} must be {op} {high}")
    return number


def check_shape(name: str, value: Any, ndim: int | None = None) -> tuple[int, ...]:
    """A tensor shape such as (1, 3, 224, 224): a tuple/list/torch.Size of at least 2 ints >= 1
    (exactly ``ndim`` of them if given)."""
    if (isinstance(value, (str, bytes)) or not isinstance(value, Sequence) or len(value) < 2
            or (ndim is not None and len(value) != ndim)):
        raise ValueError(f"{name}={value!r} must be a shape such as (1, 3, 224, 224)"
                         + (f" with {ndim} entries" if ndim is not None else ""))
    return tuple(check_int(f"{name}[{i}]", s, 1) for i, s in enumerate(value))
