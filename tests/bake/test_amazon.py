"""The EC2 bake's side that runs without EC2: its template passes `packer validate` with the
provenance variables, the AMI comes from the manifest, and an AMI left by a bake that timed out
before tagging is found by its bake key and reused on retry (moto)."""
import json
import random
import shutil
import subprocess
from datetime import datetime, timezone

import boto3
import pytest
from moto import mock_aws

from tests.bake.conftest import CONFIGS
from vendor.aws import images as ec2_images
from vendor.bake.amazon import AmazonTarget, hcl_map
from vendor.bake.baker import Baker
from vendor.bake.images import CommitInfo, description
from vendor.bake.masking import Masker
from vendor.bake.runner import Console, Packer, Run
from vendor.bake.target import Finished
from vendor.config.loader import load_config
from vendor.render.outputs import write

needs_packer = pytest.mark.skipif(shutil.which("packer") is None, reason="packer is not installed")
XENIAL = "ubuntu/images/hvm-ssd/ubuntu-xenial-*"  # one of moto's stock AMIs, owner 099720109477
NOW = datetime(2026, 2, 1, 9, 30, 0, tzinfo=timezone.utc)


@pytest.fixture
def cf(tmp_path):
    text = (CONFIGS / "shop-local.yaml").read_text().replace(
        "    id: ami-0123456789abcdef0", f'    owner: "099720109477"\n    name: {XENIAL}')
    shutil.copytree(CONFIGS / "shop", tmp_path / "shop")  # a link leading out of the config's directory is refused
    (tmp_path / "shop-aws.yaml").write_text(text)
    return load_config(tmp_path / "shop-aws.yaml")


@pytest.fixture
def ec2(monkeypatch):
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        yield boto3.client("ec2", region_name="eu-west-1")


def baker(ec2, tmp_path, written=None):
    console = Console((written if written is not None else []).append)
    return Baker(ec2=ec2, target=AmazonTarget(ec2), packer=Packer(), console=console, out_dir=tmp_path / "build",
                 now=lambda: NOW)


@needs_packer
def test_the_ec2_template_tags_with_provenance_and_puts_the_key_in_the_description(ec2, cf, tmp_path):
    info = CommitInfo("2026-02-01T09:30:00Z", "Ann Example <ann@shop.example>", 'Say "hi" ${not.a.var}')
    prepared = baker(ec2, tmp_path).prepare(cf, commit="abc1234", info=info)
    template = next(f.content for f in prepared.files if f.path == "packer-shop-test.pkr.hcl")
    assert ('  ami_description = "vend image for shop/test at ${var.source_commit} (bake key ${var.bake_key})'
            '${var.commit_details}"\n') in template
    assert "  tags            = merge(local.tags, var.provenance)\n" in template
    assert "  snapshot_tags   = merge(local.tags, var.provenance)\n" in template
    write(prepared.files, tmp_path / "out")
    tags = prepared.provenance.tags(cf.config.tags)
    with AmazonTarget(ec2).session(cf.config, prepared.provenance, print) as session:
        variables = dict(session.variables)
    assert variables["commit_details"] == '; 2026-02-01T09:30:00Z by Ann Example <ann@shop.example>: Say "hi" ${not.a.var}'
    assert variables["provenance"] == hcl_map(tags)
    run = Run(tmp_path / "out", "packer-shop-test.pkr.hcl", "shop-test.pkrvars.hcl",
              [("source_commit", "abc1234"), *session.variables])
    Packer().validate(run, Masker())  # raises unless valid
    assert prepared.provenance.base_ami_name == "ubuntu/images/hvm-ssd/ubuntu-xenial-16.04-amd64-server-20170721"


def test_hcl_map_quotes_keys_and_values():
    assert hcl_map({"Customer": "shop", "Base": 'a "b"'}) == '{"Customer" = "shop", "Base" = "a \\"b\\""}'


CONSOLE_TEMPLATE = """variable "provenance" {
  type    = map(string)
  default = {}
}

source "null" "x" {
  communicator = "none"
}

build {
  sources = ["source.null.x"]
}
"""


