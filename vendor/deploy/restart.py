"""Restart the app on every host, one at a time, with a fresh env file (`vend config set --restart`).

Per host, with the scripts of its last successful revision (nothing new is installed): take it
out of the target group, write the env file, ApplicationStop, ApplicationStart, ValidateService,
put it back. The first failure stops the restart; hosts not yet reached keep running untouched.
"""
from __future__ import annotations

import posixpath
import time
import uuid
from dataclasses import dataclass, field

from vendor.deploy.engine import Deployment, DeploymentFailed, HostDeployer, HostOutcome, NoTraffic
from vendor.deploy.env_file import write as write_env_file
from vendor.ssh import SSHError, connect

EVENTS = ("ApplicationStop", "ApplicationStart", "ValidateService")


@dataclass
class RestartResult:
    restart_id: str
    ok: bool = True
    hosts: list[HostOutcome] = field(default_factory=list)
    message: str = ""
    seconds: float = 0.0


def _restart_host(deployer: HostDeployer, outcome: HostOutcome) -> None:
    deployer._prepare()
    previous = deployer._last_successful()
    if previous is None:  # nothing deployed yet: the first deployment brings the env file
        outcome.message = "no app deployed yet: env file written"
        if deployer.env_file is not None:
            deployer._guard("BeforeInstall", lambda: write_env_file(deployer.conn, deployer.env_file))
        return
    archive, spec = previous
    deployer.log = posixpath.join(posixpath.dirname(archive), "logs", "scripts.log")
    behind_balancer = not isinstance(deployer.traffic, NoTraffic)
    if behind_balancer:
        outcome.events.append("BlockTraffic")
        deployer._guard("BlockTraffic", lambda: deployer.traffic.block(deployer.conn.host))
    if deployer.env_file is not None:
        deployer._guard("BeforeInstall", lambda: write_env_file(deployer.conn, deployer.env_file))
    for event in EVENTS:
        outcome.events.append(event)
        for script in spec.scripts(event):
            outcome.hook_seconds += deployer._hook(event, archive, script)
    if behind_balancer:
        outcome.events.append("AllowTraffic")
        deployer._guard("AllowTraffic", lambda: deployer.traffic.allow(deployer.conn.host))


def restart(rollout) -> RestartResult:
    """`rollout`: a vendor.deploy.rollout.Rollout (its hosts, group, state, traffic and env file)."""
    result = RestartResult("r-" + uuid.uuid4().hex[:12].upper())
    started = time.monotonic()
    with rollout.state.lock(f"a restart ({result.restart_id})", who=rollout.who):
        for host in rollout.hosts:
            g = rollout.group
            deployment = Deployment(result.restart_id, g.application, g.name, g.group_id, "restart")
            outcome = HostOutcome(host.name, ok=False)
            rollout.state.audit("restart-host-start", deployment_id=result.restart_id, host=host.name)
            try:
                with connect(host) as conn:
                    deployer = HostDeployer(conn, deployment, rollout.traffic, rollout.on_output,
                                            env_file=rollout.env_file)
                    _restart_host(deployer, outcome)
                outcome.ok = True
            except (DeploymentFailed, SSHError) as e:
                outcome.failed(e)
            rollout.state.audit("restart-host-end", deployment_id=result.restart_id, host=host.name, ok=outcome.ok,
                                failed_event=outcome.failed_event, message=outcome.message)
            result.hosts.append(outcome)
            if not outcome.ok:
                result.ok, result.message = False, f"{host.name} failed at {outcome.message}"
                break
    result.seconds = time.monotonic() - started
    return result
