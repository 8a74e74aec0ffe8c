"""buildspec.yml validation and the local build: phases, finally, env carry-over, CodeBuild's
failure rules, timeout, artifacts."""
from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from vendor.config.source import SourceError, parse_yaml
from vendor.pipeline.build import run_build
from vendor.pipeline.buildspec import check, load_buildspec
from vendor.paths import APPSPEC_TEMPLATES_DIR
from vendor.sandbox.build_env import missing_requirements

# builds run in their own build environment (namespaces, mounts: root)
needs_build_env = pytest.mark.skipif(bool(missing_requirements()), reason="build environment unavailable: "
                                     + "; ".join(missing_requirements()))


def spec(text: str):
    return check(parse_yaml(text, "buildspec.yml"))


def test_problems_are_reported_with_place_and_fix():
    with pytest.raises(SourceError) as e:
        spec("version: 0.3\nphases:\n  biuld:\n    commands: [make]\n  install:\n    on-failure: retry\n")
    assert [str(p) for p in e.value.problems] == [
        "buildspec.yml:1 version: version 0.3 is not a buildspec version (write version: 0.2)",
        "buildspec.yml:3 phases/biuld: unknown key 'biuld' (did you mean 'build'?)",
        ("buildspec.yml:6 phases/install/on-failure: 'retry' is not ABORT, CONTINUE or RETRY "
         "(use ABORT, CONTINUE, RETRY, RETRY-count, RETRY-regex or RETRY-count-regex)"),
        "buildspec.yml:2 phases: no phase has commands (add phases: build: commands: [...])",
    ]


def test_starter_buildspecs_are_valid():
    for stack in ("static-site", "php-apache", "python"):
        assert load_buildspec(APPSPEC_TEMPLATES_DIR / stack / "buildspec.yml").phase("build") is not None


@needs_build_env
def test_phases_share_env_and_directory_and_collect_artifacts(tmp_path):
    source = tmp_path / "source"
    (source / "app").mkdir(parents=True)
    (source / "appspec.yml").write_text("version: 0.0\n")
    s = spec("""version: 0.2
env:
  variables:
    GREETING: hello
phases:
  install:
    commands:
      - export FROM_INSTALL=yes
      - cd app
  build:
    commands:
      - echo "$GREETING $FROM_INSTALL from $(basename "$PWD")" > built.txt
artifacts:
  files:
    - appspec.yml
    - app/**/*
""")
    lines = []
    result = run_build(s, source, tmp_path / "work", on_output=lambda phase, line: lines.append((phase, line)))
    assert result.ok, result.message
    assert [p.status for p in result.phases] == ["SUCCEEDED", "SUCCEEDED"]
    assert (result.artifact_dir / "app" / "built.txt").read_text() == "hello yes from app\n"
    assert sorted(p.relative_to(result.artifact_dir).as_posix() for p in result.artifact_dir.rglob("*") if p.is_file()) == [
        "app/built.txt", "appspec.yml"]
    assert not (source / "app" / "built.txt").exists()  # the build ran in its own copy
    assert sorted(p.name for p in (tmp_path / "work").iterdir()) == ["artifact", "build.log"]  # its environment is gone


@needs_build_env
def test_failed_build_still_runs_post_build_and_finally_but_collects_nothing(tmp_path):
    (tmp_path / "source").mkdir()
    s = spec("""version: 0.2
phases:
  build:
    commands:
      - echo compiling
      - "false"
      - echo never
    finally:
      - echo cleanup
  post_build:
    commands:
      - echo notify
""")
    lines = []
    result = run_build(s, tmp_path / "source", tmp_path / "work", on_output=lambda phase, line: lines.append((phase, line)))
    assert not result.ok
    assert [(p.name, p.status) for p in result.phases] == [("build", "FAILED"), ("post_build", "SUCCEEDED")]
    assert lines == [("build", "compiling"), ("build", "cleanup"), ("post_build", "notify")]
    assert result.message == "build failed: Error while executing command: false. Reason: exit status 1"
    assert result.artifact_dir is None