@needs_packer
def test_tag_values_reach_packer_as_text_not_templates(tmp_path):
    """Tag values passed to Packer with `-var provenance=` stay text: `${...}` and `%{...}` in a tag are not evaluated by Packer (they were, and a function call failed the bake)."""
    tags = {"Team": 'a${"b"}c%{ if true }yes%{ endif }', "Calls": '${upper("x")}',
            "Odd": 'quote " back\\slash\nnew line $${x} %%{y} \x01'}
    rng = random.Random(13)  # and random text of the characters that matter to HCL (no NUL: argv)
    alphabet = ['$', '%', '{', '}', '"', "\\", "\n", "\r", "\t", "\x1b", "\x7f", "é", "😀", "a", " ", "~"]
    tags.update({f"Random{i}": "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 40))) for i in range(100)})
    (tmp_path / "t.pkr.hcl").write_text(CONSOLE_TEMPLATE)
    result = subprocess.run(["packer", "console", f"-var=provenance={hcl_map(tags)}", "t.pkr.hcl"],
                            input="jsonencode(var.provenance)\n", cwd=tmp_path, capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    assert json.loads(result.stdout) == tags


@needs_packer
def test_an_untagged_ami_left_by_a_timed_out_bake_is_reused_and_tagged_on_retry(ec2, cf, tmp_path):
    the_baker = baker(ec2, tmp_path, written := [])
    key = the_baker.prepare(cf, commit="abc1234").provenance.bake_key
    left = ec2.register_image(Name="vend-shop-test-old1234-20260201080000", RootDeviceName="/dev/sda1",
                              Description=description("shop", "test", "old1234", key))["ImageId"]
    result = the_baker.bake(cf, commit="abc1234")
    assert result.reused and result.ami.id == left
    assert f"reusing {left}: same bake key as {left} (left by an interrupted bake) (--force bakes anyway)\n" in written
    tags = ec2_images.get_image(ec2, left).tags
    assert (tags["BakeKey"], tags["SourceCommit"], tags["Customer"], tags["Builder"]) == (key, "old1234", "shop", "amazon-ebs")
    assert not (tmp_path / "build").exists()  # nothing rendered, nothing built


def test_the_session_reads_the_ami_from_the_manifest_and_tags_it(ec2, cf, tmp_path):
    ami_id = ec2.register_image(Name="vend-shop-test-abc1234-20260201093000", RootDeviceName="/dev/sda1")["ImageId"]
    manifest = tmp_path / "manifest.json"
    manifest.write_text(json.dumps({"last_run_uuid": "r1", "builds": [
        {"name": "image", "builder_type": "amazon-ebs", "artifact_id": f"eu-west-1:{ami_id}", "packer_run_uuid": "r1"}]}))
    with AmazonTarget(ec2).session(cf.config, baker(ec2, tmp_path).prepare(cf).provenance, print) as session:
        ami = session.finish(Finished(manifest, "unused", "unused", {"BakeKey": "k", "ManagedBy": "vend"}))
    assert ami.id == ami_id and ami.tags == {"BakeKey": "k", "ManagedBy": "vend"}
    snapshot = ec2.describe_snapshots(SnapshotIds=list(ami.snapshot_ids))["Snapshots"][0]
    assert {t["Key"]: t["Value"] for t in snapshot["Tags"]} == {"BakeKey": "k", "ManagedBy": "vend"}


@needs_packer
def test_debians_packer_is_refused_for_amazon_ebs_before_anything_is_built(ec2, cf, tmp_path):
    """Packer 1.6.6 cannot log in to Ubuntu 22.04+: refused with the fix, nothing rendered or launched."""
    from vendor.bake.target import BakeError

    with pytest.raises(BakeError) as refused:
        baker(ec2, tmp_path).bake(cf, commit="abc1234")
    assert str(refused.value).startswith(f"Packer {Packer().version()} cannot bake with the amazon-ebs builder: "
                                         "it needs Packer 1.8.1 or newer")
    assert not (tmp_path / "build").exists()
    assert ec2.describe_instances()["Reservations"] == []


MODERN_PACKER = """#!/bin/sh
# A stand-in for a modern Packer (this machine has Debian's 1.6.6 and cannot install 1.8+ offline):
# it records its arguments and, for build, writes the manifest of an AMI registered beforehand.
echo "$*" >> "{log}"
case "$1" in
  version) echo "Packer v1.11.2" ;;
  build) printf '{{"builds":[{{"name":"image","builder_type":"amazon-ebs","artifact_id":"eu-west-1:{ami}","packer_run_uuid":"r1"}}],"last_run_uuid":"r1"}}' > manifest.json ;;
esac
"""


def test_modern_packer_runs_init_before_validate_and_build(ec2, cf, tmp_path):
    ami = ec2.register_image(Name="vend-shop-test-abc1234-20260201093000", RootDeviceName="/dev/sda1")["ImageId"]
    log, binary = tmp_path / "packer.calls", tmp_path / "packer"
    binary.write_text(MODERN_PACKER.format(log=log, ami=ami))
    binary.chmod(0o755)
    b = Baker(ec2=ec2, target=AmazonTarget(ec2), packer=Packer(str(binary)), console=Console([].append),
              out_dir=tmp_path / "build", now=lambda: NOW)
    assert b.bake(cf, commit="abc1234").ami.id == ami
    calls = [line.split()[0] + (" " + line.split()[-1] if line.split()[0] != "version" else "")
             for line in log.read_text().splitlines()]
    assert calls[-3:] == ["init plugins.pkr.hcl", "validate packer-shop-test.pkr.hcl", "build packer-shop-test.pkr.hcl"]
