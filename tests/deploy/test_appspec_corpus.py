"""Every real-world appspec of the corpus, classified and pinned.

The corpus (public files, byte for byte as published, with their provenance in INDEX.tsv) is the
project's shared data (`shared/corpus/appspec` beside the repository, as CI lays it out): files
brought in from public repositories are kept there and are not committed into this repository.
Where it is absent the tests are skipped and say so. It has no revision directories, so the
checks that sources and scripts exist in the revision are skipped (`revision=None`). INDEX.tsv
carries a human verdict; where we disagree, the table says why.
"""
from __future__ import annotations

import csv
from pathlib import Path

import pytest

from vendor.config.source import SourceError
from vendor.deploy.appspec import OtherPlatformError, load_appspec

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpus" / "appspec"

pytestmark = pytest.mark.skipif(
    not (CORPUS / "INDEX.tsv").is_file(),
    reason=f"appspec corpus not found at {CORPUS} (CI lays shared/ beside the repository)")
# file -> (our classification, our exact problem lines, why we disagree with the human or "")
EXPECTED = {
    "001.yml": ("valid", [], ""),
    "002.yml": ("valid", [], ""),
    "003.yml": ("invalid", [
        "003.yml:2 os: windows is out of scope: vend deploys to Linux hosts "
        "(write the appspec for Linux: os: linux, Linux paths and shell scripts)"], ""),
    "004.yml": ("valid", [], ""),
    "005.yml": ("other-platform", [
        "005.yml:2 Resources: this is an ECS appspec (Resources with TargetService); vend deploys "
        "to EC2/on-premises Linux hosts only (write an EC2 appspec: version: 0.0, os: linux, "
        "files and hooks)"], ""),
    "006.yml": ("valid", [], ""),
    "007.yml": ("invalid", [
        "007.yml:19 \\   AfterInstall: unknown key '\\   AfterInstall' ('AfterInstall' is a "
        "lifecycle event: indent it under hooks and remove the stray characters)"], ""),
    "008.yml": ("invalid", [
        "008.yml:2 os: 'linus' is not supported (did you mean 'linux'?)",
        "008.yml:5 files/0/sources: unknown key 'sources' (did you mean 'source'?)",
        "008.yml:6 files/0/destinations: unknown key 'destinations' (did you mean 'destination'?)",
    ], ""),
    "009.yml": ("valid", [], ""),  # overwrite: in a files entry is ignored by the agent: a warning
    "010.yml": ("valid", [], ""),
    "011.yml": ("valid", [], ""),
    "012.yml": ("valid", [], ""),  # as 009.yml
    "013.yml": ("valid", [], (
        "The CodeDeploy agent joins a hook location to the revision root (File.join(archive, "
        "location)), so /opt/tomcat/bin/startup.sh is the revision's opt/tomcat/bin/startup.sh: the "
        "file is valid as written. Whether that script exists can only be told with the revision, "
        "which the corpus lacks; with it, vend says so (test_appspec_revision).")),
}


def human_verdicts() -> dict[str, str]:
    with open(CORPUS / "INDEX.tsv", newline="") as f:
        return {row["file"]: row["verdict"].split(":", 1)[0]
                for row in csv.DictReader(f, delimiter="\t")}


def classify(path: Path) -> tuple[str, list[str]]:
    try:
        load_appspec(path, revision=None)
    except OtherPlatformError as e:
        kind, problems = "other-platform", e.problems
    except SourceError as e:
        kind, problems = "invalid", e.problems
    else:
        return "valid", []
    return kind, [str(p).removeprefix(f"{CORPUS}/") for p in problems]


def test_table_covers_every_corpus_file():
    on_disk = sorted(p.name for p in CORPUS.glob("*.yml"))
    assert sorted(human_verdicts()) == on_disk
    assert sorted(EXPECTED) == on_disk, "classify the new corpus files in EXPECTED"


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_corpus_file_classification_is_pinned(name):
    kind, lines, _ = EXPECTED[name]
    assert classify(CORPUS / name) == (kind, lines)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_every_disagreement_with_the_human_is_explained(name):
    kind, _, why = EXPECTED[name]
    human = human_verdicts()[name]
    if kind == human:
        assert why == "", "an explanation is only for disagreements"
    else:
        assert len(why) > 80, f"{name}: we say {kind}, the human says {human}; explain why"
