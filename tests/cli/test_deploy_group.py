"""The deployment group vend deploys to is CodeDeploy's: its id is what the agent gives hooks as
DEPLOYMENT_GROUP_ID and the directory the agent keeps the group's revisions in."""
from __future__ import annotations

import uuid
from pathlib import Path

import boto3

from vendor.cli.deploy import _group
from vendor.config.loader import load_config

MINIMAL = Path(__file__).parents[1] / "config" / "minimal.yaml"


def test_group_id_is_the_deployment_groups_id(moto_url, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_url)
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(key, "testing")
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    cf = load_config(MINIMAL)
    name = f"grp-{uuid.uuid4().hex[:8]}"
    monkeypatch.setattr("vendor.cli.deploy.base", lambda config: name)
    cd = boto3.client("codedeploy", region_name=cf.config.region, endpoint_url=moto_url)
    cd.create_application(applicationName=name, computePlatform="Server")
    cd.create_deployment_group(applicationName=name, deploymentGroupName=name,
                               serviceRoleArn="arn:aws:iam::123456789012:role/cd")
    group_id = cd.get_deployment_group(applicationName=name, deploymentGroupName=name)["deploymentGroupInfo"]["deploymentGroupId"]
    group = _group(cf)
    assert (group.application, group.name, group.group_id) == (name, name, group_id)


def test_a_static_host_list_needs_no_deployment_group(tmp_path):
    cf = load_config(MINIMAL)
    assert _group(cf, str(tmp_path / "hosts.yaml")).group_id == str(uuid.uuid5(uuid.NAMESPACE_URL, "vend:vend-shop-staging"))
