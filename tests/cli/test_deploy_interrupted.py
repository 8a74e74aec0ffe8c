"""A `vend deploy` killed mid-way (issue 21): `vend releases` records it as Interrupted, and the
group's next deployment stops the hook it left running on the host before it starts."""
from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time

from click.testing import CliRunner

from tests.deploy.revisions import python_revision
from tests.remote import alive_argv
from vendor.cli.main import cli
from vendor.ssh import connect, run

SLOW = "echo $$ > /tmp/slow-hook.pid\necho 'slow hook started'\nsleep 120"


def test_killed_deploy_is_recorded_and_its_hook_stopped_by_the_next(setup, tmp_path):
    config, hosts_file, hosts = setup
    slow = python_revision(tmp_path / "slow", version="1", extra_hook=("AfterInstall", SLOW, 300))
    out = open(tmp_path / "deploy.out", "w+")
    vend = subprocess.Popen([sys.executable, "-c", "from vendor.cli.main import cli; cli()", "deploy", str(config),
                             str(slow), "--hosts", str(hosts_file)], stdout=out, stderr=subprocess.STDOUT,
                            env=dict(os.environ), start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while "slow hook started" not in (tmp_path / "deploy.out").read_text():
            assert vend.poll() is None and time.monotonic() < deadline, (tmp_path / "deploy.out").read_text()
            time.sleep(0.2)
    finally:
        os.killpg(vend.pid, signal.SIGKILL)  # as `kill -9` or a closed terminal would
        vend.wait()
    with connect(hosts[0]) as conn:
        hook_pid = run(conn, ["cat", "/tmp/slow-hook.pid"], timeout=10).stdout.strip()
        assert run(conn, alive_argv(hook_pid), timeout=10).ok, "the hook goes on without vend, as on a host"

    listed = CliRunner().invoke(cli, ["releases", str(config)])
    assert listed.exit_code == 0, listed.output
    [line] = listed.output.splitlines()
    assert re.search(r" d-\w+  \w{12}  Interrupted \(vend \(pid \d+ on [^)]+\) was killed during revision \w{12} "
                     r"\(d-\w+\); hooks may have been running on host1\)  by ", line), line

    result = CliRunner().invoke(cli, ["deploy", str(config), str(python_revision(tmp_path / "v2", version="2")),
                                      "--hosts", str(hosts_file)])
    assert result.exit_code == 0, result.output
    assert re.search(r"  host1 \| DownloadBundle: stopped what deployment d-\w+ left running: scripts/extra\.sh "
                     rf"\(AfterInstall, process group {hook_pid}\), before this deployment starts", result.output), result.output
    with connect(hosts[0]) as conn:
        assert not run(conn, alive_argv(hook_pid), timeout=10).ok, "the interrupted deployment's hook still runs"
    statuses = [line.split()[3] for line in CliRunner().invoke(cli, ["releases", str(config)]).output.splitlines()]
    assert statuses == ["Succeeded", "Interrupted"]  # newest first
