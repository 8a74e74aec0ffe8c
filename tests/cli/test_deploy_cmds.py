"""`vend deploy`, `vend releases`, `vend rollback` with a static host list of real local SSH hosts."""
from __future__ import annotations

import re
import urllib.request
import uuid

import boto3
from moto import mock_aws
from click.testing import CliRunner

from vendor.cli.main import cli
from tests.deploy.revisions import python_revision


def _version(host) -> str:
    with urllib.request.urlopen(f"http://{host.address}:8080/", timeout=5) as r:
        return r.read().decode().rsplit(" ", 1)[-1].strip()


def test_deploy_releases_rollback(setup, tmp_path):
    config, hosts_file, hosts = setup
    runner = CliRunner()
    for version in ("1", "2"):
        revision = python_revision(tmp_path / f"v{version}", version=version)
        result = runner.invoke(cli, ["deploy", str(config), str(revision), "--hosts", str(hosts_file)])
        assert result.exit_code == 0, result.output
        assert "host1: Succeeded\nhost2: Succeeded\n" in result.output
    assert [_version(h) for h in hosts] == ["2", "2"]

    listed = runner.invoke(cli, ["releases", str(config)])
    assert listed.exit_code == 0
    assert [line.split()[3] for line in listed.output.splitlines()] == ["Succeeded", "Succeeded"]

    back = runner.invoke(cli, ["rollback", str(config), "--hosts", str(hosts_file)])
    assert back.exit_code == 0, back.output
    assert [_version(h) for h in hosts] == ["1", "1"]


