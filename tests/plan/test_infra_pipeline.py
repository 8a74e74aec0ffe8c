"""The infrastructure pipeline's resources (vend release on AWS): its stages, the approval's
CustomData as the approvals service reads it, the buildspecs as vend's own buildspec loader reads
them, and its roles' policies linted by parliament."""
from __future__ import annotations

import fnmatch
import json
from pathlib import Path

import pytest

from tests.plan.test_policies import _lint
from vendor.approvals import lambda_handler, sns
from vendor.config.loader import load_config
from vendor.pipeline.buildspec import load_buildspec
from vendor.plan import infra_pipeline
from vendor.plan.naming import Facts

CONFIGS = Path(__file__).resolve().parents[2] / "configs"
FACTS = Facts("123456789012", "eu-west-1", ("eu-west-1a", "eu-west-1b", "eu-west-1c"), "ami-0123456789abcdef0")
KEY = "vend/vend-0123456789abcdef.zip"


def resources(name: str) -> dict:
    config = load_config(CONFIGS / name).config
    return {r.key: r for r in infra_pipeline.resources(config, FACTS, f"configs/{name}", KEY)}


def stages(name: str) -> list[dict]:
    return resources(name)["pipeline vend-acme-production-infra" if "production" in name
                           else "pipeline vend-acme-staging-infra"].props["stages"]


def test_production_plans_then_asks_with_the_plan_then_applies_the_plan_artifact():
    found = stages("acme-production.yaml")
    assert [(s["name"], [(a["provider"], a["inputs"], a["outputs"]) for a in s["actions"]]) for s in found] == [
        ("Source", [("S3", [], ["source"])]), ("Plan", [("CodeBuild", ["source"], ["plan"])]),
        ("Approve", [("Manual", [], [])]), ("Apply", [("CodeBuild", ["source", "plan"], [])])]
    source, plan, approve, apply = (s["actions"][0] for s in found)
    assert source["configuration"] == {"S3Bucket": "vend-acme-production-123456789012-infra",
                                       "S3ObjectKey": "source/vend-acme-production-infra.zip",
                                       "PollForSourceChanges": "false"}
    assert plan["namespace"] == "Plan"
    assert apply["configuration"] == {"ProjectName": "vend-acme-production-infra-apply", "PrimarySource": "source"}
    assert approve["timeout_minutes"] == 24 * 60
    assert approve["configuration"]["NotificationArn"] == \
        "arn:aws:sns:eu-west-1:123456789012:vend-acme-production-infra-approvals"
    assert approve["configuration"]["ExternalEntityLink"] == (
        "https://eu-west-1.console.aws.amazon.com/s3/object/vend-acme-production-123456789012-infra"
        "?region=eu-west-1&prefix=plans/#{Plan.PLAN_ID}.txt")


def test_the_approval_custom_data_is_what_the_approvals_service_reads():
    approve = stages("acme-production.yaml")[2]["actions"][0]["configuration"]["CustomData"]
    assert len(approve) <= infra_pipeline.CUSTOM_DATA_MAX
    notification = {"region": "eu-west-1", "approval": {
        "pipelineName": "vend-acme-production-infra", "stageName": "Approve", "actionName": "Approve",
        "token": "t-1", "expires": "2026-01-02T03:04Z", "customData": approve}}
    custom = sns.parse(json.dumps(notification)).custom
    assert (custom["customer"], custom["environment"]) == ("acme", "production")
    assert custom["approvers"] == ["release-manager@acme.example", "cto@acme.example"]
    summary = lambda_handler._summary(custom["summary"])
    assert summary.revision == "infrastructure plan #{Plan.PLAN_ID}"
    assert (summary.commit, summary.ami, summary.changes) == ("#{Plan.COMMIT}", "#{Plan.AMI}", ("#{Plan.PLAN_SUMMARY}",))


def test_the_custom_data_drops_the_summary_rather_than_pass_codepipelines_limit():
    config = load_config(CONFIGS / "acme-production.yaml").config
    many = config.model_copy(update={"pipeline": config.pipeline.model_copy(
        update={"approvers": [f"approver-{i}@acme.example" for i in range(12)]})})
    text = infra_pipeline.custom_data(many, infra_pipeline.infra_names(many, FACTS))
    assert len(text) <= infra_pipeline.CUSTOM_DATA_MAX and "summary" not in json.loads(text)


