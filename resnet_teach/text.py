"""The one plain-text table formatter: every table the package prints goes through it."""
from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Any

__all__ = ["text_table", "format_table"]


def text_table(header: Sequence[str], body: Sequence[Sequence[str]], right: Collection[int] = ()) -> list[str]:
    """Lines of an aligned table: the header, a rule, then one line per row.

    Cells are strings; columns whose index is in ``right`` are right-aligned (numbers), the
    others left-aligned. Columns are two spaces apart; trailing spaces are dropped.
    """
    rows = [list(header)] + [list(row) for row in body]
    if any(len(row) != len(header) for row in rows):
        raise ValueError(f"every row must have {len(header)} cells, like the header {list(header)}")
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]

    def line(row: Sequence[str]) -> str:
        return "  ".join(c.rjust(w) if i in right else c.ljust(w)
                         for i, (c, w) in enumerate(zip(row, widths))).rstrip()

    return [line(rows[0]), "-" * (sum(widths) + 2 * (len(widths) - 1))] + [line(r) for r in rows[1:]]


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def format_table(rows: Sequence[Mapping[str, Any]]) -> str:
    """Rows of dicts (same keys) as an aligned text table; ints get thousands separators and
    numeric columns are right-aligned."""
    rows = list(rows)
    if not rows:
        raise ValueError("rows=[] must contain at least one row")
    keys = list(rows[0])
    cells = [[f"{r[k]:,}" if isinstance(r[k], int) and not isinstance(r[k], bool) else str(r[k]) for k in keys]
             for r in rows]
    right = {i for i, k in enumerate(keys) if all(_is_number(r[k]) for r in rows)}
    return "\n".join(text_table(keys, cells, right))
