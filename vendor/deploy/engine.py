"""One deployment on one host over SSH: CodeDeploy's in-place lifecycle, executed.

Layout on the host, as CodeDeploy's agent keeps it:
  DEPLOYMENT_ROOT/<group id>/<deployment id>/bundle.tar.gz
  DEPLOYMENT_ROOT/<group id>/<deployment id>/deployment-archive/     (the unpacked revision)
  DEPLOYMENT_ROOT/<group id>/<deployment id>/logs/scripts.log        (every hook's output)
  DEPLOYMENT_ROOT/deployment-instructions/<group id>_last_successful_install  (-> archive dir)
The last KEEP_REVISIONS deployment directories of a group are kept.
"""
from __future__ import annotations

import json
import posixpath
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable, Protocol

from vendor.deploy.appspec import AppSpec, parse_appspec
from vendor.deploy.env_file import EnvFile, write as write_env_file
from vendor.deploy.lifecycle import Step, hook_env, steps
from vendor.ssh import CommandTimeout, Connection, SSHError, run, upload_bytes

DEPLOYMENT_ROOT = "/opt/codedeploy-agent/deployment-root"
AGENT_PATH = "/opt/codedeploy-agent/vend-host-agent.py"
KEEP_REVISIONS = 5
AGENT_SOURCE = Path(__file__).with_name("host_agent.py")
COMMAND_MARGIN = 30  # seconds the SSH call waits beyond a hook's own timeout

Output = Callable[[str, str], None]  # (host name, line)


class Traffic(Protocol):
    def block(self, host) -> None: ...
    def allow(self, host) -> None: ...


class NoTraffic:
    """Hosts not behind a load balancer."""

    def block(self, host) -> None:
        pass

    def allow(self, host) -> None:
        pass


@dataclass(frozen=True)
class Deployment:
    deployment_id: str
    application: str
    group_name: str
    group_id: str
    revision: str  # content hash of the bundle


@dataclass
class HostOutcome:
    host: str
    ok: bool
    failed_event: str | None = None
    message: str = ""
    events: list[str] = field(default_factory=list)
    hook_seconds: float = 0.0  # time spent inside the customer's hook scripts


class DeploymentFailed(Exception):
    def __init__(self, event: str, message: str):
        super().__init__(f"{event}: {message}")
        self.event = event


