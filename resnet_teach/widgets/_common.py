"""What every widget shares: readable messages instead of tracebacks."""
from __future__ import annotations

import functools
import html
from typing import Any, Callable

from IPython.display import HTML, display

__all__ = ["message_html", "show_message", "guarded"]


def message_html(text: str) -> str:
    """A short notice for a slider combination that makes no sense (class rt-message)."""
    return (f'<div class="rt-message" style="padding:6px 10px;border-left:4px solid #d97706;'
            f'background:#fff7ed;color:#7c2d12">{html.escape(text)}</div>')


def show_message(text: str) -> None:
    display(HTML(message_html(text)))


def guarded(update: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap a widget's update function: a ValueError/TypeError becomes a message."""
    @functools.wraps(update)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return update(*args, **kwargs)
        except (ValueError, TypeError) as exc:
            show_message(str(exc))
            return None
    return wrapper
