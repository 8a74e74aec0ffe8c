"""Where vend keeps what is not in AWS: approvals, deployment history, bundles, sandbox records."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Mapping


def default_state_dir(env: Mapping[str, str] | None = None) -> Path:
    """`VEND_STATE_DIR`, else `$XDG_STATE_HOME/vend`, else `~/.local/state/vend`."""
    env = os.environ if env is None else env
    if env.get("VEND_STATE_DIR"):
        return Path(env["VEND_STATE_DIR"]).expanduser()
    base = env.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "vend"
