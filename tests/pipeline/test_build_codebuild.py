"""Probes: the local build runs a buildspec as CodeBuild does (shell state, per-command exit
status, default shell, version 0.1, values as written, built-in variables, artifact rules)."""
from __future__ import annotations

from pathlib import Path

from vendor.config.source import parse_yaml
from vendor.pipeline.build import run_build
from vendor.pipeline.buildspec import check


def spec(text: str):
    return check(parse_yaml(text, "buildspec.yml"), text)


def build(tmp_path: Path, text: str, **kwargs):
    source = tmp_path / "source"
    source.mkdir(exist_ok=True)
    lines: list = []
    result = run_build(spec(text), source, tmp_path / "work", on_output=lambda phase, line: lines.append((phase, line)),
                       **kwargs)
    return result, lines


def statuses(result) -> list:
    return [(p.name, p.status) for p in result.phases]


def test_plain_variables_survive_from_pre_build_to_build(tmp_path):
    # AWS's ECS/ECR samples: REPOSITORY_URI set (not exported) in pre_build, used in build and post_build.
    result, lines = build(tmp_path, """version: 0.2
phases:
  pre_build:
    commands:
      - REPOSITORY_URI=123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop
      - IMAGE_TAG=${COMMIT_HASH:=latest}
  build:
    commands:
      - echo "docker build -t $REPOSITORY_URI:$IMAGE_TAG ."
  post_build:
    commands:
      - printf '[{"name":"web","imageUri":"%s"}]' $REPOSITORY_URI:$IMAGE_TAG > imagedefinitions.json
artifacts:
  files: imagedefinitions.json
""")
    assert result.ok, result.message
    assert ("build", "docker build -t 123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop:latest .") in lines
    assert (result.artifact_dir / "imagedefinitions.json").read_text() == (
        '[{"name":"web","imageUri":"123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop:latest"}]')


def test_a_multi_line_command_fails_only_on_its_last_status(tmp_path):
    result, lines = build(tmp_path, """version: 0.2
phases:
  build:
    commands:
      - |
        false
        echo after the inner failure
      - echo next command
""")
    assert statuses(result) == [("build", "SUCCEEDED")]
    assert lines == [("build", "after the inner failure"), ("build", "next command")]


def test_exit_0_ends_only_its_own_command_and_exit_1_fails_the_phase(tmp_path):
    result, lines = build(tmp_path, """version: 0.2
phases:
  build:
    commands:
      - test -f missing.txt || exit 0
      - echo still running
      - X=kept; exit 0
      - echo "X=$X"
      - exit 3
      - echo never
    finally:
      - echo cleanup
""")
    assert lines == [("build", "still running"), ("build", "X=kept"), ("build", "cleanup")]
    assert statuses(result) == [("build", "FAILED")]
    assert result.phases[0].message == "COMMAND_EXECUTION_ERROR: Error while executing command: exit 3. Reason: exit status 3"
    assert result.message == "build failed: Error while executing command: exit 3. Reason: exit status 3"


def test_default_shell_is_bin_sh_and_env_shell_chooses(tmp_path):
    probe = """version: 0.2
{env}phases:
  build:
    commands:
      - 'if [ -n "${{BASH_VERSION:-}}" ]; then echo bash; else echo sh; fi'
"""
    for env, expected in (("", "sh"), ("env:\n  shell: /bin/sh\n", "sh"), ("env:\n  shell: bash\n", "bash")):
        result, lines = build(tmp_path, probe.format(env=env))
        assert result.ok and lines == [("build", expected)], (env, lines)


def test_version_0_1_runs_each_command_in_its_own_shell(tmp_path):
    (tmp_path / "source" / "sub").mkdir(parents=True)
    result, lines = build(tmp_path, """version: 0.1
phases:
  build:
    commands:
      - X=1
      - export Y=2
      - cd sub
      - echo "x=$X y=$Y dir=$(basename "$PWD")"
""")
    assert result.ok, result.message
    assert lines == [("build", "x= y= dir=src")]


def test_variables_are_taken_as_written(tmp_path):
    result, lines = build(tmp_path, """version: 0.2
env:
  variables:
    CI: true
    NODE_VERSION: 18.10
    MODE: 0755
    EMPTY:
phases:
  build:
    commands:
      - echo "$CI $NODE_VERSION $MODE [$EMPTY]"
""")
    assert lines == [("build", "true 18.10 0755 []")]


