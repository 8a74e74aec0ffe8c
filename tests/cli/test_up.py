"""The README's main flow, end to end with the real command, on the production example:

`vend up` (emulator, local bake, stack, three local SSH hosts, services) -> `vend push` of the
starter app -> approval from the emailed link in a real browser -> one-at-a-time rollout -> the
app answers through the front door; then a push whose ValidateService fails rolls back while
the front door keeps serving the old version (no request fails); the database keeps its data
through a converging `vend up`, and `vend destroy` keeps a dump of it (production: RDS's final
snapshot rule); then `vend down` leaves no process, network namespace or mount behind.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import boto3
import pytest

from tests.cli import sandbox_cli
from tests.cli.sandbox_cli import REPO, VEND, vend
from tests.browser import decide_in_browser, missing as browser_missing
from vendor.approvals import outbox
from vendor.approvals.settings import Settings
from vendor.processes import alive
from vendor.sandbox import database as sandbox_database
from vendor.sandbox import emulator, environments, netns, services
from vendor.sandbox.hosts import missing_requirements
from vendor.sandbox.rootfs import mounts_under

CONFIG = "configs/acme-production.yaml"
HOST = "shop.acme.example"
BUCKET = "vend-acme-production-123456789012-artifacts"


def artifacts(url: str) -> list[str]:
    s3 = boto3.client("s3", endpoint_url=url, region_name="eu-west-1", aws_access_key_id="k",
                      aws_secret_access_key="s")
    return [o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET).get("Contents", [])]


def _why_not() -> str | None:
    problems = missing_requirements()
    if problems:
        return "local hosts unavailable: " + "; ".join(problems)
    if not shutil.which("apache2ctl") or not shutil.which("php"):
        return "the production example's image needs apache2 and php on this machine (scripts/setup)"
    return browser_missing()


pytestmark = [pytest.mark.root, pytest.mark.skipif(_why_not() is not None, reason=_why_not() or "")]


@pytest.fixture
def sandbox(tmp_path):
    with sandbox_cli.sandbox(tmp_path, CONFIG) as running:
        yield running



def sql(db, statement: str) -> subprocess.CompletedProcess:
    """One statement as the master user with the password RDS keeps (moto's), over the bridge."""
    return subprocess.run(["psql", "-XAtq", "-h", db.address, "-p", str(db.port), "-U", "vend_admin", "-d", "shop",
                           "-c", statement], env={**os.environ, "PGPASSWORD": "P@55w0rd!", "PGCONNECT_TIMEOUT": "5"},
                          capture_output=True, text=True, timeout=30)


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.email=dev@acme.example", "-c", "user.name=Acme Dev", *args],
                   cwd=repo, check=True, capture_output=True)


def front_door(url: str, path: str = "/") -> tuple[int, str]:
    return sandbox_cli.front_door(url, HOST, path)


def approve_emailed_link(state: Path, seen: int) -> str:
    """Wait for the next approval mail (caught over SMTP), click Approve in a real browser."""
    box = Settings.from_env({"VEND_STATE_DIR": str(state)}).outbox
    for _ in range(600):
        mails = outbox.entries(box)
        if len(mails) > seen:
            break
        time.sleep(0.1)
    else:
        raise AssertionError("no approval mail arrived")
    text = outbox.text_of(outbox.read(box, mails[seen].key))
    link = re.search(r"^Approve: (\S+)$", text, re.M).group(1)
    return decide_in_browser(link, "approve", screenshot=f"up-approval-{seen}.png")


