"""Revision zips: appspec.yml at the root, the same tree gives the same bytes, modes kept."""
import io
import os
import shutil
import zipfile

import pytest

from tests.deploy.revisions import python_revision
from vendor.config.source import SourceError
from vendor.deploy.zip_bundle import revision_of_key, zip_revision


def test_same_tree_same_bytes_with_appspec_at_the_root(tmp_path):
    one = zip_revision(python_revision(tmp_path / "a", version="1"))
    two = zip_revision(shutil.copytree(tmp_path / "a", tmp_path / "b"))  # contents, modes and times
    assert one.data == two.data and one.key == f"revisions/{one.sha256}.zip"
    names = zipfile.ZipFile(io.BytesIO(one.data)).namelist()
    assert "appspec.yml" in names and not any(n.startswith("/") or n.startswith("a/") for n in names)
    assert revision_of_key(one.key) == one.sha256


def test_executable_scripts_stay_executable(tmp_path):
    revision = python_revision(tmp_path / "a")
    zf = zipfile.ZipFile(io.BytesIO(zip_revision(revision).data))
    modes = {i.filename: (i.external_attr >> 16) & 0o777 for i in zf.infolist()}
    scripts = [p.relative_to(revision).as_posix() for p in revision.rglob("*.sh")]
    assert scripts and all(modes[s] == 0o755 for s in scripts)
    assert modes["appspec.yml"] == 0o644


def test_modes_and_times_are_kept_for_the_agent(tmp_path):
    """The agent unzips with each entry's permission bits and time: installed files keep them."""
    revision = python_revision(tmp_path / "a")
    (revision / "appspec.yml").chmod(0o640)
    os.utime(revision / "appspec.yml", (1_700_000_000, 1_700_000_000))  # 2023-11-14T22:13:20Z
    os.utime(revision / "scripts", (0, 0))  # before 1980: the earliest a zip holds
    info = {i.filename: i for i in zipfile.ZipFile(io.BytesIO(zip_revision(revision).data)).infolist()}
    assert ((info["appspec.yml"].external_attr >> 16) & 0o777, info["appspec.yml"].date_time) == (
        0o640, (2023, 11, 14, 22, 13, 20))
    assert info["scripts/"].date_time == (1980, 1, 1, 0, 0, 0)


def test_a_revision_without_appspec_is_refused(tmp_path):
    (tmp_path / "app").mkdir()
    with pytest.raises(SourceError, match="no appspec.yml"):
        zip_revision(tmp_path / "app")