def test_built_in_variables(tmp_path):
    result, lines = build(tmp_path, """version: 0.2
phases:
  build:
    commands:
      - echo "$CODEBUILD_RESOLVED_SOURCE_VERSION $CODEBUILD_SOURCE_VERSION $CODEBUILD_BUILD_NUMBER"
      - echo "$CODEBUILD_INITIATOR $AWS_DEFAULT_REGION $AWS_REGION $CODEBUILD_BUILD_SUCCEEDING"
      - 'echo "$CODEBUILD_BUILD_ID" | cut -d: -f1'
      - test "$CODEBUILD_SRC_DIR" = "$PWD" && echo src-dir-ok
      - "false"
  post_build:
    commands:
      - echo "succeeding=$CODEBUILD_BUILD_SUCCEEDING"
""", context={"commit": "0123456789abcdef0123456789abcdef01234567", "project": "vend-shop-production-build",
              "initiator": "codepipeline/vend-shop-production", "region": "eu-west-1", "number": 4})
    assert lines == [
        ("build", "0123456789abcdef0123456789abcdef01234567 0123456789abcdef0123456789abcdef01234567 4"),
        ("build", "codepipeline/vend-shop-production eu-west-1 eu-west-1 1"),
        ("build", "vend-shop-production-build"),
        ("build", "src-dir-ok"),
        ("post_build", "succeeding=0"),
    ]