@needs_build_env
def test_failed_pre_build_skips_the_rest(tmp_path):
    (tmp_path / "source").mkdir()
    s = spec("version: 0.2\nphases:\n  pre_build:\n    commands: ['exit 3']\n  build:\n    commands: [echo build]\n"
             "  post_build:\n    commands: [echo post]\n")
    result = run_build(s, tmp_path / "source", tmp_path / "work")
    assert [(p.name, p.status) for p in result.phases] == [("pre_build", "FAILED"), ("build", "SKIPPED"), ("post_build", "SKIPPED")]


@needs_build_env
def test_timeout_kills_the_build(tmp_path):
    (tmp_path / "source").mkdir()
    marker = f"vend-timeout-{os.getpid()}-{time.monotonic_ns()}"
    s = spec(f"version: 0.2\nphases:\n  build:\n    commands: [\"sh -c 'sleep 60' {marker} & sleep 60\"]\n")
    result = run_build(s, tmp_path / "source", tmp_path / "work", timeout=1)
    assert [(p.name, p.status) for p in result.phases] == [("build", "TIMED_OUT")]
    assert _alive(marker) == []


@needs_build_env
def test_background_processes_die_with_a_successful_build(tmp_path):
    """A process the build leaves behind (own session, nohup) is killed when the build ends."""
    (tmp_path / "source").mkdir()
    marker = f"vend-bg-{os.getpid()}-{time.monotonic_ns()}"
    s = spec(f"version: 0.2\nphases:\n  build:\n    commands:\n      - \"setsid nohup sh -c 'sleep 300' {marker} >/dev/null 2>&1 & echo $! > bg.pid\"\n"
             "      - sleep 0.3; kill -0 $(cat bg.pid) && echo running\n")
    lines = []
    result = run_build(s, tmp_path / "source", tmp_path / "work", on_output=lambda phase, line: lines.append(line))
    assert result.ok, result.message
    assert lines == ["running"]
    assert _alive(marker) == []


