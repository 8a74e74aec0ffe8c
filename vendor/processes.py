"""Small facts about local processes."""
from __future__ import annotations

import os


def alive(pid: int) -> bool:
    """Does process `pid` exist (ours or another user's)?"""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
