"""Benchmark results as JSON under build/bench/, with what makes runs comparable across commits."""
from __future__ import annotations

import json
import os
import platform
import subprocess
from datetime import datetime, timezone
from pathlib import Path

RESULTS_DIR = Path("build/bench")


def _git(*args: str) -> str | None:
    try:
        out = subprocess.run(["git", *args], capture_output=True, text=True, timeout=10)
    except OSError:
        return None
    return out.stdout.strip() if out.returncode == 0 else None


def environment() -> dict:
    """Commit (and whether the work tree had changes), date, machine."""
    status = _git("status", "--porcelain", "--untracked-files=no")
    return {
        "commit": _git("rev-parse", "HEAD"),
        "work_tree_changed": bool(status) if status is not None else None,
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "nproc": len(os.sched_getaffinity(0)),  # what `nproc` prints
        "python": platform.python_version(),
        "machine": platform.machine(),
        "loadavg_1m": round(os.getloadavg()[0], 2),  # other work on the machine skews wall times
    }


def write_result(name: str, payload: dict, directory: Path = RESULTS_DIR, env: dict | None = None) -> Path:
    """`env`: the environment() taken when the run started (the commit it ran, not a later one)."""
    path = Path(directory) / f"{name}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"benchmark": name, **(env or environment()), **payload}, indent=2) + "\n")
    return path
