"""Text from others (approver comments, names, stage summaries) made safe for a terminal.

A comment typed into the approval page may hold terminal escape sequences (retitle the window,
clear the screen, rewrite earlier lines) or bidirectional overrides that reorder what is shown.
Printed as is they act on the reader's terminal; `printable` shows each such character as a
visible escape instead (ESC as \\x1b, U+202E as \\u202e), and leaves everything else alone.
"""
from __future__ import annotations

import unicodedata

NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
BIDI = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def printable(text: object) -> str:
    """`text` with control characters and bidirectional overrides shown as escapes."""
    out = []
    for ch in str(text):
        if ch in NAMED:
            out.append(NAMED[ch])
        elif ch in BIDI or unicodedata.category(ch) == "Cc":
            out.append(f"\\x{ord(ch):02x}" if ord(ch) < 0x100 else f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return "".join(out)
