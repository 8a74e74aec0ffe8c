"""A revision rolled out over a fleet in batches, with automatic rollback of the touched hosts.

Stops at the first failed host; with auto-rollback, every host touched so far gets the last
good revision again (its own deployment through the same lifecycle), so all of them serve it
and are back in the target group.
"""
from __future__ import annotations

import io
import tarfile
import time
import uuid
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

from vendor.deploy.appspec import AppSpec, parse_appspec
from vendor.deploy.bundle_extract import check_archive
from vendor.deploy.engine import Deployment, HostDeployer, HostOutcome, NoTraffic
from vendor.deploy.history import GroupState
from vendor.deploy.lifecycle import S3Location
from vendor.plan.rollout import batches
from vendor.ssh import SSHError, connect


@dataclass
class RolloutResult:
    deployment_id: str
    revision: str
    ok: bool
    hosts: list[HostOutcome] = field(default_factory=list)
    failed_host: str | None = None
    message: str = ""
    rolled_back_to: str | None = None
    rollback: list[HostOutcome] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def hook_seconds(self) -> float:
        return sum(h.hook_seconds for h in self.hosts + self.rollback)


@dataclass(frozen=True)
class Group:
    application: str
    name: str
    group_id: str


def appspec_of(bundle: bytes) -> AppSpec:
    with tarfile.open(fileobj=io.BytesIO(bundle), mode="r:gz") as tar:
        for name in ("appspec.yml", "appspec.yaml"):
            try:
                member = tar.extractfile(name)
            except KeyError:
                continue
            return parse_appspec(member.read().decode(), name, revision=None)
    raise ValueError("bundle has no appspec.yml at its root")