class HostDeployer:
    def __init__(self, conn: Connection, deployment: Deployment, traffic: Traffic | None = None,
                 on_output: Output | None = None, env_file: EnvFile | None = None):
        self.conn, self.d = conn, deployment
        self.env_file = env_file  # written before BeforeInstall; hooks get its variables
        self.traffic = traffic or NoTraffic()
        self.on_output = on_output or (lambda host, line: None)
        self.group_root = posixpath.join(DEPLOYMENT_ROOT, deployment.group_id)
        self.dir = posixpath.join(self.group_root, deployment.deployment_id)
        self.archive = posixpath.join(self.dir, "deployment-archive")
        self.log = posixpath.join(self.dir, "logs", "scripts.log")
        self.pointer = posixpath.join(DEPLOYMENT_ROOT, "deployment-instructions",
                                      f"{deployment.group_id}_last_successful_install")
        # The agent runs as root, as CodeDeploy's does; a login user other than root gets there
        # through sudo (passwordless, as on a cloud image), and uploads go through its home.
        self.sudo = [] if conn.host.user == "root" else ["sudo", "-n", "--"]

    def deploy(self, bundle: bytes, appspec: AppSpec) -> HostOutcome:
        outcome = HostOutcome(self.conn.host.name, ok=False)
        try:
            self._prepare()
            previous = self._last_successful()
            for step in steps(first_install=previous is None, traffic_control=not isinstance(self.traffic, NoTraffic)):
                outcome.events.append(step.event)
                self._step(step, bundle, appspec if not step.previous else previous[1], previous, outcome)
            self._agent("prune", group_root=self.group_root, keep=KEEP_REVISIONS, current=self.d.deployment_id)
            self._sh(["sh", "-c", 'printf "%s\\n" "$1" > "$2.tmp" && mv "$2.tmp" "$2"', "-", self.archive, self.pointer])
            outcome.ok = True
        except DeploymentFailed as e:
            outcome.failed_event, outcome.message = e.event, str(e)
        except SSHError as e:
            event = outcome.events[-1] if outcome.events else "Connect"
            outcome.failed_event, outcome.message = event, f"{event}: {e}"
        return outcome

    # -- steps ------------------------------------------------------------------------------

    def _step(self, step: Step, bundle: bytes, spec: AppSpec, previous, outcome: HostOutcome) -> None:
        if step.event == "BeforeInstall" and self.env_file is not None:
            self._guard(step.event, lambda: write_env_file(self.conn, self.env_file))
        if step.event == "BlockTraffic":
            self._guard(step.event, lambda: self.traffic.block(self.conn.host))
        elif step.event == "AllowTraffic":
            self._guard(step.event, lambda: self.traffic.allow(self.conn.host))
        elif step.event == "DownloadBundle":
            self._put(bundle, posixpath.join(self.dir, "bundle.tar.gz"), 0o600, event=step.event)
            unpacked = self._agent("unpack", event=step.event, bundle=posixpath.join(self.dir, "bundle.tar.gz"),
                                   archive=self.archive)
            if unpacked.get("stopped"):  # a hook an interrupted deployment of the group left running
                self.on_output(self.conn.host.name, f"{step.event}: {unpacked['stopped']}")
        elif step.event == "Install":
            self._agent("install", event=step.event, archive=self.archive, group_root=self.group_root,
                        appspec=_install_spec(spec))
        else:
            archive = previous[0] if step.previous else self.archive
            for script in spec.scripts(step.event):
                started = time.monotonic()
                try:
                    outcome.hook_seconds += self._hook(step.event, archive, script)
                except DeploymentFailed:  # a hook that failed or timed out ran too: count its time
                    outcome.hook_seconds += time.monotonic() - started
                    raise

    def _guard(self, event: str, action: Callable[[], None]) -> None:
        try:
            action()
        except Exception as e:  # a traffic controller's failure fails the event, with its words
            raise DeploymentFailed(event, str(e)) from e

    def _hook(self, event: str, archive: str, script) -> float:
        env = hook_env(event, deployment_id=self.d.deployment_id, application=self.d.application,
                       group_name=self.d.group_name, group_id=self.d.group_id)
        args = {"script": posixpath.join(archive, script.location), "timeout": script.timeout,
                "runas": script.runas, "env": env, "log": self.log}
        if script.sudo:
            args["sudo"] = True
        if self.env_file is not None:
            args["env_file"] = self.env_file.path
        try:
            result = run(self.conn, [*self.sudo, "python3", AGENT_PATH, "hook", json.dumps(args)],
                         timeout=script.timeout + COMMAND_MARGIN,
                         on_output=lambda stream, line: self.on_output(self.conn.host.name, f"{event}: {line}"))
        except CommandTimeout as e:
            raise DeploymentFailed(event, f"{script.location} did not finish: {e}") from e
        if result.exit_code == 124:
            raise DeploymentFailed(event, f"{script.location} timed out after {script.timeout}s and was killed")
        if result.exit_code == 125:  # as the agent: the script ended, a process it left kept its output open
            raise DeploymentFailed(event, f"{script.location} failed to close STDOUT within {script.timeout}s: a "
                                          "background process kept its output open (see the warning above)")
        if not result.ok:  # as the agent words it, naming the runas user
            who = f" run as user {script.runas}" if script.runas else ""
            raise DeploymentFailed(event, f"{script.location}{who} exited with {result.exit_code}")
        return result.duration

    # -- host side helpers ------------------------------------------------------------------

    def _prepare(self) -> None:
        self._sh(["mkdir", "-p", posixpath.join(self.dir, "logs"), posixpath.dirname(self.pointer)])
        self._put(AGENT_SOURCE.read_bytes(), AGENT_PATH, 0o755)

    def _put(self, data: bytes, path: str, mode: int, event: str = "Prepare") -> None:
        """Write a file where only root may: directly as root, else into the login user's home
        and moved into place with sudo."""
        if not self.sudo:
            upload_bytes(self.conn, data, path, mode=mode)
            return
        staged = f".vend-upload-{self.d.deployment_id}-{posixpath.basename(path)}"  # relative: the home dir
        upload_bytes(self.conn, data, staged, mode=0o600)
        self._sh(["sh", "-c", 'install -m "$1" -o root -g root "$2" "$3"; s=$?; rm -f "$2"; exit $s', "-",
                  f"{mode:o}", staged, path], event=event)

    def _last_successful(self) -> tuple[str, AppSpec] | None:
        """(archive dir, appspec) of the group's last successful install on this host, if any."""
        result = run(self.conn, [*self.sudo, "cat", self.pointer], timeout=30)
        archive = result.stdout.strip()
        if not result.ok or not archive:
            return None
        text = run(self.conn, [*self.sudo, "sh", "-c", 'cat "$1/appspec.yml" 2>/dev/null || cat "$1/appspec.yaml"', "-",
                               archive], timeout=30)
        if not text.ok:
            return None  # pruned or damaged by hand: treated like a first install
        return archive, parse_appspec(text.stdout, f"{self.conn.host.name}:{archive}/appspec.yml", revision=None)

    def _agent(self, command: str, event: str = "Install", **args) -> dict:
        result = run(self.conn, [*self.sudo, "python3", AGENT_PATH, command, json.dumps(args)], timeout=600)
        if not result.ok:
            raise DeploymentFailed(event, result.stderr.strip().removeprefix("vend agent: ") or f"{command} failed")
        return json.loads(result.stdout.strip().splitlines()[-1])

    def _sh(self, argv: list[str], event: str = "Prepare") -> None:
        result = run(self.conn, [*self.sudo, *argv], timeout=60)
        if not result.ok:
            raise DeploymentFailed(event, f"{' '.join(argv[:2])} failed: {result.stderr.strip()}")


def _install_spec(spec: AppSpec) -> dict:
    return {
        "file_exists_behavior": spec.file_exists_behavior,
        "files": [asdict(f) for f in spec.files],
        "permissions": [{"object": p.object, "pattern": p.pattern, "except": list(p.except_), "owner": p.owner,
                         "group": p.group, "mode": p.mode, "type": list(p.type)} for p in spec.permissions],
    }
