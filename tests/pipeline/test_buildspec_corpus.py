"""The buildspec corpus (tests/pipeline/buildspec_corpus, see its README.md): buildspecs modelled
on real public ones, each with the verdict CodeBuild gives it; the runnable ones are built and
their phase results and artifact listing compared with INDEX.tsv.

Tools the buildspecs call that would reach the network or change this machine (aws, docker,
npm, pip, ...) are replaced by small stand-ins on PATH that print their arguments and write the
files such tools are asked to write (`--output-template-file X`, `mvn` -> target/app.jar): the
subject here is the runner (shell state, per-command status, phases, variables, artifacts)."""
from __future__ import annotations

import csv
import os
from pathlib import Path

import pytest

from vendor.config.source import SourceError
from vendor.pipeline.build import run_build
from vendor.pipeline.buildspec import load_buildspec
from vendor.pipeline.buildspec_check import local_differences

CORPUS = Path(__file__).parent / "buildspec_corpus"
ROWS = list(csv.DictReader((CORPUS / "INDEX.tsv").open(encoding="utf-8"), delimiter="\t", quoting=csv.QUOTE_NONE))
COMMIT = "0123456789abcdef0123456789abcdef01234567"

STAND_IN = r"""#!/bin/sh
tool=$(basename "$0")
echo "[$tool] $*" >&2
case "$tool" in
  sudo) exec "$@" ;;
  mvn) mkdir -p target && echo jar > target/app.jar ;;
  aws)
    case "$*" in
      "ecr get-login "*) echo "docker login -u AWS -p password https://123456789012.dkr.ecr.eu-west-1.amazonaws.com" ;;
      "ecr get-login-password"*) echo password ;;
    esac ;;
esac
out=""
for arg in "$@"; do
  if [ "$out" = next ]; then echo "packaged" > "$arg"; out=""; fi
  [ "$arg" = "--output-template-file" ] && out=next
done
exit 0
"""
TOOLS = ("aws", "docker", "mvn", "pip", "pip3", "sudo", "chalice", "npm", "yum", "newman", "apt", "apt-get",
         "composer", "php", "gem", "bundle", "sam", "terraform", "curl", "wget")


@pytest.fixture(scope="module")
def stand_ins(tmp_path_factory) -> Path:
    bin_dir = tmp_path_factory.mktemp("bin")
    for tool in TOOLS:
        (bin_dir / tool).write_text(STAND_IN)
        (bin_dir / tool).chmod(0o755)
    bin_dir.chmod(0o755)  # the build runs as an unprivileged user (pytest's directories are 0700)
    return bin_dir


def test_index_lists_every_case_with_provenance():
    cases = sorted(p.name for p in CORPUS.iterdir() if p.is_dir())
    assert sorted(r["case"] for r in ROWS) == cases
    for r in ROWS:
        assert r["repository"].count("/") == 1 and r["path"] and len(r["commit"]) == 40, r


@pytest.mark.parametrize("row", ROWS, ids=[r["case"] for r in ROWS])
def test_loader_verdict(row):
    path = CORPUS / row["case"] / "buildspec.yml"
    if row["verdict"].startswith("refused: "):
        with pytest.raises(SourceError) as e:
            load_buildspec(path)
        assert [f"{p.path}: {p.message} ({p.hint})" for p in e.value.problems] == [row["verdict"][len("refused: "):]]
        return
    assert row["verdict"] == "runs"
    spec = load_buildspec(path)
    differences = [d.replace(str(path), "buildspec.yml") for d in local_differences(spec)]
    assert " | ".join(differences) == row["differences"]


@pytest.mark.parametrize("row", [r for r in ROWS if r["run"] == "yes"], ids=lambda r: r["case"])
def test_runnable_case_phases_and_artifacts(row, stand_ins, tmp_path):
    spec = load_buildspec(CORPUS / row["case"] / "buildspec.yml")
    env = {"PATH": f"{stand_ins}:{os.environ.get('PATH', '/usr/bin:/bin')}"}
    env.update(kv.split("=", 1) for kv in row["env"].split(";") if kv)
    lines: list[str] = []
    result = run_build(spec, CORPUS / row["case"], tmp_path / "work", env=env, timeout=60, tools=(stand_ins,),
                       on_output=lambda phase, line: lines.append(f"{phase}|{line}"),
                       context={"commit": COMMIT, "region": "eu-west-1", "project": "corpus",
                                "initiator": "codepipeline/corpus"})
    assert " ".join(f"{p.name}={p.status}" for p in result.phases) == row["phases"], (result.message, lines)
    assert (", ".join(result.artifact_files) or "-") == row["artifacts"]
    for expected in filter(None, row["output"].split(" || ")):
        assert expected in lines, (expected, lines)
