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
from typing import Callable, Protocol

from vendor.deploy.agent_run import AGENT_HASH, AGENT_PATH, AGENT_SOURCE, COMMAND_MARGIN, AgentRun
from vendor.deploy.appspec import AppSpec, parse_appspec
from vendor.deploy.env_file import EnvFile
from vendor.deploy.host_state import StateUnreadable, read_host_state
from vendor.deploy.lifecycle import S3Location, Step, hook_env, steps
from vendor.deploy.stretch import Plan, hook_failure, stretches
from vendor.ssh import CommandTimeout, Connection, SSHError, TransferError, run, upload_bytes

DEPLOYMENT_ROOT = "/opt/codedeploy-agent/deployment-root"
KEEP_REVISIONS = 5
STAGING_ROOT = "/opt/codedeploy-agent/vend-staged"  # <group id>/<deployment id>: bundles ahead of a host's turn

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
    location: S3Location | None = None  # where the revision is stored (hooks get BUNDLE_*); None: nowhere


@dataclass
class HostOutcome:
    host: str
    ok: bool
    failed_event: str | None = None
    message: str = ""
    events: list[str] = field(default_factory=list)
    hook_seconds: float = 0.0  # time spent inside the customer's hook scripts

    def failed(self, error: DeploymentFailed | SSHError) -> None:
        """Where and why the host failed: a failed event, or the SSH connection lost during the last one."""
        if isinstance(error, DeploymentFailed):
            self.failed_event, self.message = error.event, str(error)
        else:
            self.failed_event = self.events[-1] if self.events else "Connect"
            self.message = f"{self.failed_event}: {error}"


class DeploymentFailed(Exception):
    def __init__(self, event: str, message: str):
        super().__init__(f"{event}: {message}")
        self.event = event


