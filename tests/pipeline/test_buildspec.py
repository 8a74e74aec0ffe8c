"""buildspec.yml loading: accept what CodeBuild runs, refuse what it refuses, and say what runs
differently locally."""
from __future__ import annotations

import pytest

from vendor.config.source import SourceError, parse_yaml
from vendor.pipeline.buildspec import check


def spec(text: str):
    return check(parse_yaml(text, "buildspec.yml"), text)


def problems(text: str) -> list[str]:
    with pytest.raises(SourceError) as e:
        spec(text)
    return [str(p) for p in e.value.problems]


def test_single_file_value_zip_type_and_unknown_keys_are_accepted_with_warnings():
    s = spec("""version: 0.2
labels:
  team: web
phases:
  build:
    commands:
      - echo hi
artifacts:
  type: zip
  files: imagedefinitions.json
""")
    assert s.artifact_files == ("imagedefinitions.json",)
    assert s.warnings == (
        "buildspec.yml:2 labels: unknown key 'labels' is ignored (CodeBuild ignores keys it does not know)",
        "buildspec.yml:9 artifacts/type: unknown key 'type' is ignored (CodeBuild ignores keys it does not know)",
    )


def test_typos_are_still_refused_with_did_you_mean():
    assert problems("version: 0.2\nphases:\n  biuld:\n    commands: [make]\n") == [
        "buildspec.yml:3 phases/biuld: unknown key 'biuld' (did you mean 'build'?)",
        "buildspec.yml:2 phases: no phase has commands (add phases: build: commands: [...])",
    ]


def test_shell_values():
    assert spec("version: 0.2\nphases:\n  build:\n    commands: [true]\n").shell == "/bin/sh"
    for value, shell in (("bash", "bash"), ("/bin/sh", "/bin/sh"), ("sh", "sh"), ("/bin/bash", "/bin/bash")):
        assert spec(f"version: 0.2\nenv:\n  shell: {value}\nphases:\n  build:\n    commands: [true]\n").shell == shell
    assert problems("version: 0.2\nenv:\n  shell: powershell.exe\nphases:\n  build:\n    commands: [true]\n") == [
        "buildspec.yml:3 env/shell: shell 'powershell.exe' is a Windows shell; vend builds on Linux images "
        "(use bash or /bin/sh)"]


def test_versions():
    assert spec("version: 0.1\nphases:\n  build:\n    commands: [true]\n").version == "0.1"
    assert problems("version: 1.0\nphases:\n  build:\n    commands: [true]\n") == [
        "buildspec.yml:1 version: version 1.0 is not a buildspec version (write version: 0.2)"]


def test_values_are_strings_as_written():
    s = spec("version: 0.2\nenv:\n  variables:\n    CI: true\n    V: 18.10\n    M: 0755\n    N: ~\n"
             "phases:\n  build:\n    commands: [true]\n")
    assert s.variables == {"CI": "true", "V": "18.10", "M": "0755", "N": ""}


def test_what_runs_differently_locally_is_listed():
    s = spec("""version: 0.2
run-as: builder
env:
  git-credential-helper: yes
  exported-variables: [IMAGE_TAG]
  parameter-store:
    DB: /shop/db
phases:
  install:
    runtime-versions:
      python: 3.12
    commands: [true]
artifacts:
  files: ['**/*']
  name: shop-$(date +%Y)
  enable-symlinks: yes
  secondary-artifacts:
    docs:
      files: ['docs/**/*']
cache:
  paths: ['/root/.cache/pip/**/*']
""")
    assert s.exported == ("IMAGE_TAG",)
    assert s.run_as == "builder"  # applied: the build environment runs the commands as builder
    assert s.not_applied == (
        "env/git-credential-helper",
        "env/parameter-store (variables not set)",
        "phases/install/runtime-versions (the image's tools are used)",
        "artifacts/name (CodePipeline names the output artifact)",
        "artifacts/enable-symlinks",
        "artifacts/secondary-artifacts (only the primary artifact is collected)",
        "cache",
    )


def test_batch_only_buildspec():
    assert problems("version: 0.2\nbatch:\n  fast-fail: false\n  build-list:\n    - identifier: a\n"
                    "      buildspec: a.yml\n") == [
        "buildspec.yml:2 batch: batch builds are not run locally (run each buildspec of the batch as its own "
        "pipeline build, or add phases to this file)"]


def test_version_0_1_spellings():
    s = spec("""version: 0.1
environment_variables:
  plaintext:
    JAVA_HOME: /usr/lib/jvm/java-8-openjdk-amd64
    DEBUG: yes
phases:
  build:
    commands:
      - mvn install
artifacts:
  type: zip
  files:
    - target/app.jar
""")
    assert s.variables == {"JAVA_HOME": "/usr/lib/jvm/java-8-openjdk-amd64", "DEBUG": "yes"}
    assert s.warnings == ()
    assert s.not_applied == ("artifacts/type (CodePipeline packs the output artifact)",)
