"""The embedded AWS: a moto server on 127.0.0.1, kept up by `vend sandbox start` and recorded in
the state dir (`emulator.json`) so later vend commands use it.

`relax_moto()` brings moto closer to AWS where vend depends on it (applied in the emulator
process and by the tests' in-process servers):
- CodeBuild: a project whose source and artifacts are CODEPIPELINE has no `location` (AWS: "don't
  specify this property"); moto insists on one.
- CodeDeploy: GetDeploymentGroup lists `autoScalingGroups` as structures `{name, hook}`; moto
  sends bare names, which botocore parses into empty structures.
- CodeDeploy: DeleteApplication (which also deletes the application's deployment groups) and
  DeleteDeploymentGroup are missing in moto; added here with AWS's semantics.
"""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from vendor.processes import alive

RECORD = "emulator.json"
LOG = "emulator.log"
HOST = "127.0.0.1"
START_TIMEOUT = 30.0
STOP_TIMEOUT = 10.0


class EmulatorError(RuntimeError):
    pass


@dataclass(frozen=True)
class Emulator:
    pid: int
    port: int

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"


def relax_moto() -> None:
    from moto.codebuild import responses as codebuild
    from moto.codedeploy import responses as codedeploy

    if getattr(codebuild, "_vend_relaxed", False):
        return
    source, artifacts = codebuild._validate_required_params_source, codebuild._validate_required_params_artifacts

    def check_source(value):
        if value.get("type") != "CODEPIPELINE":
            source(value)

    def check_artifacts(value):
        if value.get("type") != "CODEPIPELINE":
            artifacts(value)

    info = codedeploy._deployment_group_info

    def group_info(group):
        out = info(group)
        out["autoScalingGroups"] = [g if isinstance(g, dict) else {"name": g} for g in out["autoScalingGroups"]]
        return out

    def delete_application(self):
        name = self._get_param("applicationName")
        self.codedeploy_backend.applications.pop(name, None)
        self.codedeploy_backend.deployment_groups.pop(name, None)
        return codedeploy.ActionResult({})

    def delete_deployment_group(self):
        groups = self.codedeploy_backend.deployment_groups.get(self._get_param("applicationName"), {})
        groups.pop(self._get_param("deploymentGroupName"), None)
        return codedeploy.ActionResult({"hooksNotCleanedUp": []})

    codedeploy.CodeDeployResponse.delete_application = delete_application
    codedeploy.CodeDeployResponse.delete_deployment_group = delete_deployment_group
    codebuild._validate_required_params_source = check_source
    codebuild._validate_required_params_artifacts = check_artifacts
    codedeploy._deployment_group_info = group_info
    codebuild._vend_relaxed = True



def _answers(port: int) -> bool:
    try:
        with socket.create_connection((HOST, port), timeout=0.5):
            return True
    except OSError:
        return False


def status(state_dir: Path) -> Emulator | None:
    """The recorded emulator if its process is alive and answers; a stale record is removed."""
    path = Path(state_dir) / RECORD
    try:
        emulator = Emulator(**json.loads(path.read_text()))
    except (OSError, ValueError, TypeError):
        return None
    if alive(emulator.pid) and _answers(emulator.port):
        return emulator
    path.unlink(missing_ok=True)
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def start(state_dir: Path) -> tuple[Emulator, bool]:
    """(the emulator, True if this call started it). Reuses a running one."""
    running = status(state_dir)
    if running:
        return running, False
    state = Path(state_dir)
    state.mkdir(parents=True, exist_ok=True)
    port = _free_port()
    with (state / LOG).open("ab") as log:
        process = subprocess.Popen([sys.executable, "-m", "vendor.sandbox.emulator", str(port)],
                                   stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    deadline = time.monotonic() + START_TIMEOUT
    while not _answers(port):
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise EmulatorError(f"the AWS emulator did not start on {HOST}:{port}; see {state / LOG}")
        time.sleep(0.1)
    emulator = Emulator(process.pid, port)
    (state / RECORD).write_text(json.dumps(asdict(emulator)))
    return emulator, True


def stop(state_dir: Path) -> Emulator | None:
    """Stop the recorded emulator (only that process); None when none was running."""
    emulator = status(state_dir)
    if emulator is None:
        return None
    os.kill(emulator.pid, signal.SIGTERM)
    deadline = time.monotonic() + STOP_TIMEOUT
    while alive(emulator.pid) and time.monotonic() < deadline:
        _reap(emulator.pid)
        time.sleep(0.05)
    if alive(emulator.pid):
        os.kill(emulator.pid, signal.SIGKILL)
        _reap(emulator.pid)
    (Path(state_dir) / RECORD).unlink(missing_ok=True)
    return emulator


def _reap(pid: int) -> None:
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass  # not our child: its parent reaps it


def serve(port: int) -> None:
    from moto.server import ThreadedMotoServer

    relax_moto()
    server = ThreadedMotoServer(ip_address=HOST, port=port, verbose=False)
    server.start()
    signal.signal(signal.SIGTERM, lambda *_: (server.stop(), sys.exit(0)))
    while True:
        time.sleep(3600)


if __name__ == "__main__":
    serve(int(sys.argv[1]))
