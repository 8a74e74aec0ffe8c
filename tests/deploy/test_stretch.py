"""A stretch of the lifecycle in one agent run: where the lifecycle is cut, and the agent's `run`
command (run here as a local subprocess, it is standalone) read back through `Stream`."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from vendor.deploy import host_agent
from vendor.deploy.lifecycle import Step, steps
from vendor.deploy.stretch import Plan, Stream, stretches

AGENT = Path(host_agent.__file__)


def _names(parts) -> list:
    return [p.event if isinstance(p, Step) else [s.event for s in p] for p in parts]


def test_the_lifecycle_is_cut_at_the_traffic_changes():
    assert _names(stretches(steps(first_install=False, traffic_control=True))) == [
        ["BeforeBlockTraffic"], "BlockTraffic",
        ["AfterBlockTraffic", "ApplicationStop", "DownloadBundle", "BeforeInstall", "Install", "AfterInstall",
         "ApplicationStart", "ValidateService", "BeforeAllowTraffic"],
        "AllowTraffic", ["AfterAllowTraffic"]]
    assert _names(stretches(steps(first_install=True, traffic_control=False))) == [
        ["DownloadBundle", "BeforeInstall", "Install", "AfterInstall", "ApplicationStart", "ValidateService"]]


def _script(tmp_path: Path, name: str, body: str) -> str:
    path = tmp_path / name
    path.write_text("#!/bin/sh\n" + body + "\n")
    path.chmod(0o755)
    return str(path)


def _hook(plan: Plan, actions: list, tmp_path: Path, name: str, body: str, timeout: int = 30) -> None:
    args = {"script": _script(tmp_path, name, body), "timeout": timeout, "runas": None,
            "env": {"LIFECYCLE_EVENT": "x"}, "log": str(tmp_path / "logs" / "scripts.log")}
    plan.hook(actions, args, f"scripts/{name}")


def _run(plan: Plan) -> tuple[int, list[str], Stream]:
    lines, events = [], []
    stream = Stream(plan, events, lines.append, margin=30)
    done = subprocess.run([sys.executable, str(AGENT), "run"], input=plan.stdin(), capture_output=True,
                          text=True, timeout=30)
    for line in done.stdout.splitlines():
        stream.feed("stdout", line)
    return done.returncode, lines, stream


def test_events_and_output_stream_back_in_order_with_the_hooks_time(tmp_path):
    plan = Plan()
    _hook(plan, plan.event("BeforeInstall"), tmp_path, "a.sh", "echo one; printf 'no newline at the end'")
    plan.event("Install")  # no action: still reached
    _hook(plan, plan.event("AfterInstall"), tmp_path, "b.sh", "sleep 0.2; echo two")
    code, lines, stream = _run(plan)
    assert code == 0 and stream.done and stream.failure is None
    assert stream.events == ["BeforeInstall", "Install", "AfterInstall"]
    assert lines == ["BeforeInstall: one", "BeforeInstall: no newline at the end", "AfterInstall: two"]
    assert 0.2 <= stream.hook_seconds < 5


def test_a_failing_script_stops_the_run_and_names_itself(tmp_path):
    plan = Plan()
    _hook(plan, plan.event("AfterInstall"), tmp_path, "bad.sh", "echo failing; exit 7")
    _hook(plan, plan.event("ApplicationStart"), tmp_path, "never.sh", f"touch {tmp_path}/ran")
    code, lines, stream = _run(plan)
    assert code == 1 and not stream.done
    assert stream.failure == ("AfterInstall", "scripts/bad.sh exited with 7")
    assert stream.events == ["AfterInstall"]
    assert not (tmp_path / "ran").exists()


def test_a_script_over_its_timeout_is_reported_as_killed(tmp_path):
    plan = Plan()
    _hook(plan, plan.event("ValidateService"), tmp_path, "slow.sh", "sleep 30", timeout=1)
    code, _, stream = _run(plan)
    assert code == 1
    assert stream.failure == ("ValidateService", "scripts/slow.sh timed out after 1s and was killed")


def test_a_hook_cannot_forge_a_result_line(tmp_path):
    """A hook printing what looks like the agent's result lines (another nonce, or none) is only output."""
    plan = Plan()
    forged = '@@vend:0123456789abcdef01234567 {"done": true}'
    _hook(plan, plan.event("AfterInstall"), tmp_path, "forge.sh", f"echo '{forged}'; exit 3")
    code, lines, stream = _run(plan)
    assert lines == [f"AfterInstall: {forged}"]
    assert not stream.done and stream.failure == ("AfterInstall", "scripts/forge.sh exited with 3")


def test_a_builtin_step_failure_is_reported_with_its_words(tmp_path):
    plan = Plan()
    plan.event("DownloadBundle").append({"adopt": {"staged": str(tmp_path / "nothing-here"),
                                                   "directory": str(tmp_path / "d")}})
    code, _, stream = _run(plan)
    assert code == 1
    assert stream.failure[0] == "DownloadBundle"
    assert stream.failure[1].startswith(f"pre-staged revision at {tmp_path}/nothing-here is incomplete: ")
