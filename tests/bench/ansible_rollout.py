"""The benchmark's Ansible side: the same revision and lifecycle as vend, through ansible/deploy.yml.

    run = AnsibleRollout(hosts, key_path, known_hosts, work_dir)
    seconds = run.deploy(bundle_path, revision_dir, deployment_id)

Each deploy writes its own inventory (the hosts as root with the run's key, host keys checked
against the run's known_hosts) and gets its own SSH control socket directory; its master
connections are closed after the run, so none is reused by the next. The wall time includes
`ansible-playbook`'s own start-up: that is what a team running it pays; `startup_seconds()`
measures that part alone.
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

PLAYBOOK_DIR = Path(__file__).with_name("ansible")
PLAYBOOK = PLAYBOOK_DIR / "deploy.yml"
TIMEOUT = 900


class AnsibleFailed(Exception):
    pass


def ansible_playbook() -> str | None:
    """The ansible-playbook next to this Python (the venv's), else one on PATH."""
    beside = Path(sys.executable).with_name("ansible-playbook")
    return str(beside) if beside.exists() else shutil.which("ansible-playbook")


def inventory(hosts, key_path: Path, known_hosts: Path) -> str:
    lines = ["[fleet]"] + [f"{h.name} ansible_host={h.address} ansible_port={h.port}" for h in hosts]
    lines += [
        "", "[fleet:vars]", "ansible_user=root", f"ansible_ssh_private_key_file={key_path}",
        f"ansible_ssh_common_args='-o UserKnownHostsFile={known_hosts} -o StrictHostKeyChecking=yes'",
    ]
    return "\n".join(lines) + "\n"


def files_to_install(revision: Path, appspec: dict) -> list[dict]:
    """The appspec's `files` as copy sources: a directory's contents, or one file into a directory."""
    out = []
    for mapping in appspec.get("files") or []:
        source, dest = mapping["source"].strip("/"), mapping["destination"].rstrip("/") + "/"
        out.append({"src": source + "/" if (revision / source).is_dir() else source, "dest": dest})
    return out


def close_connections(control_dir: Path) -> None:
    """Stop the SSH master connections (ControlPersist) a run left behind, by their sockets."""
    for socket in sorted(control_dir.glob("*")) if control_dir.is_dir() else []:
        subprocess.run(["ssh", "-o", f"ControlPath={socket}", "-O", "exit", "vbench-control"],
                       capture_output=True, timeout=30)


class AnsibleRollout:
    def __init__(self, hosts, key_path: Path, known_hosts: Path, work: Path, *,
                 application: str = "bench", group_name: str = "bench", group_id: str = "g-bench",
                 health_path: str = "/health", health_port: int = 8080):
        self.hosts, self.key_path, self.known_hosts = list(hosts), key_path, known_hosts
        self.work = Path(work)
        self.group = {"application": application, "group_name": group_name, "group_id": group_id}
        self.health = {"health_url_path": health_path, "health_port": health_port}

    def deploy(self, bundle: Path, revision: Path, deployment_id: str) -> float:
        """Run the play over the hosts; returns its wall time. Raises AnsibleFailed."""
        run_dir = self.work / f"ansible-{deployment_id}"
        run_dir.mkdir(parents=True)
        (run_dir / "inventory.ini").write_text(inventory(self.hosts, self.key_path, self.known_hosts))
        appspec = yaml.safe_load((revision / "appspec.yml").read_text())
        extra = {**self.group, **self.health, "deployment_id": deployment_id, "bundle": str(bundle),
                 "appspec": appspec, "files": files_to_install(revision, appspec)}
        (run_dir / "vars.json").write_text(json.dumps(extra))
        argv = [ansible_playbook(), "-i", str(run_dir / "inventory.ini"), "-e", f"@{run_dir / 'vars.json'}",
                str(PLAYBOOK)]
        started = time.monotonic()
        try:
            done = subprocess.run(argv, env=self._env(run_dir), capture_output=True, text=True, timeout=TIMEOUT)
        finally:
            seconds = time.monotonic() - started
            close_connections(run_dir / "cp")
        (run_dir / "output.log").write_text(done.stdout + done.stderr)
        if done.returncode != 0:
            tail = "\n".join((done.stdout + done.stderr).splitlines()[-25:])
            raise AnsibleFailed(f"ansible-playbook exited with {done.returncode}:\n{tail}")
        return seconds

    def startup_seconds(self) -> float:
        """Wall time of ansible-playbook running an empty play on localhost: its fixed cost."""
        run_dir = self.work / f"ansible-startup-{uuid.uuid4().hex[:8]}"
        run_dir.mkdir(parents=True)
        play = run_dir / "empty.yml"
        play.write_text("- hosts: localhost\n  gather_facts: false\n  tasks: []\n")
        started = time.monotonic()
        subprocess.run([ansible_playbook(), "-i", "localhost,", "-c", "local", str(play)],
                       env=self._env(run_dir), capture_output=True, check=True, timeout=120)
        return time.monotonic() - started

    def _env(self, run_dir: Path) -> dict:
        return {**os.environ, "ANSIBLE_CONFIG": str(PLAYBOOK_DIR / "ansible.cfg"),
                "ANSIBLE_SSH_CONTROL_PATH_DIR": str(run_dir / "cp"),  # socket paths: keep `work` short
                "ANSIBLE_LOCAL_TEMP": str(run_dir / "tmp"),
                "ANSIBLE_HOME": str(run_dir / "home")}
