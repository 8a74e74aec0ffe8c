"""The plan artifact the infrastructure pipeline's Plan build hands to Apply: written and read
back unchanged (JSON keeps no tuples, so the changes are kept canonical), drift from it named
per setting, and a file that is not one refused with its name."""
from __future__ import annotations

import pytest

from tests.plan.test_approved import LT, ASG, TG, observed, plan
from vendor.pipeline import plan_artifact
from vendor.plan.approved import canonical, fingerprint
from vendor.plan.diff import plan_apply


def artifact(steps) -> plan_artifact.PlanArtifact:
    return plan_artifact.PlanArtifact(plan_id=fingerprint(steps), environment="acme-production", region="eu-west-1",
                                      ami="ami-new", commit="c" * 40, config="configs/acme-production.yaml",
                                      config_sha256="0" * 64, summary="0 to create, 2 to update, 0 to delete",
                                      changes=canonical(steps))


def test_written_and_read_back_it_is_the_same_plan_and_no_drift(tmp_path):
    steps = plan()
    plan_artifact.write(tmp_path, artifact(steps), "the plan\n")

    read = plan_artifact.read(tmp_path / "plan.json")

    assert read == artifact(steps)
    assert read.drift(plan()) == []
    assert (tmp_path / "plan.txt").read_text() == "the plan\n"
    assert (tmp_path / "variables.sh").read_text().splitlines() == [
        f"export PLAN_ID={fingerprint(steps)}", "export PLAN_SUMMARY='0 to create, 2 to update, 0 to delete'",
        "export AMI=ami-new", f"export COMMIT={'c' * 40}"]


def test_drift_names_each_setting_aws_changed_since_the_plan(tmp_path):
    plan_artifact.write(tmp_path, artifact(plan()), "")
    read = plan_artifact.read(tmp_path / "plan.json")

    drifted = plan_apply([LT, ASG, TG], observed(max_=3, path="/ready"))

    assert read.drift(drifted) == ["auto-scaling group web: max approved 2 -> 3, now unchanged",
                                   "target group web: not in the approved plan, now update path /ready -> /health"]


@pytest.mark.parametrize("text, error", [
    ("nope", "not a plan artifact: Expecting value: line 1 column 1 (char 0)"),
    ('{"format": 2}', "format 2 is not 1 (made by another vend version: run the release again)"),
])
def test_what_is_not_a_plan_artifact_is_refused_with_its_name(tmp_path, text, error):
    path = tmp_path / "plan.json"
    path.write_text(text)
    with pytest.raises(plan_artifact.PlanArtifactError) as e:
        plan_artifact.read(path)
    assert str(e.value) == f"{path}: {error}"
