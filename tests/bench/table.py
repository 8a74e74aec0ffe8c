"""One plain-text table for the rows of all benchmarks. Pure.

A row is a dict; a column names its key, its header and its format. A row without a key gets
a blank cell, so benchmarks with different measures share one table.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    fmt: str = ""  # format spec for values, e.g. ".2f"; text is left-aligned, numbers right


def cell(value, fmt: str) -> str:
    if value is None:
        return ""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return format(value, fmt)
    return str(value)


def format_table(rows: list[dict], columns: list[Column]) -> str:
    cells = [[cell(row.get(c.key), c.fmt) for c in columns] for row in rows]
    numeric = [all(isinstance(row.get(c.key), (int, float, type(None))) for row in rows) for c in columns]
    widths = [max([len(c.header)] + [len(line[i]) for line in cells]) for i, c in enumerate(columns)]

    def line(values: list[str]) -> str:
        parts = [v.rjust(w) if num else v.ljust(w) for v, w, num in zip(values, widths, numeric)]
        return "  ".join(parts).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line([c.header for c in columns]), rule] + [line(values) for values in cells])