def test_deploy_stores_the_bundle_in_the_artifact_bucket(setup, tmp_path, monkeypatch):
    config, hosts_file, _ = setup
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    with mock_aws():
        s3 = boto3.client("s3", region_name="eu-west-1")
        s3.create_bucket(Bucket="vend-shop-staging-artifacts", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
        result = CliRunner().invoke(cli, ["deploy", str(config), str(python_revision(tmp_path / "v")), "--hosts",
                                          str(hosts_file), "--bucket", "vend-shop-staging-artifacts"])
        assert result.exit_code == 0, result.output
        keys = [o["Key"] for o in s3.list_objects_v2(Bucket="vend-shop-staging-artifacts")["Contents"]]
    assert len(keys) == 1 and keys[0].startswith("revisions/") and keys[0].endswith(".tar.gz")
    assert f"bundle stored as s3://vend-shop-staging-artifacts/{keys[0]}" in result.output


def test_bad_host_list_is_reported_with_its_place(setup, tmp_path):
    config, _, _ = setup
    bad = tmp_path / "bad-hosts.yaml"
    bad.write_text("hosts:\n  - name: web1\n    adress: 10.0.0.1\n")
    result = CliRunner().invoke(cli, ["deploy", str(config), str(python_revision(tmp_path / "v")), "--hosts", str(bad)])
    assert result.exit_code == 2
    assert result.output.splitlines() == [
        f"{bad}:3 hosts/0/adress: unknown key 'adress' (allowed keys: address, key_file, name, port, user)",
        f"{bad}:2 hosts/0/address: required text is missing (add address:)",
        f"{bad}:2 hosts/0/key_file: no SSH key (add key_file: here or deploy/ssh/key_file in the config)",
    ]


def test_releases_say_only_what_is_known_no_placeholders(tmp_path, monkeypatch):
    """A failed deployment that rolled nothing back, or was not recorded with a user, is listed
    without "rolled back to -" or "by -" (issue 21)."""
    from tests.deploy.revisions import MINIMAL
    monkeypatch.setenv("VEND_STATE_DIR", str(tmp_path / "state"))
    config = tmp_path / "shop-staging.yaml"
    config.write_text(MINIMAL.read_text())
    history = tmp_path / "state" / "deployments" / "vend-shop-staging" / "releases.jsonl"
    history.parent.mkdir(parents=True)
    record = '{"at": "2026-01-0%dT00:00:00Z", "deployment_id": "d-%d", "revision": "%s", "status": "%s", %s}\n'
    history.write_text(
        record % (1, 1, "a" * 64, "Failed", '"failed_host": "web1", "rolled_back_to": null, "who": "ann"')
        + record % (2, 2, "b" * 64, "Failed", '"failed_host": "web2", "rolled_back_to": "' + "c" * 64 + '", "who": null')
        + record % (3, 3, "d" * 64, "Succeeded", '"failed_host": null, "rolled_back_to": null'))
    listed = CliRunner().invoke(cli, ["releases", str(config)])
    assert (listed.exit_code, listed.stdout) == (0, (
        f"2026-01-03T00:00:00Z  d-3  {'d' * 12}  Succeeded\n"
        f"2026-01-02T00:00:00Z  d-2  {'b' * 12}  Failed (failed on web2; rolled back to {'c' * 12})\n"
        f"2026-01-01T00:00:00Z  d-1  {'a' * 12}  Failed (failed on web1; not rolled back)  by ann\n"))


def test_releases_and_rollback_read_past_a_damaged_history(tmp_path, monkeypatch):
    """`vend releases` and `vend rollback` skip an unreadable line of releases.jsonl and name it (no traceback)."""
    from tests.deploy.revisions import MINIMAL
    monkeypatch.setenv("VEND_STATE_DIR", str(tmp_path / "state"))
    config = tmp_path / "shop-staging.yaml"
    config.write_text(MINIMAL.read_text())
    history = tmp_path / "state" / "deployments" / "vend-shop-staging" / "releases.jsonl"
    history.parent.mkdir(parents=True)
    history.write_text('{"at": "2026-01-01T00:00:00Z", "deployment_id": "d-1", "revision": "' + "a" * 64 + '", '
                       '"status": "Succeeded", "who": "ann"}\n'
                       '{"at": "2026-01-02T00:00:00Z", "deployment_id": "d-2", "revis\n'
                       '{"revision": "' + "b" * 64 + '", "status": "Failed"}\n')
    warning = (f"warning: {history}:2: not a readable release record (not JSON: a truncated write?); skipped\n")
    listed = CliRunner().invoke(cli, ["releases", str(config)])
    assert (listed.exit_code, listed.stdout, listed.stderr) == (0, (
        f"-  -  {'b' * 12}  Failed\n"
        f"2026-01-01T00:00:00Z  d-1  {'a' * 12}  Succeeded  by ann\n"), warning)
    back = CliRunner().invoke(cli, ["rollback", str(config), "--hosts", str(tmp_path / "none.yaml")])
    assert (back.exit_code, back.stderr) == (1, warning + "Error: no earlier good revision to roll back to "
                                                          "(see vend releases)\n")


BUNDLE_HOOK = "env | grep '^BUNDLE_' | sort > /tmp/bundle-env"  # what the revision's hooks were given


def _bundle_env(host) -> dict[str, str]:
    from vendor.ssh import connect, run
    with connect(host) as conn:
        text = run(conn, ["cat", "/tmp/bundle-env"], timeout=10).stdout
    return dict(line.split("=", 1) for line in text.splitlines())


def _stored(s3, bucket: str, output: str) -> dict[str, str]:
    """The BUNDLE_* the agent sets for the object `vend deploy` said it stored (S3's own answer)."""
    key = re.search(rf"^bundle stored as s3://{bucket}/(\S+)$", output, re.M).group(1)
    head = s3.head_object(Bucket=bucket, Key=key)
    return {"BUNDLE_BUCKET": bucket, "BUNDLE_KEY": key, "BUNDLE_VERSION": head["VersionId"],
            "BUNDLE_ETAG": head["ETag"].strip('"')}


def test_hooks_see_where_the_revision_is_stored_also_after_rollbacks(setup, tmp_path, moto_url, monkeypatch):
    """Hooks get BUNDLE_BUCKET/KEY/VERSION/ETAG of the stored revision, as the CodeDeploy agent sets
    them for an S3 revision; a rollback's hooks get the earlier revision's; a deploy from a
    directory that is stored nowhere gets none (the agent's local revisions)."""
    config, hosts_file, hosts = setup
    for name, value in {"AWS_ENDPOINT_URL": moto_url, "AWS_ACCESS_KEY_ID": "testing",
                        "AWS_SECRET_ACCESS_KEY": "testing"}.items():
        monkeypatch.setenv(name, value)
    bucket = f"artifacts-{uuid.uuid4().hex[:12]}"
    s3 = boto3.client("s3", region_name="eu-west-1", endpoint_url=moto_url)
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    runner, stored = CliRunner(), {}

    def deploy(version: str, *extra: str, **kwargs):
        revision = python_revision(tmp_path / f"v{version}", version=version,
                                   extra_hook=("AfterInstall", BUNDLE_HOOK, 30), **kwargs)
        return runner.invoke(cli, ["deploy", str(config), str(revision), "--hosts", str(hosts_file), *extra])

    for version in ("1", "2"):
        result = deploy(version, "--bucket", bucket)
        assert result.exit_code == 0, result.output
        stored[version] = _stored(s3, bucket, result.output)
        assert [_bundle_env(h) for h in hosts] == [stored[version]] * 2
    assert stored["1"]["BUNDLE_KEY"] != stored["2"]["BUNDLE_KEY"]

    back = runner.invoke(cli, ["rollback", str(config), "--hosts", str(hosts_file)])
    assert back.exit_code == 0, back.output
    assert [_bundle_env(h) for h in hosts] == [stored["1"]] * 2

    failed = deploy("3", "--bucket", bucket, validate_exit=1)  # fails on the first host: rolled back there
    assert failed.exit_code == 1 and f"rolled back to {stored['1']['BUNDLE_KEY'][10:22]}" in failed.output
    assert [_bundle_env(h) for h in hosts] == [stored["1"]] * 2

    plain = deploy("4")
    assert plain.exit_code == 0, plain.output
    assert [_bundle_env(h) for h in hosts] == [{}, {}]


def test_a_sandbox_deploy_stores_the_revision_in_the_artifact_bucket_and_hooks_see_it(setup, tmp_path, moto_url,
                                                                                      monkeypatch):
    """`vend deploy` to the sandbox's fleet (no --hosts): as on AWS, the revision goes to the
    environment's artifact bucket first, and the hooks get that object's BUNDLE_* variables."""
    from vendor.config.loader import load_config
    from vendor.config.names import base
    from vendor.plan.naming import artifact_bucket
    from vendor.sandbox import environments
    config, _, hosts = setup
    customer = f"s{uuid.uuid4().hex[:10]}"  # the moto server is shared: names of this test's own
    config.write_text(config.read_text().replace("customer: shop", f"customer: {customer}")
                      .replace('database:\n  engine: postgres\n  version: "16"\n', ""))
    for name, value in {"AWS_ENDPOINT_URL": moto_url, "AWS_ACCESS_KEY_ID": "testing",
                        "AWS_SECRET_ACCESS_KEY": "testing"}.items():
        monkeypatch.setenv(name, value)
    c = load_config(config).config
    ec2, autoscaling, s3 = (boto3.client(s, region_name="eu-west-1", endpoint_url=moto_url)
                            for s in ("ec2", "autoscaling", "s3"))
    vpc = ec2.create_vpc(CidrBlock="10.50.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.50.1.0/24", AvailabilityZone="eu-west-1a")["Subnet"]["SubnetId"]
    ec2.create_launch_template(LaunchTemplateName=base(c), LaunchTemplateData={"ImageId": "ami-12c6146b",
                                                                               "InstanceType": "t3.small"})
    autoscaling.create_auto_scaling_group(AutoScalingGroupName=base(c), MinSize=2, MaxSize=2, DesiredCapacity=2,
                                          LaunchTemplate={"LaunchTemplateName": base(c)}, VPCZoneIdentifier=subnet)
    instances = sorted(i["InstanceId"] for i in autoscaling.describe_auto_scaling_groups(
        AutoScalingGroupNames=[base(c)])["AutoScalingGroups"][0]["Instances"])
    # the sandbox's record: which local host stands in for which instance (what `vend up` saves)
    environments.save(tmp_path / "state", environments.Environment(c.slug, c.region, 0, "", {
        i: {"address": h.address, "port": h.port, "user": h.user, "key_path": str(h.key_path),
            "known_hosts": str(h.known_hosts)} for i, h in zip(instances, hosts)}))
    bucket = artifact_bucket(c, "123456789012")  # moto's account
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})

    revision = python_revision(tmp_path / "v1", extra_hook=("AfterInstall", BUNDLE_HOOK, 30))
    result = CliRunner().invoke(cli, ["deploy", str(config), str(revision)])
    assert result.exit_code == 0, result.output
    assert [_bundle_env(h) for h in hosts] == [_stored(s3, bucket, result.output)] * 2