def _tree(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


def test_base_directory_glob_as_in_the_reference(tmp_path):
    source = tmp_path / "source"
    for f in ("my-build-1/my-file-1.txt", "my-build-2/my-file-2.txt", "my-build-2/my-subdirectory/my-file-3.txt",
              "other/x.txt"):
        (source / f).parent.mkdir(parents=True, exist_ok=True)
        (source / f).write_text(f)
    result, _ = build(tmp_path, """version: 0.2
phases:
  build:
    commands: [echo built]
artifacts:
  files:
    - '**/*'
  base-directory: 'my-build*'
  discard-paths: yes
""")
    assert result.ok, result.message
    assert _tree(result.artifact_dir) == ["my-file-1.txt", "my-file-2.txt", "my-file-3.txt"]
    result, _ = build(tmp_path, """version: 0.2
phases:
  build:
    commands: [echo built]
artifacts:
  files:
    - '*/my-file-3.txt'
  base-directory: my-build-2
""")
    assert _tree(result.artifact_dir) == ["my-subdirectory/my-file-3.txt"]


def test_exclude_paths_absolute_base_directory_and_variables_in_paths(tmp_path):
    text = """version: 0.2
phases:
  build:
    commands:
      - mkdir -p dist/maps && echo a > dist/app.js && echo m > dist/maps/app.js.map && echo n > dist/notes.txt
      - OUT=dist
artifacts:
  files: ['**/*']
  base-directory: {base}
  exclude-paths:
    - '**/*.map'
    - notes.txt
"""
    src = "/codebuild/output/src"  # the source directory as the build sees it
    for base in (f"{src}/dist", "$CODEBUILD_SRC_DIR/dist", "${OUT}"):
        result, _ = build(tmp_path, text.format(base=base))
        assert result.ok, (base, result.message)
        assert _tree(result.artifact_dir) == ["app.js"], base
    result, _ = build(tmp_path, text.format(base="'out*'"))
    assert result.message == ("UPLOAD_ARTIFACTS failed: CLIENT_ERROR: no matching artifact paths found "
                              "(base-directory 'out*' matches no directory)")


def test_zero_matches_fail_the_build_with_client_error(tmp_path):
    result, _ = build(tmp_path, """version: 0.2
phases:
  build:
    commands: [echo built]
artifacts:
  files: [imagedefinitions.json]
""")
    assert not result.ok
    assert statuses(result) == [("build", "SUCCEEDED"), ("UPLOAD_ARTIFACTS", "FAILED")]
    assert result.message == "UPLOAD_ARTIFACTS failed: CLIENT_ERROR: no matching artifact paths found"
    assert result.artifact_dir is None


def test_absolute_and_empty_files_entries_end_with_a_clear_error(tmp_path):
    result, _ = build(tmp_path, """version: 0.2
phases:
  build:
    commands: [echo built > out.txt]
artifacts:
  files:
    - /etc/hostname
    - ''
    - out.txt
""")
    assert not result.ok
    assert result.message == ("UPLOAD_ARTIFACTS failed: CLIENT_ERROR: artifacts/files/0: '/etc/hostname' is outside "
                              "the build's source directory; the local build collects artifacts only from there "
                              "(write the path relative to $CODEBUILD_SRC_DIR)")


def test_no_artifacts_section_collects_no_artifact(tmp_path):
    (tmp_path / "source").mkdir()
    (tmp_path / "source" / "app.py").write_text("print(1)\n")
    result, _ = build(tmp_path, "version: 0.2\nphases:\n  build:\n    commands: [echo built]\n")
    assert result.ok
    assert result.artifact_dir is None


def test_state_survives_odd_values_and_bash(tmp_path):
    result, lines = build(tmp_path, """version: 0.2
env:
  shell: bash
phases:
  pre_build:
    commands:
      - |
        MULTI='line one
        it'"'"'s line two'
      - QUOTED='a "b" $c `d`'
      - export EXPORTED=yes
      - unset HOME_AWAY; cd /tmp && cd -
  build:
    commands:
      - printf '%s\\n' "$MULTI"
      - echo "$QUOTED $EXPORTED"
      - env | grep -c '^MULTI=' || true
""")
    assert result.ok, result.message
    assert lines[-4:] == [("build", "line one"), ("build", "it's line two"), ("build", 'a "b" $c `d` yes'), ("build", "0")]


# on-failure RETRY (the buildspec reference, phases/*/on-failure): RETRY retries the phase up to
# 3 times on any error message (regex .*); RETRY-count retries it count times (0-100);
# RETRY-regex up to 3 times when the phase's error message matches regex; RETRY-count-regex both.
def test_on_failure_retry_forms_are_parsed_as_the_reference_documents():
    def phase(value: str):
        return spec(f"version: 0.2\nphases:\n  build:\n    on-failure: {value}\n    commands: [make]\n").phase("build")

    assert (phase("RETRY").on_failure, phase("RETRY").retries, phase("RETRY").retry_pattern) == ("RETRY", 3, ".*")
    assert (phase("RETRY-5").retries, phase("RETRY-5").retry_pattern) == (5, ".*")
    assert (phase("RETRY-0").retries, phase("RETRY-100").retries) == (0, 100)
    assert (phase("RETRY-exit status 7").retries, phase("RETRY-exit status 7").retry_pattern) == (3, "exit status 7")
    assert (phase("RETRY-2-status [0-9]+").retries, phase("RETRY-2-status [0-9]+").retry_pattern) == (2, "status [0-9]+")
    assert (phase("ABORT").retries, phase("CONTINUE").retries) == (0, 0)


def test_on_failure_values_codebuild_refuses_are_refused_with_the_forms():
    import pytest
    from vendor.config.source import SourceError
    for value, problem in (
            ("RETRY-101", "buildspec.yml:4 phases/build/on-failure: retry count 101 is over 100 (use RETRY-0 to RETRY-100)"),
            ("'RETRY-2-(unclosed'", "buildspec.yml:4 phases/build/on-failure: '(unclosed' is not a regular expression: "
                                    "missing ), unterminated subpattern at position 0 (fix the pattern after RETRY-2-)"),
            ("retry", "buildspec.yml:4 phases/build/on-failure: 'retry' is not ABORT, CONTINUE or RETRY "
                      "(use ABORT, CONTINUE, RETRY, RETRY-count, RETRY-regex or RETRY-count-regex)")):
        with pytest.raises(SourceError) as e:
            spec(f"version: 0.2\nphases:\n  build:\n    on-failure: {value}\n    commands: [make]\n")
        assert [str(p) for p in e.value.problems] == [problem], value


FLAKY = """version: 0.2
phases:
  install:
    on-failure: {rule}
    commands:
      - echo try >> tries.txt
      - test "$(wc -l < tries.txt)" -ge 3 || exit 7
    finally:
      - echo "finally $(wc -l < tries.txt)"
  build:
    commands:
      - echo built after $(wc -l < tries.txt) tries
"""


def test_retry_runs_a_failing_phase_again_until_it_succeeds(tmp_path):
    result, lines = build(tmp_path, FLAKY.format(rule="RETRY-2"))
    assert result.ok, result.message
    assert statuses(result) == [("install", "SUCCEEDED"), ("build", "SUCCEEDED")]
    assert lines == [("install", "finally 1"), ("install", "finally 2"), ("install", "finally 3"),
                     ("build", "built after 3 tries")]
    log = (tmp_path / "work" / "build.log").read_text()
    assert "[Container] Phase complete: INSTALL State: FAILED\n[Container] Retrying phase INSTALL (retry 1 of 2)\n" in log


def test_retries_run_out_and_the_build_aborts(tmp_path):
    result, lines = build(tmp_path, FLAKY.format(rule="RETRY-1"))
    assert statuses(result) == [("install", "FAILED"), ("build", "SKIPPED")]
    assert lines == [("install", "finally 1"), ("install", "finally 2")]
    assert result.message == 'install failed: Error while executing command: test "$(wc -l < tries.txt)" -ge 3 || exit 7. Reason: exit status 7'


def test_retry_regex_retries_only_a_matching_error_message(tmp_path):
    result, _ = build(tmp_path, FLAKY.format(rule="RETRY-exit status 7"))
    assert result.ok and statuses(result) == [("install", "SUCCEEDED"), ("build", "SUCCEEDED")]
    result, lines = build(tmp_path, FLAKY.format(rule="RETRY-5-exit status 9"))
    assert statuses(result) == [("install", "FAILED"), ("build", "SKIPPED")]
    assert lines == [("install", "finally 1")]
