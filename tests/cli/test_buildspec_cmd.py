"""`vend buildspec check DIR`: what CodeBuild would refuse (stderr, exit 2) and what the local
build runs differently (listed under OK)."""
from __future__ import annotations

from click.testing import CliRunner

from vendor.cli.main import cli


def test_check_lists_what_runs_differently_locally(tmp_path):
    (tmp_path / "buildspec.yml").write_text("""version: 0.2
labels:
  team: web
env:
  exported-variables: [IMAGE_TAG]
  git-credential-helper: yes
phases:
  pre_build:
    commands:
      - IMAGE_TAG=latest
  build:
    commands:
      - echo build
artifacts:
  files: /codebuild/output/imagedefinitions.json
  base-directory: $CODEBUILD_SRC_DIR/out
  name: web-$(date +%F)
""")
    result = CliRunner().invoke(cli, ["buildspec", "check", str(tmp_path)])
    assert result.exit_code == 0, result.output
    f = tmp_path / "buildspec.yml"
    assert result.output.splitlines() == [
        f"OK {f}: version 0.2, shell /bin/sh, phases: pre_build, build; artifact: "
        "/codebuild/output/imagedefinitions.json under $CODEBUILD_SRC_DIR/out",
        "  not applied locally: env/git-credential-helper",
        "  not applied locally: artifacts/name (CodePipeline names the output artifact)",
        "  env/exported-variables: recorded at the end of the build (IMAGE_TAG); no later local stage reads them",
        "  artifacts/files/0: absolute path '/codebuild/output/imagedefinitions.json' is collected locally only if it "
        "lies inside $CODEBUILD_SRC_DIR",
        f"  ignored: {f}:2 labels: unknown key 'labels' is ignored (CodeBuild ignores keys it does not know)",
    ]


def test_check_refuses_what_codebuild_refuses(tmp_path):
    (tmp_path / "buildspec.yml").write_text("version: 0.2\nenv:\n  shell: cmd.exe\nphases:\n  biuld:\n    commands: [make]\n")
    result = CliRunner().invoke(cli, ["buildspec", "check", str(tmp_path)])
    assert result.exit_code == 2
    f = tmp_path / "buildspec.yml"
    assert result.output.splitlines() == [
        f"{f}:3 env/shell: shell 'cmd.exe' is a Windows shell; vend builds on Linux images (use bash or /bin/sh)",
        f"{f}:5 phases/biuld: unknown key 'biuld' (did you mean 'build'?)",
        f"{f}:4 phases: no phase has commands (add phases: build: commands: [...])",
    ]
