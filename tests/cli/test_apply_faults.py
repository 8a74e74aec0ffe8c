"""`vend apply` (the real CLI, a subprocess) while its AWS endpoint fails mid-apply.

The endpoint is the embedded emulator (`python -m vendor.sandbox.emulator PORT`, its own process);
the config is configs/globex-development.yaml (33 resources: network, shared ALB, fleet, pipeline, alarms).
Slow (a few emulator starts and full applies each): deselected from the normal suite, run by
`scripts/bench --faults`.
"""
from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.aws.conftest import Cloud
from vendor.aws.endpoint import DUMMY_CREDENTIALS
from vendor.sandbox import daemons

pytestmark = pytest.mark.slow_fault

CONFIG = Path(__file__).resolve().parents[2] / "configs" / "globex-development.yaml"
REGION = "us-east-1"
RESOURCES = 33
APPLY_TIMEOUT = 240


class Endpoint:
    """The emulator in its own process on a fixed port, so it can be killed, restarted or paused."""

    def __init__(self, log: Path):
        self.port, self.log, self.process = daemons.free_port(), log, None

    @property
    def url(self) -> str:
        return f"http://{daemons.HOST}:{self.port}"

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.process = subprocess.Popen([sys.executable, "-m", "vendor.sandbox.emulator", str(self.port)],
                                            stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while not daemons.answers(self.port):
            assert self.process.poll() is None and time.monotonic() < deadline, self.log.read_text()
            time.sleep(0.05)

    def kill(self) -> None:
        self.process.kill()
        self.process.wait()

    def signal(self, signum: int) -> None:
        self.process.send_signal(signum)

    def seed(self) -> None:
        """What the account has before vend runs: the shared certificate and the environment's AMI."""
        cloud = Cloud(self.url)
        cloud.certificate("*.globex.example", shared=True, region=REGION)
        cloud.bake("globex", "development", region=REGION)


@pytest.fixture
def endpoint(tmp_path):
    server = Endpoint(tmp_path / "emulator.log")
    server.start()
    server.seed()
    yield server
    if server.process.poll() is None:
        server.signal(signal.SIGCONT)  # in case a test left it paused
        server.kill()


@pytest.fixture
def config(tmp_path) -> Path:
    path = tmp_path / CONFIG.name
    shutil.copy(CONFIG, path)
    return path


def vend(endpoint: Endpoint, tmp_path: Path, *args: str) -> subprocess.Popen:
    key, secret = DUMMY_CREDENTIALS
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update({"AWS_ENDPOINT_URL": endpoint.url, "AWS_ACCESS_KEY_ID": key, "AWS_SECRET_ACCESS_KEY": secret,
                "VEND_STATE_DIR": str(tmp_path / "state"), "PYTHONUNBUFFERED": "1"})
    return subprocess.Popen([sys.executable, "-m", "vendor.cli", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env)


def apply_with(endpoint, tmp_path, config, *, after_done: int | None = None, fault=None) -> tuple[int, list[str], str]:
    """Run `vend apply`; call `fault(process)` once its progress shows `after_done` finished steps."""
    process = vend(endpoint, tmp_path, "apply", str(config))
    lines, done = [], 0
    for line in process.stdout:
        lines.append(line.rstrip("\n"))
        if line.startswith("    done"):
            done += 1
            if done == after_done:
                fault(process)
    stderr = process.stderr.read()
    return process.wait(timeout=APPLY_TIMEOUT), lines, stderr


def converges(endpoint, tmp_path, config, *, created: int) -> None:
    """A re-apply completes; the one after it changes nothing and makes no mutating call."""
    code, lines, stderr = apply_with(endpoint, tmp_path, config)
    assert code == 0, stderr
    assert f"Apply complete: {created} created, 0 updated, 0 deleted, {RESOURCES - created} unchanged." in lines
    code, lines, stderr = apply_with(endpoint, tmp_path, config)
    assert code == 0, stderr
    assert f"Apply complete: 0 created, 0 updated, 0 deleted, {RESOURCES} unchanged." in lines
    assert re.fullmatch(r"AWS API calls: \d+ \(0 mutating\)", lines[-1]), lines[-1]


def test_emulator_restarted_mid_apply_fails_cleanly_and_a_reapply_converges(endpoint, tmp_path, config):
    """Endpoint restarted mid-apply, back empty: one `error:` line, exit 1; re-applies converge.

    The interrupted apply prints no traceback and no "Apply complete". Once the account's own
    assets are back (certificate, baked AMI), a re-apply creates everything and the next one
    changes nothing."""
    def restart(_apply):
        endpoint.kill()
        endpoint.start()

    code, lines, stderr = apply_with(endpoint, tmp_path, config, after_done=3, fault=restart)
    assert code == 1, "\n".join(lines) + stderr
    assert "Traceback" not in stderr and not any(line.startswith("Apply complete") for line in lines)
    assert len(stderr.splitlines()) == 1 and stderr.startswith("error: "), stderr
    endpoint.seed()  # the emulator lost everything, the certificate and the baked AMI too
    converges(endpoint, tmp_path, config, created=RESOURCES)


def test_endpoint_paused_mid_apply_then_resumed_completes_without_duplicates(endpoint, tmp_path, config):
    """Endpoint silent for a while mid-apply, back with its state: the apply waits and completes.

    The emulator process is paused (SIGSTOP) for 3 s while the apply still has 23 resources to
    go; after SIGCONT the apply completes, and a re-apply finds every resource once (nothing
    created twice, nothing to change)."""
    still_running = []

    def stall(apply):
        endpoint.signal(signal.SIGSTOP)
        time.sleep(3)
        still_running.append(apply.poll() is None)  # 23 resources to go: it was waiting for the endpoint
        endpoint.signal(signal.SIGCONT)

    code, lines, stderr = apply_with(endpoint, tmp_path, config, after_done=10, fault=stall)
    assert still_running == [True]
    assert code == 0, stderr
    assert f"Apply complete: {RESOURCES} created, 0 updated, 0 deleted, 0 unchanged." in lines
    converges(endpoint, tmp_path, config, created=0)
