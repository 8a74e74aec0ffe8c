"""The benchmark's pyinfra side: the same revision and lifecycle as vend and Ansible, through
pyinfra/deploy.py, host by host (`--serial`).

    run = PyinfraRollout(hosts, key_path, known_hosts, work_dir)
    seconds = run.deploy(bundle_path, revision_dir, deployment_id)

Each deploy writes its own inventory (the hosts as root with the run's key, host keys checked
against the run's known_hosts). The wall time includes `pyinfra`'s own start-up (Python, its
imports, connecting and gathering the facts the deploy asks for): that is what a team running it
pays; `startup_seconds()` measures the start-up alone.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import yaml

from tests.bench.ansible_rollout import files_to_install

DEPLOY = Path(__file__).with_name("pyinfra") / "deploy.py"
TIMEOUT = 900


class PyinfraFailed(Exception):
    pass


def pyinfra_cli() -> str | None:
    """The pyinfra next to this Python (the venv's), else one on PATH."""
    beside = Path(sys.executable).with_name("pyinfra")
    return str(beside) if beside.exists() else shutil.which("pyinfra")


def inventory(hosts, key_path: Path, known_hosts: Path) -> str:
    data = {"ssh_user": "root", "ssh_key": str(key_path), "ssh_known_hosts_file": str(known_hosts),
            "ssh_strict_host_key_checking": "yes"}
    entries = [(h.address, {**data, "ssh_port": h.port}) for h in hosts]
    return f"fleet = {entries!r}\n"


class PyinfraRollout:
    def __init__(self, hosts, key_path: Path, known_hosts: Path, work: Path, *,
                 application: str = "bench", group_name: str = "bench", group_id: str = "g-bench",
                 health_path: str = "/health", health_port: int = 8080):
        self.hosts, self.key_path, self.known_hosts = list(hosts), key_path, known_hosts
        self.work = Path(work)
        self.group = {"application": application, "group_name": group_name, "group_id": group_id}
        self.health = {"health_url_path": health_path, "health_port": health_port}

    def deploy(self, bundle: Path, revision: Path, deployment_id: str) -> float:
        """Run the deploy over the hosts; returns its wall time. Raises PyinfraFailed."""
        run_dir = self.work / f"pyinfra-{deployment_id}"
        run_dir.mkdir(parents=True)
        (run_dir / "inventory.py").write_text(inventory(self.hosts, self.key_path, self.known_hosts))
        appspec = yaml.safe_load((revision / "appspec.yml").read_text())
        extra = {**self.group, **self.health, "deployment_id": deployment_id, "bundle": str(bundle),
                 "appspec": appspec, "files": files_to_install(revision, appspec)}
        (run_dir / "vars.json").write_text(json.dumps(extra))
        argv = [pyinfra_cli(), "-y", "--serial", "--fail-percent", "0", str(run_dir / "inventory.py"), str(DEPLOY)]
        started = time.monotonic()
        done = subprocess.run(argv, env=self._env(run_dir), cwd=run_dir, capture_output=True, text=True,
                              timeout=TIMEOUT)
        seconds = time.monotonic() - started
        (run_dir / "output.log").write_text(done.stdout + done.stderr)
        if done.returncode != 0:
            tail = "\n".join((done.stdout + done.stderr).splitlines()[-25:])
            raise PyinfraFailed(f"pyinfra exited with {done.returncode}:\n{tail}")
        return seconds

    def startup_seconds(self) -> float:
        """Wall time of pyinfra running one no-op on the local machine (@local): its fixed cost."""
        run_dir = self.work / f"pyinfra-startup-{uuid.uuid4().hex[:8]}"
        run_dir.mkdir(parents=True)
        started = time.monotonic()
        subprocess.run([pyinfra_cli(), "-y", "@local", "exec", "--", "true"], env=self._env(run_dir), cwd=run_dir,
                       capture_output=True, check=True, timeout=120)
        return time.monotonic() - started

    def _env(self, run_dir: Path) -> dict:
        return {**os.environ, "VEND_BENCH_VARS": str(run_dir / "vars.json")}
