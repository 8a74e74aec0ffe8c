"""Text from others shown at a terminal: control characters and bidi overrides become visible escapes."""
from __future__ import annotations

import pytest

from vendor.cli.printable import printable


@pytest.mark.parametrize("text, shown", [
    ("ship it, thanks ann — ok ✓", "ship it, thanks ann — ok ✓"),
    ("ok\x1b]0;owned\x07", "ok\\x1b]0;owned\\x07"),
    ("line1\nline2\r\tx", "line1\\nline2\\r\\tx"),
    ("\x9b2J C1 too", "\\x9b2J C1 too"),
    ("abc\u202edcba\u2066", "abc\\u202edcba\\u2066"),
    ("\x7f", "\\x7f"),
])
def test_printable(text, shown):
    assert printable(text) == shown
