"""A real bake on the embedded default: Packer's null source over SSH to a local build host runs
the customer's provisioning, the changes become the image's layer, the AMI is registered in the
emulator (moto server) with its tags, and the same input bakes once."""
import os
import shutil
import stat
from datetime import datetime, timezone
from pathlib import Path

import pytest

from tests.bake.conftest import CONFIGS, client, reset
from vendor.aws import images as ec2_images
from vendor.bake.baker import Baker
from vendor.bake.layers import LayerStore
from vendor.bake.local import LocalTarget, local_base_image
from vendor.bake.runner import Console, Packer, PackerTimeout
from vendor.bake.target import BakeError
from vendor.config.loader import load_config
from vendor.ssh import connect, run

pytestmark = pytest.mark.root
NOW = datetime(2026, 1, 31, 12, 0, 0, tzinfo=timezone.utc)
CONFIG = CONFIGS / "shop-local.yaml"


@pytest.fixture(scope="module")
def world(moto_endpoint, local_hosts_factory, tmp_path_factory):
    reset(moto_endpoint)
    hosts = local_hosts_factory(1)
    ec2 = client(moto_endpoint, "ec2")
    store = LayerStore(tmp_path_factory.mktemp("state"))
    out = tmp_path_factory.mktemp("build")

    def bake(cf=None, timeout=300.0, **kwargs):
        written = []
        baker = Baker(ec2=ec2, target=LocalTarget(ec2, hosts, store), packer=Packer(),
                      console=Console(written.append), out_dir=out, now=lambda: NOW, timeout=timeout)
        result = baker.bake(cf or load_config(CONFIG), commit="abc1234", **kwargs)
        return result, "".join(written)

    yield {"ec2": ec2, "hosts": hosts, "store": store, "bake": bake}
    for ami_dir in store.root.glob("ami-*"):
        store.unmount(ami_dir.name)


@pytest.fixture(scope="module")
def first(world):
    return world["bake"]()


def test_the_customer_provisioning_really_ran_on_the_build_host(world, first):
    result, output = first
    assert not result.reused
    assert "    null.image: shop: provisioned as root\n" in output
    assert "    null.image: vend: installed /etc/shop/motd\n" in output
    layer = world["store"].path(result.ami.id)
    assert (layer / "opt/shop/RELEASE").read_text() == "release=abc1234\n"
    assert (layer / "etc/shop/motd").read_text() == "Welcome to the shop image\n"
    assert (layer / "etc/vend-image").read_text() == "customer=shop\nenvironment=test\nsource_commit=abc1234\n"
    motd = os.lstat(layer / "etc/motd")  # deleted by the script: an overlayfs whiteout
    assert stat.S_ISCHR(motd.st_mode) and motd.st_rdev == 0
    assert not (layer / "etc/vend-sshd").exists() and not (layer / "etc/hostname").exists()


def test_the_ami_is_registered_with_its_provenance_tags(world, first):
    result, _ = first
    base = local_base_image()
    ami = ec2_images.get_image(world["ec2"], result.ami.id)
    assert ami.name == "vend-shop-test-abc1234-20260131120000"
    assert ami.description == f"vend image for shop/test at abc1234 (bake key {result.bake_key})"
    assert ami.tags == {
        "CostCenter": "42", "ManagedBy": "vend", "Customer": "shop", "Environment": "test",
        "SourceCommit": "abc1234", "ConfigHash": ami.tags["ConfigHash"], "BakeKey": result.bake_key,
        "BaseAmiId": base.id, "BaseAmiName": base.name, "PackerVersion": "1.6.6",
        "BuildTime": "2026-01-31T12:00:00Z", "Builder": "local",
    }
    assert len(ami.tags["ConfigHash"]) == 64
    assert (result.build_dir / "packer-shop-test.pkr.hcl").read_text().count('source "null" "image"') == 1


def test_a_second_bake_of_the_same_input_reuses_the_ami_without_packer(world, first):
    result, _ = first
    again, output = world["bake"]()
    assert again.reused and again.ami.id == result.ami.id
    assert "$ packer build" not in output
    assert f"reusing {result.ami.id}: same bake key as {result.ami.id} (baked 2026-01-31T12:00:00Z)" in output
    assert [a.id for a in ec2_images.list_images(world["ec2"], "shop", "test")] == [result.ami.id]


def test_a_local_host_booted_from_the_image_starts_from_what_was_baked(world, first):
    result, _ = first
    hosts = world["hosts"]
    (instance,) = hosts.start(1, names=["from-image"], lower_dir=[world["store"].mount(result.ami.id), "/"])
    try:
        with connect(instance) as conn:
            assert run(conn, ["cat", "/opt/shop/RELEASE"], timeout=10).stdout == "release=abc1234\n"
            assert run(conn, ["test", "-e", "/etc/motd"], timeout=10).exit_code == 1
    finally:
        hosts.stop("from-image")
    assert Path("/etc/motd").exists()  # the real machine is untouched


