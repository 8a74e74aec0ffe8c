"""buildspec.yml validation and the local build: phases, finally, env carry-over, CodeBuild's
failure rules, timeout, artifacts."""
from __future__ import annotations

import time
from pathlib import Path

import pytest

from vendor.config.source import SourceError, parse_yaml
from vendor.pipeline.build import run_build
from vendor.pipeline.buildspec import check, load_buildspec
from vendor.paths import APPSPEC_TEMPLATES_DIR


def spec(text: str):
    return check(parse_yaml(text, "buildspec.yml"))


def test_problems_are_reported_with_place_and_fix():
    with pytest.raises(SourceError) as e:
        spec("version: 0.3\nphases:\n  biuld:\n    commands: [make]\n  install:\n    on-failure: RETRY\n")
    assert [str(p) for p in e.value.problems] == [
        "buildspec.yml:1 version: version 0.3 is not a buildspec version (write version: 0.2)",
        "buildspec.yml:3 phases/biuld: unknown key 'biuld' (did you mean 'build'?)",
        "buildspec.yml:6 phases/install/on-failure: 'RETRY' is not ABORT or CONTINUE (use ABORT or CONTINUE)",
        "buildspec.yml:2 phases: no phase has commands (add phases: build: commands: [...])",
    ]


def test_starter_buildspecs_are_valid():
    for stack in ("static-site", "php-apache", "python"):
        assert load_buildspec(APPSPEC_TEMPLATES_DIR / stack / "buildspec.yml").phase("build") is not None


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


def test_failed_pre_build_skips_the_rest(tmp_path):
    (tmp_path / "source").mkdir()
    s = spec("version: 0.2\nphases:\n  pre_build:\n    commands: ['exit 3']\n  build:\n    commands: [echo build]\n"
             "  post_build:\n    commands: [echo post]\n")
    result = run_build(s, tmp_path / "source", tmp_path / "work")
    assert [(p.name, p.status) for p in result.phases] == [("pre_build", "FAILED"), ("build", "SKIPPED"), ("post_build", "SKIPPED")]


def test_timeout_kills_the_build(tmp_path):
    (tmp_path / "source").mkdir()
    s = spec("version: 0.2\nphases:\n  build:\n    commands: ['sleep 60 & echo $! > child.pid; sleep 60']\n")
    result = run_build(s, tmp_path / "source", tmp_path / "work", timeout=1)
    assert [(p.name, p.status) for p in result.phases] == [("build", "TIMED_OUT")]
    pid = int((tmp_path / "work" / "src" / "child.pid").read_text())
    status = Path(f"/proc/{pid}/status")
    deadline = time.monotonic() + 3  # SIGKILL is delivered asynchronously: allow the child to finish dying
    while status.exists() and "\nState:\tZ" not in status.read_text():
        assert time.monotonic() < deadline, f"build child {pid} survived the timeout"
        time.sleep(0.05)
