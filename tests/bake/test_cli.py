"""`vend bake` and `vend images` through click, on the embedded default: the moto server as the
emulator (AWS_ENDPOINT_URL), local build hosts, the layer store in VEND_STATE_DIR."""
import random
import re
import uuid

import pytest
from click.testing import CliRunner

from tests.bake.conftest import CONFIGS, client, reset
from vendor.aws import images as ec2_images
from vendor.bake.layers import LayerStore
from vendor.cli.bake import bake, images

CONFIG = str(CONFIGS / "shop-local.yaml")  # keep: 2
AMI = re.compile(r"ami-[0-9a-f]+")
SECRET = "tok-" + uuid.uuid4().hex


@pytest.fixture
def env(moto_endpoint, monkeypatch, tmp_path):
    reset(moto_endpoint)
    values = {"AWS_ENDPOINT_URL": moto_endpoint, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
              "VEND_STATE_DIR": str(tmp_path / "state"), "VEND_BAKE_HOSTS_PREFIX": f"vtb{uuid.uuid4().hex[:5]}",
              "VEND_BAKE_HOSTS_SUBNET": f"10.213.{random.randint(130, 199)}.0/24", "VEND_TEST_TOKEN": SECRET}
    monkeypatch.delenv("VEND_BUILDER", raising=False)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    return tmp_path


def invoke(command, *args):
    result = CliRunner().invoke(command, list(args), catch_exceptions=False)
    return result.exit_code, result.output


@pytest.mark.root
def test_bake_then_rebake_then_force_bakes_and_prunes_to_keep(env, moto_endpoint):
    out = str(env / "build")
    code, output = invoke(bake, CONFIG, "--commit", "abc1234", "--out", out,
                          "--secret-var", "api_token=VEND_TEST_TOKEN")
    assert code == 0, output
    first = output.strip().splitlines()[-1]
    assert re.fullmatch(r"baked ami-[0-9a-f]+ for shop-test", first)
    assert "    null.image: shop: provisioned as root" in output
    assert SECRET not in output and SECRET not in (env / "build/shop-test/packer.log").read_text()

    code, output = invoke(bake, CONFIG, "--commit", "abc1234", "--out", out)
    assert (code, output.strip().splitlines()[-1]) == (0, first.replace("baked", "reused"))

    amis = [AMI.search(first)[0]]
    for _ in range(2):
        code, output = invoke(bake, CONFIG, "--commit", "def5678", "--out", out, "--force")
        assert code == 0, output
        amis.append(AMI.search(output.strip().splitlines()[-1])[0])
    assert f"retired {amis[0]} (vend-shop-test-abc1234-" in output
    ec2 = client(moto_endpoint, "ec2")
    assert {a.id for a in ec2_images.list_images(ec2, "shop", "test")} == set(amis[1:])
    store = LayerStore(env / "state")
    assert [store.has(a) for a in amis] == [False, True, True]

    code, output = invoke(images, CONFIG)
    assert code == 0
    lines = output.splitlines()
    assert lines[0] == "shop-test: 2 AMIs, keeping 2 (image/keep 2), retiring 0"
    assert [line.split()[0] for line in lines[1:]] == [amis[2], amis[1]]  # newest first
    assert [line.split()[2] for line in lines[1:]] == ["def5678", "def5678"]
    assert [line.split("available  ")[1] for line in lines[1:]] == ["keep (newest 1 of 2)", "keep (newest 2 of 2)"]


def launch_template(ec2) -> str:
    """The environment's launch template, on an old AMI (returned)."""
    old = ec2.register_image(Name="old", RootDeviceName="/dev/sda1")["ImageId"]
    ec2.create_launch_template(LaunchTemplateName="vend-shop-test",
                               LaunchTemplateData={"ImageId": old, "InstanceType": "t3.small"})
    return old


@pytest.mark.root
def test_bake_roll_keep_instances_points_the_launch_template_at_the_new_ami(env, moto_endpoint):
    ec2 = client(moto_endpoint, "ec2")
    old = launch_template(ec2)
    code, output = invoke(bake, CONFIG, "--out", str(env / "build"), "--roll", "--keep-instances")
    assert code == 0, output
    ami = AMI.search(output.strip().splitlines()[-1])[0]
    assert f"launch template vend-shop-test version 2 uses {ami} (was {old})" in output
    assert "instances of vend-shop-test left alone (--keep-instances)" in output
    default = ec2.describe_launch_template_versions(LaunchTemplateName="vend-shop-test", Versions=["$Default"])
    assert default["LaunchTemplateVersions"][0]["LaunchTemplateData"]["ImageId"] == ami


@pytest.mark.root
def test_bake_roll_on_the_emulator_says_to_keep_the_instances(env, moto_endpoint):
    """moto has no StartInstanceRefresh: the new version is made, the refresh cannot start."""
    launch_template(client(moto_endpoint, "ec2"))
    code, output = invoke(bake, CONFIG, "--out", str(env / "build"), "--roll")
    assert code == 1, output
    assert "this endpoint may not implement StartInstanceRefresh: roll with --keep-instances" in output


def test_a_secret_var_needs_its_environment_variable(env):
    code, output = invoke(bake, CONFIG, "--secret-var", "api_token=VEND_UNSET_TOKEN")
    assert code == 2
    assert "Invalid value for --secret-var: environment variable VEND_UNSET_TOKEN is not set" in output


def test_a_commit_must_be_usable_in_an_ami_name(env):
    code, output = invoke(bake, CONFIG, "--commit", "a b")
    assert code == 2
    assert "Invalid value for --commit: 'a b': use 1-40 letters, digits, '.', '_' or '-' (a git SHA)" in output


def test_an_unknown_builder_is_named(env, monkeypatch):
    monkeypatch.setenv("VEND_BUILDER", "docker")
    code, output = invoke(bake, CONFIG)
    assert (code, output) == (1, "Error: VEND_BUILDER='docker': use one of amazon-ebs, local\n")


def test_images_of_an_environment_without_amis(env):
    assert invoke(images, CONFIG) == (0, "shop-test: 0 AMIs, keeping 0 (image/keep 2), retiring 0\n")