class HostDeployer:
    """Deploys one revision to one host over one connection.

    `prepare` does what needs no hook and switches nothing: it reads the host's state
    (host_state.py: agent version, last successful install and its appspec), uploads the agent
    only when its hash differs, and puts the bundle on the host: next to the deployment (unpacked
    by DownloadBundle) or, with `stage=True`, unpacked in a staging place ahead of the host's turn
    (the rollout does this on the next host while the current one deploys, and `warm` starts that
    host's first agent run, waiting for its input). `deploy` then runs each stretch of the
    lifecycle between traffic changes as one agent run (stretch.py, agent_run.py); the env file
    is written by the agent at BeforeInstall, from the plan on its stdin.
    """

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
        self.staging_root = posixpath.join(STAGING_ROOT, deployment.group_id)
        self.staged = posixpath.join(self.staging_root, deployment.deployment_id)
        # The agent runs as root, as CodeDeploy's does; a login user other than root gets there
        # through sudo (passwordless, as on a cloud image), and uploads go through its home.
        self.sudo = [] if conn.host.user == "root" else ["sudo", "-n", "--"]
        self.previous: tuple[str, AppSpec] | None = None  # (archive, appspec) of the last good install
        self.probed = False
        self.bundle_placed = False
        self.is_staged = False
        self._parts: list[Step | Plan] | None = None
        self._warm: AgentRun | None = None

    def deploy(self, bundle: bytes, appspec: AppSpec) -> HostOutcome:
        outcome = HostOutcome(self.conn.host.name, ok=False)
        try:
            if not self.bundle_placed:  # not pre-staged: the agent starts while the bundle goes up
                self._prepare()
                self.warm(appspec)
                self._place(bundle)
            for part in self._parts or self._plan_parts(appspec):
                if isinstance(part, Step):
                    outcome.events.append(part.event)
                    action = self.traffic.block if part.event == "BlockTraffic" else self.traffic.allow
                    self._guard(part.event, lambda: action(self.conn.host))
                elif part.empty:  # no script and no builtin step: nothing to run on the host
                    outcome.events += [e["event"] for e in part.events if e["event"]]
                else:
                    run_ = self._warm if self._warm is not None and self._warm.plan is part else AgentRun(self, part)
                    self._finish(run_, outcome)
            outcome.ok = True
        except (DeploymentFailed, SSHError) as e:
            outcome.failed(e)
        if self._warm is not None and self._warm.held:  # failed before its run: drop what waited
            try:
                self._warm.discard(self.staged)
            except SSHError:
                pass  # the host is gone: so is what waited on it
        return outcome

    def _plan_parts(self, appspec: AppSpec) -> list[Step | Plan]:
        """The lifecycle as traffic changes and agent runs (one Plan per stretch between them)."""
        lifecycle = steps(first_install=self.previous is None, traffic_control=not isinstance(self.traffic, NoTraffic))
        cut = stretches(lifecycle)
        parts: list[Step | Plan] = [p if isinstance(p, Step) else self._plan(p, appspec, last=n == len(cut) - 1)
                                    for n, p in enumerate(cut)]
        if isinstance(cut[-1], Step):  # the lifecycle ended on a traffic change: record it after it
            parts.append(self._plan([], appspec, last=True))
        self._parts = parts
        return parts

    def warm(self, appspec: AppSpec) -> None:
        """Start the agent for the host's first run now, waiting on its input until `deploy`
        reaches it: the host's turn then starts with the agent already up."""
        first = next((p for p in self._plan_parts(appspec) if isinstance(p, Plan) and not p.empty), None)
        if first is not None:
            self._warm = AgentRun(self, first)
            self._warm.start_held()

    def call_off(self) -> None:
        """The rollout stops before this host's turn: drop the pre-staged copy (through the waiting
        agent when there is one) and stop the waiting agent."""
        if self._warm is not None and self._warm.held:
            self._warm.discard(self.staged)
        else:
            self.discard_staged()

    # -- before the host's turn -------------------------------------------------------------

    def prepare(self, bundle: bytes, *, stage: bool = False) -> None:
        """The host's state read, the agent current, the bundle on the host (see the class doc)."""
        self._prepare(stage=stage)
        if stage:
            self._put(bundle, posixpath.join(self.staged, "bundle.tar.gz"), 0o600, event="DownloadBundle")
            self._agent("unpack", event="DownloadBundle", bundle=posixpath.join(self.staged, "bundle.tar.gz"),
                        archive=posixpath.join(self.staged, "deployment-archive"))
            self.is_staged = True
        else:
            self._place(bundle)
        self.bundle_placed = True

    def _place(self, bundle: bytes) -> None:
        """The bundle next to the deployment, for DownloadBundle to unpack."""
        try:
            self._put(bundle, posixpath.join(self.dir, "bundle.tar.gz"), 0o600, event="DownloadBundle")
        except TransferError as e:
            raise DeploymentFailed("DownloadBundle", str(e)) from e
        self.bundle_placed = True

    def discard_staged(self) -> None:
        """Remove this deployment's pre-staged copy (the rollout stopped before this host's turn)."""
        self._sh(["rm", "-rf", "--", self.staged])
        self.is_staged = self.bundle_placed = False

    def _prepare(self, stage: bool = False) -> None:
        """Make the directories, drop staged copies a stopped rollout may have left, read the
        agent's hash and the last successful install (as root over the SFTP session the uploads
        use anyway, else in one exec through sudo); upload the agent if its hash differs."""
        # staging leaves the deployment's own directory alone: it appears on the host's turn
        args = {"mkdir": [posixpath.dirname(self.pointer), self.staged if stage else posixpath.join(self.dir, "logs")],
                "clear": self.staging_root, "agent": AGENT_PATH, "pointer": self.pointer}
        try:
            state = read_host_state(self.conn, self.sudo, args)
        except StateUnreadable as e:
            raise DeploymentFailed("Prepare", str(e)) from e
        if state["agent"] != AGENT_HASH:
            self._put(AGENT_SOURCE.read_bytes(), AGENT_PATH, 0o755)
        self.previous = None
        if state["pointer"] and state["appspec"] is not None:
            archive = state["pointer"]
            self.previous = archive, parse_appspec(state["appspec"], f"{self.conn.host.name}:{archive}/appspec.yml",
                                                   revision=None)
        self.probed = True

    def _last_successful(self) -> tuple[str, AppSpec] | None:
        """(archive dir, appspec) of the group's last successful install on this host, if any."""
        if not self.probed:
            self._prepare()
        return self.previous

    # -- one agent run per stretch -----------------------------------------------------------

    def _plan(self, part: list[Step], spec: AppSpec, *, last: bool) -> Plan:
        plan, previous = Plan(), self.previous
        for step in part:
            actions = plan.event(step.event)
            if step.event == "DownloadBundle":
                actions.append({"adopt": {"staged": self.staged, "directory": self.dir}} if self.is_staged else
                               {"unpack": {"bundle": posixpath.join(self.dir, "bundle.tar.gz"), "archive": self.archive}})
            elif step.event == "Install":
                actions.append({"install": {"archive": self.archive, "group_root": self.group_root,
                                            "appspec": _install_spec(spec)}})
            else:
                if step.event == "BeforeInstall" and self.env_file is not None:
                    actions.append({"env_file": {"path": self.env_file.path, "group": self.env_file.group,
                                                 "text": self.env_file.text}})
                source, archive = (previous[1], previous[0]) if step.previous else (spec, self.archive)
                for script in source.scripts(step.event):
                    plan.hook(actions, self._hook_args(step.event, archive, script), script.location, script.runas)
        if last:
            if not plan.events:  # ended on a traffic change: the record needs a run of its own
                plan.events.append({"event": "", "actions": []})
            plan.events[-1]["actions"] += [
                {"prune": {"group_root": self.group_root, "keep": KEEP_REVISIONS, "current": self.d.deployment_id}},
                {"pointer": {"path": self.pointer, "archive": self.archive}}]
        return plan

    def _finish(self, agent: AgentRun, outcome: HostOutcome) -> None:
        """Run (or release) one agent run and read its outcome into `outcome`."""
        stream = agent.stream
        try:
            result = agent.wait()
        except CommandTimeout as e:
            if stream.script is not None:  # the hook ran until vend gave up on it: count its time
                outcome.hook_seconds += time.monotonic() - stream.script_started
                raise DeploymentFailed(stream.event, f"{stream.script} did not finish: {e}") from e
            raise
        finally:
            outcome.events += [e for e in agent.events if e]
            outcome.hook_seconds += stream.hook_seconds
        event = stream.event or agent.plan.events[0]["event"] or "AllowTraffic"
        if stream.failure:
            raise DeploymentFailed(stream.failure[0] or event, stream.failure[1])
        if stream.script is not None and not result.ok:
            raise DeploymentFailed(event, f"{stream.script} exited with {result.exit_code}")
        if not result.ok or not stream.done:
            raise DeploymentFailed(event, result.stderr.strip().splitlines()[-1] if result.stderr.strip()
                                   else f"the host agent stopped with exit code {result.exit_code}")

    def _guard(self, event: str, action: Callable[[], None]) -> None:
        try:
            action()
        except Exception as e:  # a traffic controller's failure fails the event, with its words
            raise DeploymentFailed(event, str(e)) from e

    def _hook_args(self, event: str, archive: str, script) -> dict:
        env = hook_env(event, deployment_id=self.d.deployment_id, application=self.d.application,
                       group_name=self.d.group_name, group_id=self.d.group_id, location=self.d.location)
        args = {"script": posixpath.join(archive, script.location), "timeout": script.timeout,
                "runas": script.runas, "env": env, "log": self.log}
        if script.sudo:
            args["sudo"] = True
        if self.env_file is not None:
            args["env_file"] = self.env_file.path
        return args

    def _hook(self, event: str, archive: str, script) -> float:
        """One hook script as its own agent run (`vend config set --restart` uses it)."""
        args = self._hook_args(event, archive, script)
        try:
            result = run(self.conn, [*self.sudo, "python3", AGENT_PATH, "hook", json.dumps(args)],
                         timeout=script.timeout + COMMAND_MARGIN,
                         on_output=lambda stream, line: self.on_output(self.conn.host.name, f"{event}: {line}"))
        except CommandTimeout as e:
            raise DeploymentFailed(event, f"{script.location} did not finish: {e}") from e
        message = hook_failure(script.location, script.runas, script.timeout, result.exit_code)
        if message:
            raise DeploymentFailed(event, message)
        return result.duration

    # -- host side helpers ------------------------------------------------------------------

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
