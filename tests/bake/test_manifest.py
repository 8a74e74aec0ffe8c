"""Reading the AMI from Packer's manifest: the last run's artifact_id, never the logs."""
import json

import pytest

from vendor.bake.manifest import ManifestError, last_run, only_build


def write(path, builds, last):
    path.write_text(json.dumps({"builds": builds, "last_run_uuid": last}))
    return path


def build(run, artifact="eu-west-1:ami-0123456789abcdef0", builder="amazon-ebs"):
    return {"name": "image", "builder_type": builder, "build_time": 1, "files": None,
            "artifact_id": artifact, "packer_run_uuid": run, "custom_data": {"customer": "acme"}}


def test_the_ami_of_the_last_run_is_read_from_artifact_id(tmp_path):
    manifest = write(tmp_path / "manifest.json",
                     [build("old", "eu-west-1:ami-0aaaaaaaaaaaaaaaa"), build("new")], "new")
    found = only_build(manifest)
    assert found.ami("eu-west-1") == "ami-0123456789abcdef0"
    assert found.custom_data == {"customer": "acme"}


def test_an_ami_copied_to_more_regions_is_found_per_region(tmp_path):
    manifest = write(tmp_path / "m.json",
                     [build("r", "eu-west-1:ami-0123456789abcdef0,us-east-1:ami-0fedcba9876543210")], "r")
    assert only_build(manifest).amis() == {"eu-west-1": "ami-0123456789abcdef0",
                                           "us-east-1": "ami-0fedcba9876543210"}
    with pytest.raises(ManifestError) as e:
        only_build(manifest).ami("ap-south-1")
    assert str(e.value) == ("the build made no AMI in ap-south-1 (artifact_id "
                            "'eu-west-1:ami-0123456789abcdef0,us-east-1:ami-0fedcba9876543210')")


def test_a_null_build_has_no_ami(tmp_path):
    manifest = write(tmp_path / "m.json", [build("r", "Null", "null")], "r")
    with pytest.raises(ManifestError) as e:
        only_build(manifest).ami("eu-west-1")
    assert str(e.value) == "artifact_id 'Null' of build 'image' is not REGION:AMI-ID"


def test_missing_or_stale_manifests_are_errors(tmp_path):
    with pytest.raises(ManifestError) as e:
        last_run(tmp_path / "manifest.json")
    assert str(e.value) == f"{tmp_path / 'manifest.json'} is missing: Packer's manifest post-processor did not run"
    stale = write(tmp_path / "m.json", [build("old")], "new")
    with pytest.raises(ManifestError) as e:
        last_run(stale)
    assert str(e.value) == f"{stale} records no build of the last run"
