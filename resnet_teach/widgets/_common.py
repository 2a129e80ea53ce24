"""What every widget shares: a readable message instead of a traceback."""
from __future__ import annotations

import html

__all__ = ["message_html"]


def message_html(text: str) -> str:
    """A short notice for a slider combination that makes no sense (class rt-message)."""
    return (f'<div class="rt-message" style="padding:6px 10px;border-left:4px solid #d97706;'
            f'background:#fff7ed;color:#7c2d12">{html.escape(text)}</div>')