def variant(tmp_path, old, new):
    shutil.copytree(CONFIGS / "shop", tmp_path / "shop")  # a link leading out of the config's directory is refused
    (tmp_path / "shop-local.yaml").write_text(CONFIG.read_text().replace(old, new))
    return load_config(tmp_path / "shop-local.yaml")


def build_hosts_running(hosts):
    return [h.name for h in hosts.hosts if h.name.startswith("bake-") and hosts.running(h.name)]


def test_packages_missing_on_the_build_host_are_named_before_packer_runs(world, tmp_path):
    with pytest.raises(BakeError) as e:
        world["bake"](variant(tmp_path, "packages: []", "packages: [vend-no-such-package]"))
    assert str(e.value) == (
        "image/packages: vend-no-such-package not installed on this machine; the local build host starts "
        "from / and cannot download packages (install them here with `apt-get install vend-no-such-package`, "
        "or drop them from image/packages)")
    assert build_hosts_running(world["hosts"]) == []


def test_a_bake_that_times_out_registers_nothing_and_stops_its_build_host(world, tmp_path):
    (tmp_path / "slow.sh").write_text("#!/bin/sh\nsleep 60\n")
    cf = variant(tmp_path, "scripts: [shop/provision.sh]", "scripts: [slow.sh]")
    before = ec2_images.list_images(world["ec2"], "shop", "test")
    with pytest.raises(PackerTimeout) as e:
        world["bake"](cf, timeout=4)
    assert str(e.value).startswith("packer build timed out after 0:04 and was cancelled")
    assert ec2_images.list_images(world["ec2"], "shop", "test") == before
    assert build_hosts_running(world["hosts"]) == []


def test_an_ami_whose_layer_is_gone_is_baked_again(world, first):
    result, _ = first
    world["store"].remove(result.ami.id)
    again, output = world["bake"]()
    assert not again.reused and again.ami.id != result.ami.id
    assert f"baking: no usable AMI with this bake key ({result.ami.id} available without its content)" in output
    assert world["store"].has(again.ami.id)


def test_a_directory_in_image_files_is_baked_with_its_tree(world, tmp_path):
    # issue 21: a directory in image/files failed the bake with a Packer upload error
    shutil.copytree(CONFIGS / "shop", tmp_path / "shop")
    (tmp_path / "shop/site/css").mkdir(parents=True)
    (tmp_path / "shop/site/index.html").write_text("<h1>shop</h1>\n")
    (tmp_path / "shop/site/css/app.css").write_text("h1 { color: teal }\n")
    (tmp_path / "shop-local.yaml").write_text(CONFIG.read_text().replace(
        "      destination: /etc/shop/motd\n",
        "      destination: /etc/shop/motd\n    - source: shop/site\n      destination: /var/www/shop\n"))
    result, output = world["bake"](load_config(tmp_path / "shop-local.yaml"))
    layer = world["store"].path(result.ami.id)
    assert "    null.image: vend: installed /var/www/shop\n" in output
    assert (layer / "var/www/shop/index.html").read_text() == "<h1>shop</h1>\n"
    assert (layer / "var/www/shop/css/app.css").read_text() == "h1 { color: teal }\n"
    assert (layer / "etc/shop/motd").read_text() == "Welcome to the shop image\n"


def test_the_services_of_the_images_packages_start_when_a_host_boots_from_it(world, tmp_path):
    # on Ubuntu, installing apache2 enables it: an instance of the image serves at boot, before any
    # deployment (a revision that only copies pages into /var/www/html relies on that)
    result, output = world["bake"](variant(tmp_path, "  packages: []\n", "  packages: [apache2]\n"))
    assert "\nservices the image's packages enable at boot: apache-htcacheclean, apache2\n" in output
    layer = world["store"].path(result.ami.id)
    assert sorted(os.listdir(layer / "var/lib/vend-services/enabled")) == ["apache-htcacheclean", "apache2"]
    hosts = world["hosts"]
    (instance,) = hosts.start(1, names=["apache-image"], lower_dir=[world["store"].mount(result.ami.id), "/"])
    try:
        with connect(instance) as conn:
            answered = run(conn, ["curl", "-s", "--retry", "10", "--retry-connrefused", "-o", "/dev/null",
                                  "-w", "%{http_code}", "http://127.0.0.1/"], timeout=60)
            assert answered.stdout == "200"
    finally:
        hosts.stop("apache-image")