def test_up_push_approve_rollout_rollback_down(sandbox):
    env, tmp = sandbox
    state = Path(env["VEND_STATE_DIR"])

    up = vend(env, "up", CONFIG, "--out", str(tmp / "build"))
    assert up.returncode == 0, up.stdout + up.stderr
    assert "acme/production is up in the sandbox" in up.stdout
    assert re.search(r"certificate arn:aws:acm:eu-west-1:123456789012:certificate/\S+: self-signed stand-in imported",
                     up.stdout), up.stdout
    svc, emu = services.status(state), emulator.status(state)
    [record] = environments.load_all(state)
    assert len(record.hosts) == 3  # one local host per InService instance (fleet/desired 3)
    assert f"vend push {CONFIG} {tmp / 'build'}/acme-production/app" in up.stdout  # next steps

    # the environment's PostgreSQL server (the RDS instance's stand-in) keeps its data through a converging up
    [db] = sandbox_database.load_all(state)
    assert sql(db, "CREATE TABLE orders (id int); INSERT INTO orders VALUES (1801)").returncode == 0
    again = vend(env, "up", CONFIG, "--out", str(tmp / "build"))  # converges: nothing new
    assert again.returncode == 0, again.stdout + again.stderr
    assert "reused" in again.stdout and "0 created, 0 updated, 0 deleted" in again.stdout
    assert "3 local host(s) running" in again.stdout and environments.load_all(state) == [record]
    assert sql(db, "SELECT id FROM orders").stdout == "1801\n"

    # the customer's repository: the starter app, version 1
    repo = tmp / "shop"
    shutil.copytree(tmp / "build" / "acme-production" / "app", repo)
    index = repo / "app" / "index.php"
    index.write_text(index.read_text() + '\necho "<p>version 1</p>";\n')
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "Shop version 1")

    push = subprocess.Popen([VEND, "push", CONFIG, str(repo)], cwd=REPO, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    assert "acme/production is approved" in approve_emailed_link(state, 0)
    out, _ = push.communicate(timeout=300)
    assert push.returncode == 0, out
    assert re.search(r"Approve  Succeeded  approved by (release-manager|cto)@acme\.example", out), out
    # the approval went as on AWS: notification to the topic -> queue -> the approvals service's handler
    box = Settings.from_env({"VEND_STATE_DIR": str(state)}).outbox
    mailed = outbox.text_of(outbox.read(box, outbox.entries(box)[0].key))
    assert "  Decides:      CodePipeline vend-acme-production / Approve / Approve\n" in mailed, mailed
    served = [re.match(r"\s*(i-\w+) \| ", line).group(1) for line in out.splitlines() if re.match(r"\s*i-\w+ \| ", line)]
    assert [h for i, h in enumerate(served) if i == 0 or served[i - 1] != h] == sorted(record.hosts), out  # one at a time
    status, body = front_door(svc.front_door)
    assert (status, "version 1" in body, "Hello from acme (production)" in body) == (200, True, True), body
    kept = artifacts(emu.url)  # the source archive and the built revision, in the artifact bucket
    assert "source/vend-acme-production.zip" in kept and len(kept) == 2, kept  # where the S3 source action reads
    assert all(f"s3://{BUCKET}/{k}" in out for k in kept), out

    # the app's runtime: its env file points at the environment's real PostgreSQL server, the health
    # check queries it on every host; a config var reaches every host, one at a time, with --restart
    assert "PostgreSQL for vend-acme-production." in up.stdout and "running at 10.214." in again.stdout
    for h in record.hosts.values():
        with urllib.request.urlopen(f"http://{h['address']}/health.php", timeout=10) as response:
            assert response.read().decode() == "ok (database answers)\n"
    restart = vend(env, "config", "set", CONFIG, "FOO=bar", "--restart")
    assert restart.returncode == 0, restart.stdout + restart.stderr
    restarted = re.findall(r"^(i-\w+): restarted$", restart.stdout, re.M)
    assert restarted == sorted(record.hosts), restart.stdout  # one host after another
    for h in record.hosts.values():
        with urllib.request.urlopen(f"http://{h['address']}/", timeout=10) as response:
            assert "<p>FOO=bar</p>" in response.read().decode()
    assert "FOO=bar" in front_door(svc.front_door)[1]
    logs = vend(env, "logs", CONFIG, "--since", "10m")
    assert logs.returncode == 0, logs.stderr
    assert all(re.search(rf"^{iid} deploy \| \[\S+\] ApplicationStart ", logs.stdout, re.M) for iid in record.hosts), logs.stdout
    assert re.search(r'^i-\w+ access \| .*"GET /health.php HTTP/1.1" 200', logs.stdout, re.M), logs.stdout
    password = "P@55w0rd!"  # what moto's Secrets Manager keeps for a managed RDS master user
    outputs = up.stdout + up.stderr + again.stdout + out + restart.stdout + restart.stderr + logs.stdout
    assert password not in outputs and "P%4055w0rd%21" not in outputs
    for path in state.rglob("*"):
        if path.is_file() and path.stat().st_size < 5_000_000:
            assert password.encode() not in path.read_bytes(), path

    # version 2 fails its ValidateService: the rollout stops at the first host and rolls it back
    index.write_text(index.read_text().replace("version 1", "version 2"))
    (repo / "scripts" / "validate_service.sh").write_text("#!/bin/sh\necho 'version 2 is broken'\nexit 1\n")
    git(repo, "commit", "-qam", "Shop version 2 (broken)")
    answers, done = [], threading.Event()

    def hammer():
        while not done.is_set():
            answers.append(front_door(svc.front_door))
            time.sleep(0.02)

    push = subprocess.Popen([VEND, "push", CONFIG, str(repo)], cwd=REPO, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    approve_emailed_link(state, 2)  # two approvers were mailed for the first push
    watcher = threading.Thread(target=hammer)
    watcher.start()
    try:
        out, _ = push.communicate(timeout=300)
    finally:
        done.set()
        watcher.join()
    assert push.returncode == 1, out
    assert "ValidateService" in out and "rolled back to" in out, out
    failed = [a for a in answers if a[0] != 200 or "version 1" not in a[1]]
    assert len(answers) > 20 and failed == [], failed[:3]
    assert "version 1" in front_door(svc.front_door)[1]

    # vend destroy follows RDS's rule in the sandbox too: production keeps a dump where RDS keeps its final snapshot
    destroyed = vend(env, "destroy", CONFIG, "--yes")
    assert destroyed.returncode == 0, destroyed.stdout + destroyed.stderr
    kept = re.search(r"^Sandbox PostgreSQL of acme-production stopped; database shop kept as a dump at "
                     r"(\S+/sandbox-databases/snapshots/vend-acme-production-final-\d{14}\.sql) "
                     r"\(where RDS keeps the final snapshot\)$", destroyed.stdout, re.M)
    assert kept, destroyed.stdout
    assert "COPY public.orders (id) FROM stdin;\n1801\n" in Path(kept.group(1)).read_text()
    assert sandbox_database.load_all(state) == [] and not Path(db.data_dir).exists()

    down = vend(env, "down", CONFIG)
    assert down.returncode == 0, down.stdout + down.stderr
    assert not alive(svc.pid) and not alive(emu.pid)
    assert [n for n in netns.list_netns() if n.startswith(f"{record.prefix}-")] == []
    assert [link for link in netns.list_links() if link.startswith(f"{record.prefix}-")] == []
    assert mounts_under(state) == [] and mounts_under(Path(tempfile.gettempdir()) / f"{record.prefix}-hosts") == []
    assert environments.load_all(state) == []
    assert not Path(tempfile.gettempdir(), f"{record.prefix}-db").exists()  # the PostgreSQL server and its data
