"""A build cannot approve its own release (issue 13, "High"): reproduced through the real
`vend push` command, with a buildspec that looks for vend's state directory, its approvals key
and its ancestors' environment, and leaves a background process behind that tries to approve.
"""
from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from vendor.approvals.decisions import Decider
from vendor.approvals.gate import Gate
from vendor.approvals.settings import Settings
from vendor.sandbox.hosts import missing_requirements
from tests.deploy.revisions import MINIMAL, python_revision

VEND = str(Path(sys.executable).with_name("vend"))
REPO = Path(__file__).resolve().parents[2]

# The attacker's background process: find vend's state directory in any readable process
# environment (the build's ancestors), then use vend's own python and code to sign an approve
# link with approvals.key and decide it, as the approvals web app does on the POST.
EVIL = r'''
import os, subprocess, sys, time
APPROVE = """
import time
from vendor.approvals.decisions import Decider
from vendor.approvals.gate import Gate
gate = Gate.from_settings()
for _ in range(300):
    for request in gate.store.list(status="pending"):
        token = gate.links(request, request.approvers[0])[0].rsplit("/r/", 1)[1]
        Decider(gate.store, gate.signer).decide_link(token, source="build")
    time.sleep(0.1)
"""
deadline = time.time() + 40
while time.time() < deadline:
    for pid in os.listdir("/proc"):
        try:
            environ = open(f"/proc/{pid}/environ", "rb").read().split(b"\0")
            exe = open(f"/proc/{pid}/cmdline", "rb").read().split(b"\0")[0].decode()  # vend's (venv) python
        except OSError:
            continue
        state = [e.split(b"=", 1)[1].decode() for e in environ if e.startswith(b"VEND_STATE_DIR=")]
        if state and "python" in exe:
            subprocess.run([exe, "-c", APPROVE], env={"VEND_STATE_DIR": state[0]}, cwd="/")
    time.sleep(0.2)
'''


def _buildspec(state: Path, marker: str) -> str:
    probes = [
        f"test -r {state}/approvals.key && echo 'key: readable' || echo 'key: not readable'",
        f"test -e {state} && echo 'state dir: visible' || echo 'state dir: not visible'",
        "cat /proc/*/environ 2>/dev/null | tr '\\0' '\\n' | grep -q '^VEND_STATE_DIR=' && echo 'environ: VEND_STATE_DIR found' || echo 'environ: VEND_STATE_DIR not found'",
        "env | grep -q -e '^AWS_ACCESS_KEY_ID=' -e '^AWS_SECRET_ACCESS_KEY=' && echo 'aws: credentials found' || echo 'aws: none'",
        f"setsid nohup python3 evil.py {marker} > /dev/null 2>&1 &",
        "sleep 1",
    ]
    return yaml.safe_dump({"version": 0.2, "phases": {"build": {"commands": probes}},
                           "artifacts": {"files": ["**/*"]}}, width=1000)


def _alive(marker: str) -> list[int]:
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            if marker.encode() in Path(f"/proc/{pid}/cmdline").read_bytes():
                found.append(int(pid))
        except OSError:
            pass
    return found


@pytest.mark.root
@pytest.mark.skipif(bool(missing_requirements()), reason="; ".join(missing_requirements()) or "-")
def test_build_cannot_approve_its_own_release(tmp_path):
    """A hostile build sees no state dir, key or ancestor environment, and its background process
    dies with the build: the approval request stays pending."""
    state = tmp_path / "state"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "VEND_"))}
    env.update(VEND_STATE_DIR=str(state), AWS_ACCESS_KEY_ID="AKIDVENDTEST", AWS_SECRET_ACCESS_KEY="secret-of-vend")
    config = tmp_path / "shop-production.yaml"
    config.write_text(MINIMAL.read_text().replace("environment: staging", "environment: production")
                      .replace("    repository: shop", "    repository: shop\n  approvers: [ops@shop.example]"))
    (tmp_path / "key").write_text("not used: the rollout never starts\n")
    hosts_file = tmp_path / "hosts.yaml"
    hosts_file.write_text(yaml.safe_dump({"hosts": [{"name": "web1", "address": "127.0.0.1", "port": 1,
                                                     "user": "root", "key_file": str(tmp_path / "key")}]}))
    marker = f"vend-evil-{os.getpid()}-{time.monotonic_ns()}"
    source = python_revision(tmp_path / "src")
    (source / "evil.py").write_text(EVIL)
    (source / "buildspec.yml").write_text(_buildspec(state, marker))

    push = subprocess.Popen([VEND, "push", str(config), str(source), "--hosts", str(hosts_file)], cwd=REPO, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        gate = Gate.from_settings(Settings.from_env({"VEND_STATE_DIR": str(state)}))
        deadline = time.monotonic() + 60
        while not gate.store.list() and push.poll() is None:
            assert time.monotonic() < deadline, "no approval request was opened"
            time.sleep(0.1)
        requests = gate.store.list()
        assert len(requests) == 1, push.communicate(timeout=5)[0] if push.poll() is not None else requests
        watch = time.monotonic() + 3.0  # the attack approved 0.5 s after the request opened
        while time.monotonic() < watch:
            assert gate.store.get(requests[0].id).status == "pending", gate.store.get(requests[0].id)
            time.sleep(0.1)
        assert _alive(marker) == []
        Decider(gate.store, gate.signer).decide(requests[0].id, False, by="ops@shop.example", source="test")
        output = push.communicate(timeout=30)[0]
    finally:
        if push.poll() is None:
            push.kill()
            push.wait()
        for pid in _alive(marker):
            os.kill(pid, 9)
    assert push.returncode == 1, output
    build = [line.split(" | ", 2)[2] for line in output.splitlines() if line.startswith("  build | build | ")]
    assert build == ["key: not readable", "state dir: not visible", "environ: VEND_STATE_DIR not found", "aws: none"]
    assert "Approve  Rejected   rejected by ops@shop.example" in output
