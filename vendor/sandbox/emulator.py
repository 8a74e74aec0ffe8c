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
- S3: GetBucketNotificationConfiguration reports EventBridge notifications as AWS does
  (`vendor.sandbox.moto_notifications`).
- Many environments in one emulator: scaling policies per group, linear EC2 tag lookups
  (`vendor.sandbox.moto_scale`).
- RDS: DescribeDBEngineVersions and DescribeOrderableDBInstanceOptions for postgres, mysql and
  mariadb (`vendor.sandbox.rds_catalog`).
- EC2: DescribeNatGateways honours `tag:` filters (`vendor.sandbox.moto_reads`).
- Service Quotas: GetAWSDefaultServiceQuota and the EC2/ELB quotas `vend doctor` reads
  (`vendor.sandbox.moto_quotas`).
- DynamoDB conditional writes are atomic, as on AWS (`vendor.sandbox.moto_atomic`).
- No Lambda code runs: a mapped SQS queue keeps its messages for the sandbox's feed of the
  approvals handler (`vendor.sandbox.moto_lambda`).
- CodePipeline PutApprovalResult is answered (moto has none; `vendor.sandbox.moto_codepipeline`).
- Stand-ins under the ids a config names (a VPC, subnets, a certificate; see moto_stand_ins.py).
- What AWS refuses and moto accepts is refused here too, each rule with its source
  (`vendor.sandbox.refusals`).

Started with a state dir, the emulator process also counts the calls that can change a front-door
route into `<state dir>/elbv2-changes` (`vendor.sandbox.elbv2_changes`), which the front door
watches to reload its cached routes.
"""
from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

from vendor.sandbox import daemons
from vendor.sandbox.moto_atomic import make_writes_atomic
from vendor.sandbox.moto_codepipeline import accept_approval_results
from vendor.sandbox.moto_lambda import leave_queues_to_the_sandbox
from vendor.sandbox.moto_stand_ins import allow_named_ids
from vendor.sandbox.moto_notifications import keep_eventbridge_notifications
from vendor.sandbox.moto_scale import scale_moto
from vendor.sandbox.moto_quotas import add_quotas
from vendor.sandbox.moto_reads import filter_nat_gateways_by_tag, page_every_templates_versions
from vendor.sandbox.rds_catalog import add_engine_catalog
from vendor.sandbox import refusals

RECORD = "emulator.json"
LOG = "emulator.log"
HOST = daemons.HOST


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
    allow_named_ids()
    make_writes_atomic()
    leave_queues_to_the_sandbox()
    accept_approval_results()
    keep_eventbridge_notifications()
    scale_moto()
    add_engine_catalog()
    filter_nat_gateways_by_tag()
    page_every_templates_versions()
    add_quotas()
    refusals.install()



def status(state_dir: Path) -> Emulator | None:
    """The recorded emulator if its process is alive and answers; a stale record is removed."""
    record = daemons.read(Path(state_dir) / RECORD)
    return Emulator(record["pid"], record["port"]) if record else None


def start(state_dir: Path) -> tuple[Emulator, bool]:
    """(the emulator, True if this call started it). Reuses a running one."""
    running = status(state_dir)
    if running:
        return running, False
    state, port = Path(state_dir), daemons.free_port()
    try:
        record = daemons.launch(state / RECORD, [sys.executable, "-m", "vendor.sandbox.emulator", str(port), str(state)],
                                {"port": port}, log=state / LOG, what="the AWS emulator")
    except daemons.DaemonError as e:
        raise EmulatorError(str(e)) from None
    return Emulator(record["pid"], record["port"]), True


def stop(state_dir: Path) -> Emulator | None:
    """Stop the recorded emulator (only that process); None when none was running."""
    record = daemons.terminate(Path(state_dir) / RECORD)
    return Emulator(record["pid"], record["port"]) if record else None


def serve(port: int, state_dir: Path | None = None) -> None:
    from moto.server import ThreadedMotoServer

    relax_moto()
    if state_dir is not None:  # the front door routes from a cached view, reloaded when this moves
        from vendor.sandbox import elbv2_changes
        elbv2_changes.publish(state_dir / elbv2_changes.FILE)
    daemons.hold_stop_signals()
    ThreadedMotoServer(ip_address=HOST, port=port, verbose=False).start()
    daemons.wait_for_stop()
    os._exit(0)  # all state is in memory: nothing to flush


if __name__ == "__main__":
    serve(int(sys.argv[1]), Path(sys.argv[2]) if len(sys.argv) > 2 else None)
