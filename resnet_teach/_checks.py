"""Argument checks shared by the public API.

Every message names the parameter, the value it got, and the rule it broke, so a student
reads "stride=0 must be >= 1" instead of a ZeroDivisionError from three frames down.
"""
from __future__ import annotations

from typing import Any, Sequence, Tuple, Union

IntOrPair = Union[int, Tuple[int, int]]


def check_int(name: str, value: Any, minimum: int | None = None) -> int:
    """Return ``value`` if it is an int (not a bool) and ``>= minimum``."""
    if isinstance(value, bool) or not isinstance(value, int):
        # numpy / torch integer scalars are fine; floats such as 3.0 are not.
        if hasattr(value, "__index__") and not isinstance(value, bool):
            value = int(value.__index__())
        else:
            raise TypeError(f"{name}={value!r} must be an int, got {type(value).__name__}")
    if minimum is not None and value < minimum:
        raise ValueError(f"{name}={value} must be >= {minimum}")
    return value


def check_pair(name: str, value: Any, minimum: int | None = None) -> Tuple[int, int]:
    """Accept an int or an (h, w) pair of ints; return the pair."""
    if isinstance(value, (tuple, list)):
        if len(value) != 2:
            raise ValueError(f"{name}={value!r} must be an int or a pair (h, w), got {len(value)} values")
        return (check_int(f"{name}[0]", value[0], minimum), check_int(f"{name}[1]", value[1], minimum))
    v = check_int(name, value, minimum)
    return (v, v)


def is_pair(value: Any) -> bool:
    return isinstance(value, (tuple, list))


def check_bool(name: str, value: Any) -> bool:
    """Return ``value`` if it is a bool (numpy and torch booleans count); 1, "yes" or None do not."""
    if isinstance(value, bool):
        return value
    if type(value).__name__ in ("bool_", "bool") and hasattr(value, "item"):  # numpy.bool_
        return bool(value.item())
    if hasattr(value, "dtype") and getattr(value, "shape", None) == () and str(value.dtype) == "torch.bool":
        return bool(value.item())
    raise TypeError(f"{name}={value!r} must be a bool (True or False), got {type(value).__name__}")


def check_choice(name: str, value: Any, choices: Sequence[Any]) -> Any:
    """Return the entry of ``choices`` that ``value`` equals (so ``np.int64(18)`` gives ``18``).
    A bool is never taken for a number, nor a number for a string."""
    for choice in choices:
        if type(value) is bool and type(choice) is not bool:
            continue
        if isinstance(choice, str) != isinstance(value, str):
            continue
        try:
            if bool(value == choice):
                return choice
        except (TypeError, ValueError, RuntimeError):  # e.g. a tensor of several values
            break
    allowed = ", ".join(repr(c) for c in choices)
    raise ValueError(f"{name}={value!r} must be one of {allowed}")


def check_float(name: str, value: Any, low: float | None = None, high: float | None = None,
                low_inclusive: bool = True, high_inclusive: bool = True) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{name}={value!r} must be a number, got {type(value).__name__}")
    value = float(value)
    if value != value:  # NaN
        raise ValueError(f"{name}={value} must not be NaN")
    if low is not None and (value < low or (value == low and not low_inclusive)):
        op = ">=" if low_inclusive else ">"
        raise ValueError(f"{name}={value} must be {op} {low}")
    if high is not None and (value > high or (value == high and not high_inclusive)):
        op = "<=" if high_inclusive else "<"
        raise ValueError(f"{name}={value} must be {op} {high}")
    return value


def check_shape(name: str, value: Any) -> Tuple[int, ...]:
    """A tensor shape such as (1, 3, 224, 224): a tuple/list/torch.Size of at least 2 ints >= 1."""
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence) or len(value) < 2:
        raise ValueError(f"{name}={value!r} must be a shape such as (1, 3, 224, 224)")
    return tuple(check_int(f"{name}[{i}]", s, 1) for i, s in enumerate(value))
