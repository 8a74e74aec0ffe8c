"""Small facts about local processes."""
from __future__ import annotations

import os


def alive(pid: int) -> bool:
    """Does process `pid` run (ours or another user's)? A zombie (exited, not yet reaped) does not."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rpartition(")")[2].split()[0] != "Z"
    except (OSError, IndexError):
        return True
