"""An appspec together with its revision directory: finding it, and what must exist in it."""
from __future__ import annotations

import pytest

from tests.deploy.helpers import SIMPLE_APPSPEC, SIMPLE_FILES, write_revision
from vendor.config.source import SourceError
from vendor.deploy.appspec import (
    FileMapping, HookScript, find_appspec, load_appspec, load_revision_appspec)


def problems_of(revision) -> list[str]:
    with pytest.raises(SourceError) as caught:
        load_revision_appspec(revision)
    return [str(p) for p in caught.value.problems]


def test_good_revision(tmp_path):
    rev = write_revision(tmp_path / "rev", SIMPLE_APPSPEC, SIMPLE_FILES)
    spec = load_revision_appspec(rev)
    assert spec.file == str(rev / "appspec.yml")
    assert spec.files == (FileMapping(".", "/var/www/html"),)
    assert dict(spec.hooks) == {"ApplicationStart": (HookScript("scripts/start.sh", 60, "root"),)}


def test_appspec_yaml_is_found_too(tmp_path):
    rev = write_revision(tmp_path / "rev", "version: 0.0\nos: linux\n")
    (rev / "appspec.yml").rename(rev / "appspec.yaml")
    assert find_appspec(rev) == rev / "appspec.yaml"
    assert load_revision_appspec(rev).file == str(rev / "appspec.yaml")


def test_both_names_is_an_error(tmp_path):
    rev = write_revision(tmp_path / "rev", "version: 0.0\nos: linux\n")
    (rev / "appspec.yaml").write_text("version: 0.0\nos: linux\n")
    assert problems_of(rev) == [
        f"{rev} (revision): both appspec.yml and appspec.yaml exist (keep only one of them)"]


def test_missing_appspec(tmp_path):
    (tmp_path / "rev").mkdir()
    assert problems_of(tmp_path / "rev") == [
        f"{tmp_path / 'rev'} (revision): no appspec.yml (add appspec.yml at the root of the revision)"]


def test_appspec_in_a_subdirectory_is_pointed_at(tmp_path):
    write_revision(tmp_path / "rev" / "app", "version: 0.0\nos: linux\n")
    assert problems_of(tmp_path / "rev") == [
        f"{tmp_path / 'rev'} (revision): no appspec.yml (found app/appspec.yml: move it to the "
        "revision root)"]


def test_revision_must_be_a_directory(tmp_path):
    (tmp_path / "file").write_text("x")
    assert problems_of(tmp_path / "file") == [
        f"{tmp_path / 'file'} (revision): not a directory "
        "(give the revision directory, the one with appspec.yml at its root)"]


def test_sources_and_scripts_must_exist_in_the_revision(tmp_path):
    appspec = """\
        version: 0.0
        os: linux
        files:
          - source: /dist
            destination: /var/www/html
        hooks:
          BeforeInstall:
            - location: scripts/missing.sh
          AfterInstall:
            - location: scripts
        """
    rev = write_revision(tmp_path / "rev", appspec, {"scripts/other.sh": "#!/bin/sh\n"})
    f = rev / "appspec.yml"
    assert problems_of(rev) == [
        f"{f}:4 files/0/source: 'dist' does not exist in the revision {rev} "
        "(add it to the revision or fix the path; it is relative to the revision root)",
        f"{f}:8 hooks/BeforeInstall/0/location: 'scripts/missing.sh' is not a file in the "
        f"revision {rev} (add the script to the revision or fix the path; it is relative to the "
        "revision root)",
        f"{f}:10 hooks/AfterInstall/0/location: 'scripts' is not a file in the revision {rev} "
        "(add the script to the revision or fix the path; it is relative to the revision root)",
    ]


def test_a_location_with_a_leading_slash_is_inside_the_revision(tmp_path):
    """The CodeDeploy agent joins a hook location to the revision root (File.join(archive,
    location)), so /scripts/start.sh is the revision's scripts/start.sh; public revisions rely on it."""
    appspec = """\
        version: 0.0
        os: linux
        hooks:
          ApplicationStart:
            - location: /scripts/start.sh
          ApplicationStop:
            - location: /opt/tomcat/bin/shutdown.sh
        """
    rev = write_revision(tmp_path / "rev", appspec, {"scripts/start.sh": "#!/bin/sh\n"})
    f = rev / "appspec.yml"
    assert problems_of(rev) == [
        f"{f}:7 hooks/ApplicationStop/0/location: '/opt/tomcat/bin/shutdown.sh' is read inside the revision "
        f"(CodeDeploy joins hook locations to the revision root): 'opt/tomcat/bin/shutdown.sh' is not a file in "
        f"the revision {rev} (add the script to the revision at that path, or give the path of a script that is "
        "in it, e.g. scripts/stop.sh)"]
    (rev / "opt/tomcat/bin").mkdir(parents=True)
    (rev / "opt/tomcat/bin/shutdown.sh").write_text("#!/bin/sh\n")
    spec = load_revision_appspec(rev)
    assert spec.scripts("ApplicationStart") == (HookScript("scripts/start.sh", 3600, None),)
    assert spec.scripts("ApplicationStop") == (HookScript("opt/tomcat/bin/shutdown.sh", 3600, None),)


def test_without_a_revision_existence_is_not_checked(tmp_path):
    rev = write_revision(tmp_path / "rev", SIMPLE_APPSPEC)  # no index.html, no scripts
    with pytest.raises(SourceError):
        load_appspec(rev / "appspec.yml", revision=rev)
    spec = load_appspec(rev / "appspec.yml", revision=None)
    assert spec.scripts("ApplicationStart") == (HookScript("scripts/start.sh", 60, "root"),)


def test_mode_with_leading_zero_is_caught_when_loading_a_file(tmp_path):
    rev = write_revision(tmp_path / "rev", "version: 0.0\nos: linux\npermissions:\n"
                                           "  - object: /srv\n    mode: 0755 # rwxr-xr-x\n")
    assert problems_of(rev) == [
        f"{rev / 'appspec.yml'}:5 permissions/0/mode: 0755 has a leading 0, so YAML reads it as an "
        "octal number and CodeDeploy would get 493, not 755 "
        "(write mode: 755 or quote it: mode: '0755')"]


def test_loader_problems_pass_through(tmp_path):
    rev = tmp_path / "rev"
    rev.mkdir()
    (rev / "appspec.yml").write_bytes(b"version: 0.0\x00\n")
    assert problems_of(rev) == [f"{rev / 'appspec.yml'} (file): file is binary, not YAML (check the path)"]