class Rollout:
    def __init__(self, hosts: list, group: Group, state: GroupState, *, traffic=None,
                 strategy: str = "one-at-a-time", min_healthy: int | None = None, auto_rollback: bool = True,
                 on_output=None, who: str | None = None, env_file=None):
        self.hosts, self.group, self.state = list(hosts), group, state
        self.env_file = env_file  # vendor.deploy.env_file.EnvFile, written on every host
        self.traffic = traffic or NoTraffic()
        self.strategy, self.min_healthy, self.auto_rollback = strategy, min_healthy, auto_rollback
        self.on_output, self.who = on_output, who

    def deploy(self, bundle: bytes, revision: str, location: S3Location | None = None) -> RolloutResult:
        """Roll `bundle` out. It gets the full checks of a bundle first (UnsafeBundleError: no host
        is touched): a kept or downloaded bundle was not necessarily made by this vend.
        `location`: where the revision is stored (an artifact bucket), given to the hooks as the
        agent gives an S3 revision's (BUNDLE_*) and kept in the release record, so that a rollback
        to it gives its hooks the same; None: stored nowhere (the agent's local revision)."""
        check_archive(bundle)
        deployment_id = "d-" + uuid.uuid4().hex[:12].upper()
        with self.state.lock(f"revision {revision[:12]} ({deployment_id})", who=self.who):
            self.state.keep_bundle(revision, bundle)
            last_good = self.state.last_good()
            started = time.monotonic()
            result = self._run(bundle, revision, deployment_id, location)
            if not result.ok and self.auto_rollback and last_good:
                result.rolled_back_to = last_good["revision"]
                touched = [self._host(h.host) for h in result.hosts]
                rollback_id = deployment_id + "-RB"
                old, old_location = self.state.bundle(last_good["revision"]), S3Location.from_record(last_good)
                result.rollback = [self._one(h, old, appspec_of(old), last_good["revision"], rollback_id,
                                             location=old_location) for h in touched]
            result.seconds = time.monotonic() - started
            self.state.record({"deployment_id": deployment_id, "revision": revision,
                               "location": location.record() if location else None,
                               "status": "Succeeded" if result.ok else "Failed",
                               "failed_host": result.failed_host, "message": result.message,
                               "rolled_back_to": result.rolled_back_to, "hosts": [h.host for h in result.hosts],
                               "strategy": self.strategy, "who": self.who})
            return result

    def _run(self, bundle: bytes, revision: str, deployment_id: str, location: S3Location | None) -> RolloutResult:
        """Batch after batch; while one batch deploys, the next one's hosts get the bundle
        pre-staged (copied and unpacked aside, nothing switched, no hook run). Pre-staged copies
        of hosts the rollout did not reach are removed when it stops."""
        result = RolloutResult(deployment_id, revision, ok=True)
        appspec = appspec_of(bundle)
        plan = batches(self.strategy, [h.name for h in self.hosts], self.min_healthy)
        staged: dict[str, Future] = {}
        with ThreadPoolExecutor(max_workers=max((len(b) for b in plan), default=1)) as stager:
            try:
                for n, batch in enumerate(plan):
                    hosts = [self._host(name) for name in batch]
                    for name in plan[n + 1] if n + 1 < len(plan) else []:
                        staged[name] = stager.submit(self._stage, self._host(name), bundle, appspec, revision,
                                                     deployment_id, location)
                    ahead = {h.name: staged.pop(h.name, None) for h in hosts}
                    with ThreadPoolExecutor(max_workers=len(hosts)) as pool:
                        outcomes = list(pool.map(
                            lambda h: self._one(h, bundle, appspec, revision, deployment_id, ahead[h.name], location),
                            hosts))
                    result.hosts += outcomes
                    failed = next((o for o in outcomes if not o.ok), None)
                    if failed:
                        result.ok, result.failed_host = False, failed.host
                        result.message = f"{failed.host} failed at {failed.message}"
                        break
            finally:
                for name, future in staged.items():
                    self._discard(self._host(name), future, revision, deployment_id)
        return result

    def _deployer(self, conn, revision: str, deployment_id: str, location: S3Location | None = None) -> HostDeployer:
        deployment = Deployment(deployment_id, self.group.application, self.group.name, self.group.group_id, revision,
                                location)
        return HostDeployer(conn, deployment, self.traffic, self.on_output, env_file=self.env_file)

    def _stage(self, host, bundle: bytes, appspec: AppSpec, revision: str, deployment_id: str,
               location: S3Location | None) -> HostDeployer:
        """Connect and pre-stage the bundle on `host`, and start its agent waiting for its turn;
        the connection stays open for it."""
        conn = connect(host)
        try:
            deployer = self._deployer(conn, revision, deployment_id, location)
            deployer.prepare(bundle, stage=True)
            deployer.warm(appspec)
        except BaseException:
            conn.close()
            raise
        self.state.audit("host-staged", deployment_id=deployment_id, host=host.name, revision=revision)
        return deployer

    def _discard(self, host, future: Future, revision: str, deployment_id: str) -> None:
        """Remove a pre-staged copy the rollout will not use (also one whose staging failed half-way)."""
        try:
            deployer = future.result()
        except Exception:
            deployer = None
        try:
            if deployer is None:
                deployer = self._deployer(connect(host), revision, deployment_id)
            deployer.call_off()
            self.state.audit("host-unstaged", deployment_id=deployment_id, host=host.name)
        except Exception as e:  # cleaning up must not hide why the rollout stopped: said in the audit log
            self.state.audit("host-unstage-failed", deployment_id=deployment_id, host=host.name, message=str(e))
        finally:
            if deployer is not None:
                deployer.conn.close()

    def _one(self, host, bundle: bytes, appspec: AppSpec, revision: str, deployment_id: str,
             staged: Future | None = None, location: S3Location | None = None) -> HostOutcome:
        self.state.audit("host-start", deployment_id=deployment_id, host=host.name, revision=revision)
        deployer = None
        if staged is not None:
            try:
                deployer = staged.result()
            except Exception:  # staging failed: the host's turn starts from scratch and says why
                deployer = None
        try:
            if deployer is None:
                deployer = self._deployer(connect(host), revision, deployment_id, location)
            with deployer.conn:
                outcome = deployer.deploy(bundle, appspec)
        except SSHError as e:
            outcome = HostOutcome(host.name, ok=False, failed_event="Connect", message=f"Connect: {e}")
        self.state.audit("host-end", deployment_id=deployment_id, host=host.name, ok=outcome.ok,
                         failed_event=outcome.failed_event, message=outcome.message)
        return outcome

    def _host(self, name: str):
        return next(h for h in self.hosts if h.name == name)