@needs_build_env
def test_the_build_runs_unprivileged_with_codebuilds_variables_only(tmp_path, monkeypatch):
    """The build's environment holds CodeBuild's variables and the buildspec's, PATH and HOME of the
    build user: nothing of vend's (AWS credentials, VEND_*)."""
    (tmp_path / "source").mkdir()
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret-of-vend")
    monkeypatch.setenv("VEND_STATE_DIR", str(tmp_path / "state"))
    s = spec("version: 0.2\nenv:\n  variables:\n    STAGE: test\nphases:\n  build:\n    commands:\n"
             "      - id -un; echo $CODEBUILD_SRC_DIR\n"
             "      - env | grep -v -e '^CODEBUILD_' -e '^AWS_REGION=' -e '^AWS_DEFAULT_REGION=' | sort\n")
    lines = []
    result = run_build(s, tmp_path / "source", tmp_path / "work", on_output=lambda phase, line: lines.append(line))
    assert result.ok, result.message
    assert lines[:2] == ["build", "/codebuild/output/src"]
    names = [line.split("=", 1)[0] for line in lines[2:]]
    assert [n for n in names if n not in ("OLDPWD", "PWD", "SHLVL", "_")] == ["HOME", "LANG", "PATH", "STAGE"]
    assert [line for line in lines if line.startswith(("HOME=", "PATH="))] == [
        "HOME=/home/build", "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]


@needs_build_env
def test_run_as_is_applied_per_buildspec_and_phase(tmp_path):
    (tmp_path / "source").mkdir()
    s = spec("version: 0.2\nrun-as: builder\nphases:\n  install:\n    run-as: tester\n    commands: [id -un]\n"
             "  build:\n    commands: [id -un, touch made-by-builder]\n")
    lines = []
    result = run_build(s, tmp_path / "source", tmp_path / "work", on_output=lambda phase, line: lines.append((phase, line)))
    assert result.ok, result.message
    assert lines == [("install", "tester"), ("build", "builder")]


def test_run_as_root_or_a_bad_name_is_refused():
    with pytest.raises(SourceError) as e:
        spec("version: 0.2\nrun-as: root\nphases:\n  build:\n    run-as: Bad User\n    commands: [make]\n")
    assert [str(p) for p in e.value.problems] == [
        "buildspec.yml:5 phases/build/run-as: 'Bad User' is not a Linux user name (use lowercase letters, digits, - and _, e.g. run-as: builder)",
        "buildspec.yml:2 run-as: builds run as an unprivileged user, not root (remove run-as, or name another user: one the image lacks is created)",
    ]


def test_artifact_paths_outside_the_source_are_refused():
    """`base-directory: ../..` (or a file pattern climbing out) is refused where the buildspec says it."""
    with pytest.raises(SourceError) as e:
        spec("version: 0.2\nphases:\n  build:\n    commands: [make]\nartifacts:\n  base-directory: ../..\n  files:\n"
             "    - '**/*'\n")
    assert [str(p) for p in e.value.problems] == [
        "buildspec.yml:6 artifacts/base-directory: '../..' is outside the source directory (name a path inside the source, e.g. base-directory: dist)"]
    with pytest.raises(SourceError) as e:
        spec("version: 0.2\nphases:\n  build:\n    commands: [make]\nartifacts:\n  base-directory: dist\n  files:\n"
             "    - '**/*'\n    - ../../etc/passwd\n    - ../appspec.yml\n")
    assert [str(p) for p in e.value.problems] == [
        "buildspec.yml:9 artifacts/files/1: '../../etc/passwd' is outside the source directory (name a path inside the source, e.g. base-directory: dist)"]


@needs_build_env
@pytest.mark.parametrize("commands, artifacts, message", [
    ("ln -s / out", "  base-directory: out\n  files: ['**/*']\n",
     "UPLOAD_ARTIFACTS failed: CLIENT_ERROR: no matching artifact paths found (base-directory 'out' matches no directory)"),
    ("ln -s /etc/passwd leak", "  files: [leak]\n",
     "UPLOAD_ARTIFACTS failed: CLIENT_ERROR: no matching artifact paths found"),
])
def test_links_the_build_makes_out_of_the_source_are_refused(tmp_path, commands, artifacts, message):
    """Artifacts are copied out by vend, which never follows a link the build made out of its source
    (it matches nothing: CodeBuild's CLIENT_ERROR)."""
    (tmp_path / "source").mkdir()
    s = spec(f"version: 0.2\nphases:\n  build:\n    commands: ['{commands}']\nartifacts:\n{artifacts}")
    result = run_build(s, tmp_path / "source", tmp_path / "work")
    assert (result.ok, result.message, result.artifact_dir) == (False, message, None)


def _alive(marker: str) -> list[int]:
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            if marker.encode() in Path(f"/proc/{pid}/cmdline").read_bytes():
                found.append(int(pid))
        except OSError:
            pass
    return found


@needs_build_env
def test_a_fifo_or_socket_the_build_leaves_is_not_an_artifact(tmp_path):
    """vend copies only regular files out: a FIFO the build left (reading it would block vend
    forever) or a socket is passed over."""
    (tmp_path / "source").mkdir()
    s = spec("version: 0.2\nphases:\n  build:\n    commands:\n      - mkfifo out.pipe && echo data > out.txt\n"
             "      - python3 -c \"import socket; socket.socket(socket.AF_UNIX).bind('out.sock')\"\n"
             "artifacts:\n  files: ['out.*']\n")
    result = run_build(s, tmp_path / "source", tmp_path / "work", timeout=30)
    assert (result.ok, result.message, result.artifact_files) == (True, "", ["out.txt"])
