"""Timing of the whole embedded flow on the production example, with the real command:

`vend up` (each of its steps), `vend up` again (converged: nothing to do), `vend push` of the
starter app (build, approval, one-at-a-time rollout to 3 hosts; approved from the terminal as
soon as the request is mailed), `vend push` of a revision whose ValidateService fails (stopped
at the first host and rolled back), and `vend down`. Needs root and the example's packages.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from vendor.sandbox.hosts import missing_requirements

NAME = "flow"
REPO = Path(__file__).resolve().parents[2]
CONFIG = "configs/acme-production.yaml"
VEND = str(Path(sys.executable).with_name("vend"))
STEP = re.compile(r"^\[(\d)/\d\] (.*)$")


def skip_reason() -> str | None:
    problems = missing_requirements()
    if problems:
        return "; ".join(problems)
    if not shutil.which("apache2ctl"):
        return "apache2 and php are not installed (scripts/setup)"
    return None


def _timed(env: dict, *args: str, on_line=None) -> tuple[float, str, list[tuple[float, str]]]:
    """(seconds, output, [(seconds since start, line)]) of one vend command; fails loudly."""
    started = time.monotonic()
    process = subprocess.Popen([VEND, *args], cwd=REPO, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
    lines = []
    for line in process.stdout:
        lines.append((time.monotonic() - started, line.rstrip("\n")))
        if on_line:
            on_line(line)
    code = process.wait()
    output = "\n".join(text for _, text in lines)
    if code not in (0, 1):
        raise RuntimeError(f"vend {' '.join(args)} exited {code}:\n{output[-3000:]}")
    return time.monotonic() - started, output, lines


def _approver(env: dict):
    """Approve from the terminal as soon as the gate mails its request."""
    def on_line(line: str) -> None:
        found = re.search(r"Approve\s+Waiting\s+request (\S+) mailed", line)
        if found:
            threading.Thread(target=subprocess.run, daemon=True, kwargs={
                "args": [VEND, "approvals", "approve", found.group(1), "--by", "bench@acme.example"],
                "cwd": REPO, "env": env, "capture_output": True}).start()
    return on_line


def _steps(lines: list[tuple[float, str]], total: float) -> list[dict]:
    marks = [(at, m.group(2)) for at, text in lines if (m := STEP.match(text))]
    ends = [at for at, _ in marks[1:]] + [total]
    return [{"benchmark": NAME, "case": f"  up: {name}", "wall_s": end - at}
            for (at, name), end in zip(marks, ends)]


def run() -> dict:
    work = Path(tempfile.mkdtemp(prefix="vend-bench-flow-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "VEND_"))}
    env["VEND_STATE_DIR"] = str(work / "state")
    rows = []
    try:
        took, _, lines = _timed(env, "up", CONFIG, "--out", str(work / "build"))
        rows += [{"benchmark": NAME, "case": "vend up (cold: emulator, bake, stack, 3 hosts)", "wall_s": took},
                 *_steps(lines, took)]
        took, out, _ = _timed(env, "up", CONFIG, "--out", str(work / "build"))
        rows.append({"benchmark": NAME, "case": "vend up again (converged)", "wall_s": took})
        app = work / "build" / "acme-production" / "app"
        took, out, _ = _timed(env, "push", CONFIG, str(app), on_line=_approver(env))
        if "execution" not in out or "Succeeded" not in out.splitlines()[-1]:
            raise RuntimeError(f"the push failed:\n{out[-3000:]}")
        rows.append({"benchmark": NAME, "case": "vend push: build, approval, rollout to 3 hosts", "wall_s": took})
        (app / "scripts" / "validate_service.sh").write_text("#!/bin/sh\nexit 1\n")
        took, out, _ = _timed(env, "push", CONFIG, str(app), on_line=_approver(env))
        if "rolled back" not in out:
            raise RuntimeError(f"the failing push did not roll back:\n{out[-3000:]}")
        rows.append({"benchmark": NAME, "case": "vend push, ValidateService fails: rollback", "wall_s": took})
    finally:
        took, _, _ = _timed(env, "down", CONFIG)
        shutil.rmtree(work, ignore_errors=True)
    rows.append({"benchmark": NAME, "case": "vend down", "wall_s": took})
    return {"rows": rows, "notes": [
        "flow: the production example's health check (interval 15 s, 2 healthy checks) "
        "sets most of a rollout's time: each host waits one interval before it is let back in."]}
