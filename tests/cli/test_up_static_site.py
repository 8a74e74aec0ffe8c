"""A static-site config under `vend up` (issue 18: every supported stack works on a fresh
machine; scripts/setup installs nginx): up -> push of the starter site -> it answers through the
front door; `vend logs` with --since, --deployment, --host, and --follow (bounded: follow, make
a request, see its access line, stop); then `vend down`. One host, no database, no approval:
the fast path through the whole flow."""
from __future__ import annotations

import os
import re
import queue
import shutil
import signal
import subprocess
import threading
import time
import uuid
from pathlib import Path

import pytest

from tests.cli import sandbox_cli
from tests.cli.sandbox_cli import REPO, VEND, vend
from vendor.sandbox import environments, services
from vendor.sandbox.hosts import missing_requirements

CONFIG = str(Path(__file__).with_name("configs") / "initech-development.yaml")
HOST = "www.initech.example"


def _why_not() -> str | None:
    problems = missing_requirements()
    if problems:
        return "local hosts unavailable: " + "; ".join(problems)
    return None


pytestmark = [pytest.mark.root, pytest.mark.skipif(_why_not() is not None, reason=_why_not() or "")]


def test_setup_installs_what_every_stacks_image_needs():
    # the local bake builds the image from this machine's own /: each stack's server must be here
    setup = (REPO / "scripts" / "setup").read_text()
    packages = set(" ".join(re.findall(r"^APT_PACKAGES\+?=\(([^)]*)\)", setup, re.M)).split())
    assert {"nginx", "apache2", "libapache2-mod-php", "php", "postgresql"} <= packages, packages
    assert shutil.which("nginx") or Path("/usr/sbin/nginx").exists(), "scripts/setup was not run since nginx joined it"


@pytest.fixture
def sandbox(tmp_path):
    with sandbox_cli.sandbox(tmp_path, CONFIG) as running:
        yield running


def front_door(url: str, path: str = "/") -> tuple[int, str]:
    return sandbox_cli.front_door(url, HOST, path)


class Lines:
    """A process's stdout lines, read by a thread as they come (so a wait is bounded)."""

    def __init__(self, process: subprocess.Popen):
        self.queue: queue.Queue = queue.Queue()
        threading.Thread(target=lambda: [self.queue.put(line.rstrip("\n")) for line in process.stdout],
                         daemon=True).start()

    def until(self, wanted: re.Pattern, seconds: float) -> list[str]:
        """Lines until one matches `wanted`; AssertionError after `seconds`."""
        lines, deadline = [], time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            try:
                line = self.queue.get(timeout=left)
            except queue.Empty:
                break
            lines.append(line)
            if wanted.search(line):
                return lines
        raise AssertionError(f"no line matching {wanted.pattern} within {seconds}s: {lines[-10:]}")


def test_static_site_up_push_front_door_logs_down(sandbox):
    env, tmp = sandbox
    state = Path(env["VEND_STATE_DIR"])
    up = vend(env, "up", CONFIG, "--out", str(tmp / "build"))
    assert up.returncode == 0, up.stdout + up.stderr
    assert "initech/development is up in the sandbox" in up.stdout
    [record] = environments.load_all(state)
    [(instance, _)] = record.hosts.items()
    svc = services.status(state)

    push = vend(env, "push", CONFIG, str(tmp / "build" / "initech-development" / "app"))
    assert push.returncode == 0, push.stdout + push.stderr
    deployment = re.search(r"deployment (d-[A-Z0-9]+) to 1 host", push.stdout).group(1)
    status, body = front_door(svc.front_door)
    assert (status, "<h1>Hello from initech (development)</h1>" in body) == (200, True), body

    logs = vend(env, "logs", CONFIG, "--since", "10m", "--host", instance)
    assert logs.returncode == 0, logs.stderr
    assert re.search(rf'^{instance} access \| .*"GET / HTTP/1.1" 200', logs.stdout, re.M), logs.stdout
    assert re.search(rf"^{instance} deploy \| \[\S+\] ApplicationStart ", logs.stdout, re.M), logs.stdout
    hooks = vend(env, "logs", CONFIG, "--deployment", deployment)
    assert hooks.returncode == 0 and hooks.stdout, hooks.stderr
    assert all(line.startswith(f"{instance} deploy | ") for line in hooks.stdout.splitlines()), hooks.stdout
    unknown = vend(env, "logs", CONFIG, "--host", "i-0000000000000dead")
    assert unknown.returncode == 1 and "Error: i-0000000000000dead is not an instance of initech-development" in unknown.stderr

    follow = subprocess.Popen([VEND, "logs", CONFIG, "--follow"], cwd=REPO, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, start_new_session=True)
    lines = Lines(follow)
    try:
        lines.until(re.compile(r"\| \S+ - - \[.*\] \"GET / HTTP/1.1\" 200"), 30)  # what is there already
        probe = f"/follow-{uuid.uuid4().hex[:8]}"
        seen = []
        for _ in range(20):  # the follow starts on its own time: ask until the new line shows (bounded)
            assert front_door(svc.front_door, probe)[0] == 404
            try:
                seen = lines.until(re.compile(re.escape(f'"GET {probe} HTTP/1.1" 404')), 1.5)
                break
            except AssertionError:
                continue
        assert seen and seen[-1].startswith(f"{instance} access | "), seen  # as without --follow
    finally:
        follow.send_signal(signal.SIGINT)
        try:
            follow.wait(timeout=15)
        finally:
            if follow.poll() is None:
                os.killpg(follow.pid, signal.SIGKILL)
                follow.wait()
    assert follow.returncode is not None

    down = vend(env, "down", CONFIG)
    assert down.returncode == 0, down.stdout + down.stderr
    assert environments.load_all(state) == []
