"""Building, hashing and uploading revision bundles."""
from __future__ import annotations

import hashlib
import io
import os
import shutil
import tarfile

import boto3
import pytest
from moto import mock_aws

from tests.deploy.helpers import SIMPLE_APPSPEC, SIMPLE_FILES, write_revision
from vendor.config.source import SourceError
from vendor.deploy.bundle import build_bundle, bundle_key, extract_bundle, upload


@pytest.fixture
def revision(tmp_path):
    rev = write_revision(tmp_path / "rev", SIMPLE_APPSPEC, SIMPLE_FILES)
    (rev / "scripts" / "start.sh").chmod(0o755)
    (rev / "static" / "css").mkdir(parents=True)
    (rev / "static" / "css" / "site.css").write_text("body {}\n")
    (rev / ".git").mkdir()
    (rev / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    (rev / "static" / ".git").write_text("gitdir: ../.git/modules/static\n")
    return rev


def members(data: bytes) -> list[tarfile.TarInfo]:
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        return tar.getmembers()


def test_entries_are_sorted_parents_first_without_git(revision):
    bundle = build_bundle(revision)
    expected = ("appspec.yml", "index.html", "scripts", "scripts/start.sh", "static",
                "static/css", "static/css/site.css")
    assert bundle.names == expected
    assert tuple(m.name for m in members(bundle.data)) == expected


def test_owner_is_fixed_modes_and_times_are_kept(revision):
    """As CodeDeploy installs a revision zip's files: with their permission bits and times."""
    os.utime(revision / "index.html", (1_700_000_000, 1_700_000_000))
    (revision / "index.html").chmod(0o640)
    (revision / "static").chmod(0o750)
    (revision / "scripts" / "start.sh").chmod(0o4755)  # set-id bits are never bundled
    infos = {m.name: m for m in members(build_bundle(revision).data)}
    assert {(m.uid, m.gid, m.uname, m.gname) for m in infos.values()} == {(0, 0, "", "")}
    assert infos["index.html"].mtime == 1_700_000_000
    assert {name: m.mtime for name, m in infos.items()} == {
        name: int((revision / name).lstat().st_mtime) for name in infos}
    assert {name: oct(m.mode) for name, m in infos.items()} == {
        "appspec.yml": "0o644", "index.html": "0o640", "scripts": "0o755",
        "scripts/start.sh": "0o755", "static": "0o750", "static/css": "0o755",
        "static/css/site.css": "0o644"}


def test_same_tree_gives_the_same_bytes(revision, tmp_path):
    first = build_bundle(revision)
    copy = tmp_path / "copy"
    shutil.copytree(revision, copy)  # contents, modes and times
    (copy / ".git" / "HEAD").write_text("ref: refs/heads/other\n")  # .git is not bundled
    second = build_bundle(copy)
    assert second.data == first.data
    assert second.sha256 == first.sha256 == hashlib.sha256(first.data).hexdigest()
    os.utime(copy / "index.html", (1_700_000_000, 1_700_000_000))
    assert build_bundle(copy).sha256 != first.sha256  # a time is part of the revision, as in its zip


def test_content_changes_the_hash(revision):
    before = build_bundle(revision).sha256
    (revision / "index.html").write_text("<h1>changed</h1>\n")
    assert build_bundle(revision).sha256 != before


def test_key_is_content_addressed(revision):
    bundle = build_bundle(revision)
    assert bundle.key == bundle_key(bundle.sha256) == f"revisions/{bundle.sha256}.tar.gz"


def test_appspec_is_validated_with_the_revision_first(tmp_path):
    rev = write_revision(tmp_path / "rev", SIMPLE_APPSPEC)  # scripts/start.sh missing
    with pytest.raises(SourceError) as caught:
        build_bundle(rev)
    assert [str(p) for p in caught.value.problems] == [
        f"{rev / 'appspec.yml'}:8 hooks/ApplicationStart/0/location: 'scripts/start.sh' is not "
        f"a file in the revision {rev} (add the script to the revision or fix the path; it is "
        "relative to the revision root)"]


def test_symlinks_inside_are_kept_and_outside_refused(revision):
    """A bundle keeps symlinks that stay inside the revision and refuses one pointing outside it."""
    (revision / "current.html").symlink_to("index.html")
    (revision / "static" / "up.css").symlink_to("../static/css/site.css")
    infos = {m.name: m for m in members(build_bundle(revision).data)}
    assert (infos["current.html"].issym(), infos["current.html"].linkname) == (True, "index.html")
    (revision / "passwd").symlink_to("/etc/passwd")
    (revision / "static" / "escape").symlink_to("../../outside")
    with pytest.raises(SourceError) as caught:
        build_bundle(revision)
    assert [str(p) for p in caught.value.problems] == [
        f"{revision} passwd: symlink to '/etc/passwd' points outside the revision "
        "(copy the file into the revision or make the link relative and inside it)",
        f"{revision} static/escape: symlink to '../../outside' points outside the revision "
        "(copy the file into the revision or make the link relative and inside it)"]


def test_special_files_are_refused(revision):
    """Devices, FIFOs and sockets in a revision are refused, never bundled."""
    os.mkfifo(revision / "pipe")
    with pytest.raises(SourceError) as caught:
        build_bundle(revision)
    assert [str(p) for p in caught.value.problems] == [
        f"{revision} pipe: is not a regular file, directory or symlink (remove it from the revision)"]


def test_round_trip_through_safe_extraction(revision, tmp_path):
    (revision / "current.html").symlink_to("index.html")
    bundle = build_bundle(revision)
    dest = tmp_path / "out"
    names = extract_bundle(bundle.data, dest)
    assert names == list(bundle.names)
    assert (dest / "index.html").read_text() == SIMPLE_FILES["index.html"]
    assert os.readlink(dest / "current.html") == "index.html"
    assert os.access(dest / "scripts" / "start.sh", os.X_OK)
    assert not (dest / ".git").exists()


@mock_aws
def test_upload_stores_the_bundle_under_its_key(revision, monkeypatch):
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    s3 = boto3.client("s3", region_name="eu-west-1")
    s3.create_bucket(Bucket="acme-artifacts",
                     CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    bundle = build_bundle(revision)
    where = upload(s3, "acme-artifacts", bundle)
    key = where.key
    assert key == f"revisions/{bundle.sha256}.tar.gz"
    assert where.etag == s3.head_object(Bucket="acme-artifacts", Key=key)["ETag"].strip('"')
    assert upload(s3, "acme-artifacts", bundle).key == key  # same content, same key
    stored = s3.get_object(Bucket="acme-artifacts", Key=key)
    assert stored["Body"].read() == bundle.data
    assert (stored["ContentType"], stored["Metadata"]) == ("application/gzip", {"sha256": bundle.sha256})
    listed = s3.list_objects_v2(Bucket="acme-artifacts")["Contents"]
    assert [o["Key"] for o in listed] == [key]


def test_names_that_are_not_utf8_are_refused(revision):
    with open(os.path.join(os.fsencode(revision), b"caf\xe9.txt"), "w") as f:
        f.write("latin-1 name")
    with pytest.raises(SourceError) as caught:
        build_bundle(revision)
    assert [str(p) for p in caught.value.problems] == [
        f"{revision} caf\\xe9.txt: file name is not UTF-8 (rename it; bundles store names as UTF-8)"]


def test_symlink_chain_leaving_the_revision_is_refused(revision):
    """A symlink whose target looks inside but leaves the revision through another symlink is refused."""
    (revision / "t").symlink_to(".")  # the revision root: fine on its own
    (revision / "static" / "etc").symlink_to("../t/t/t/t/t/t/../../../../../../etc")  # root/.. x6: the host's /etc
    (revision / "chain").symlink_to("static/etc")
    with pytest.raises(SourceError) as caught:
        build_bundle(revision)
    assert [str(p) for p in caught.value.problems] == [
        f"{revision} chain: symlink to 'static/etc' leads outside the revision through the symlink 'static/etc' "
        "(copy the file into the revision or make the link relative and inside it)",
        f"{revision} static/etc: symlink to '../t/t/t/t/t/t/../../../../../../etc' leads outside the revision through "
        "the symlink 't' (copy the file into the revision or make the link relative and inside it)"]


def test_the_deploy_path_checks_a_kept_bundle_like_extraction_does(tmp_path):
    """A bundle handed to a rollout (a kept or downloaded one) gets the full checks before any host sees it."""
    from tests.deploy.test_bundle_extract import archive, entry
    from vendor.deploy.history import GroupState
    from vendor.deploy.rollout import Group, Rollout
    data = archive(entry("appspec.yml", data=b"version: 0.0\nos: linux\n"),
                   entry("t", tarfile.SYMTYPE, link="."),
                   entry("site", tarfile.SYMTYPE, link="t/t/t/t/t/t/../../../../../../etc"))
    state = GroupState(tmp_path / "state", "shop-staging")
    with pytest.raises(SourceError) as caught:
        Rollout([], Group("shop", "shop-staging", "g-1"), state).deploy(data, hashlib.sha256(data).hexdigest())
    assert [str(p) for p in caught.value.problems] == [
        "bundle site: symlink to 't/t/t/t/t/t/../../../../../../etc' leads outside the bundle through the symlink "
        "'t' (the bundle is damaged or was not made by vend; build it again with vend)"]
    assert state.releases() == [] and not (state.dir / "revisions").exists()