def test_staging_applies_without_asking():
    found = resources("acme-staging.yaml")
    assert [s["name"] for s in stages("acme-staging.yaml")] == ["Source", "Plan", "Apply"]
    assert not found["sns topic vend-acme-staging-infra-approvals"].present


@pytest.mark.parametrize("stage", ["plan", "apply"])
def test_the_buildspecs_load_in_vends_own_buildspec_loader(stage, tmp_path):
    project = resources("acme-production.yaml")[f"codebuild project vend-acme-production-infra-{stage}"]
    assert project.props["role"] == f"arn:aws:iam::123456789012:role/vend-infra/vend-acme-production-infra-{stage}"
    path = tmp_path / "buildspec.yml"
    path.write_text(project.props["buildspec"])
    spec = load_buildspec(path)
    assert spec.warnings == () and spec.not_applied == ()
    commands = [c for p in spec.phases for c in p.commands]
    assert "pip install --quiet -e /opt/vend" in commands
    assert commands[0] == ("aws s3 cp s3://vend-acme-production-123456789012-infra/vend/vend-0123456789abcdef.zip "
                           "/tmp/vend.zip --only-show-errors")
    if stage == "plan":
        assert spec.exported == ("PLAN_ID", "PLAN_SUMMARY", "AMI", "COMMIT")
        assert (spec.base_directory, spec.artifact_files) == (".vend-plan", ("**/*",))
        assert "vend release-stage plan configs/acme-production.yaml --out .vend-plan" in commands
    else:
        assert commands[-1] == ('vend release-stage apply configs/acme-production.yaml '
                                '--plan "$CODEBUILD_SRC_DIR_plan/plan.json"')


@pytest.mark.parametrize("name", ["acme-production.yaml", "acme-staging.yaml", "globex-development.yaml"])
def test_parliament_finds_nothing_above_low_in_the_pipelines_roles(name):
    roles = {r.name: r.props for r in resources(name).values() if r.kind == "iam role"}
    assert len(roles) == 3
    for role, props in roles.items():
        assert _lint(props["policy"]) == [], role


def test_apply_may_change_the_environment_but_never_the_pipeline_that_runs_it():
    """Every resource the Apply role may change, matched (IAM's * wildcard) against the
    pipeline's own ARNs: none of them; the environment's pipeline and roles are in reach."""
    found = resources("acme-production.yaml")
    statements = found["iam role vend-acme-production-infra-apply"].props["policy"]["Statement"]
    reach = [r for s in statements if s["Sid"] != "OwnLogs"  # its own build log
             and not all(a.split(":")[1].startswith(("Describe", "Get", "List")) for a in s["Action"])
             for r in s["Resource"] if r != "*"]
    own = [found[k].props["role"] for k in found if k.startswith("codebuild project")]
    own += [f"arn:aws:iam::123456789012:role/vend-infra/vend-acme-production-infra-{p}" for p in ("pipeline", "plan", "apply")]
    own += ["arn:aws:codepipeline:eu-west-1:123456789012:vend-acme-production-infra",
            "arn:aws:codebuild:eu-west-1:123456789012:project/vend-acme-production-infra-apply",
            "arn:aws:s3:::vend-acme-production-123456789012-infra",
            "arn:aws:logs:eu-west-1:123456789012:log-group:/vend/acme/production/infra",
            "arn:aws:sns:eu-west-1:123456789012:vend-acme-production-infra-approvals"]
    own += ["arn:aws:s3:::vend-acme-production-123456789012-infra/vend/vend-0123456789abcdef.zip",
            "arn:aws:s3:::vend-acme-production-123456789012-infra/source/vend-acme-production-infra.zip"]
    assert [(r, o) for r in reach for o in own if fnmatch.fnmatchcase(o, r)] == []
    environment = ["arn:aws:codepipeline:eu-west-1:123456789012:vend-acme-production",
                   "arn:aws:iam::123456789012:role/vend/vend-acme-production-instance"]
    assert all(any(fnmatch.fnmatchcase(e, r) for r in reach) for e in environment)
