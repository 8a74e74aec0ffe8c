"""CodeDeploy appspec for EC2/on-premises Linux hosts: find, load and validate.

    spec = load_revision_appspec(Path("build/revision"))   # appspec at the revision root
    spec = load_appspec(Path("appspec.yml"), revision=None)  # no revision: existence not checked

Problems raise `SourceError` (all of a file together); ECS/Lambda appspecs raise
`OtherPlatformError`, a `SourceError` too. The model lives in `appspec_model`.
"""
from __future__ import annotations

from pathlib import Path

from vendor.config.source import Problem, SourceError, load_yaml, parse_yaml
from vendor.deploy.appspec_check import check_document
from vendor.deploy.appspec_model import (
    HOOK_EVENTS, LIFECYCLE_ORDER, RESERVED_EVENTS, AppSpec, FileMapping, HookScript, Permission,
    SELinuxContext)
from vendor.deploy.appspec_problems import OtherPlatformError
from vendor.deploy.revision_tree import checked_tree

APPSPEC_NAMES = ("appspec.yml", "appspec.yaml")

__all__ = [
    "APPSPEC_NAMES", "HOOK_EVENTS", "LIFECYCLE_ORDER", "RESERVED_EVENTS", "AppSpec", "FileMapping",
    "HookScript", "OtherPlatformError", "Permission", "SELinuxContext", "find_appspec",
    "load_appspec", "load_revision_appspec", "parse_appspec",
]


def find_appspec(revision: Path) -> Path:
    """The appspec file at the root of the revision directory `revision`."""
    revision = Path(revision)
    if not revision.is_dir():
        raise SourceError([Problem(str(revision), None, "(revision)", "not a directory",
                                   "give the revision directory, the one with appspec.yml at its root")])
    found = [revision / name for name in APPSPEC_NAMES if (revision / name).is_file()]
    if len(found) == 2:
        raise SourceError([Problem(str(revision), None, "(revision)",
                                   "both appspec.yml and appspec.yaml exist",
                                   "keep only one of them")])
    if not found:
        deeper = sorted(str(p.relative_to(revision)) for name in APPSPEC_NAMES
                        for p in revision.glob(f"*/{name}"))
        hint = (f"found {deeper[0]}: move it to the revision root" if deeper
                else "add appspec.yml at the root of the revision")
        raise SourceError([Problem(str(revision), None, "(revision)", "no appspec.yml", hint)])
    return found[0]


def load_appspec(path: Path, *, revision: Path | None) -> AppSpec:
    """Load and validate the appspec file `path`.

    `revision` is its revision directory; pass None when there is none (e.g. a lone file),
    which skips the checks that sources and hook scripts exist in the revision.
    """
    doc = load_yaml(path)
    raw_lines = Path(path).read_text(encoding="utf-8").splitlines()
    return check_document(doc, revision=revision, raw_lines=raw_lines)


def load_revision_appspec(revision: Path) -> AppSpec:
    """Check the revision's files (a link out of it is never read), then find, load and
    validate the appspec of the revision directory `revision`."""
    checked_tree(revision)
    return load_appspec(find_appspec(revision), revision=Path(revision))


def parse_appspec(text: str, filename: str, *, revision: Path | None) -> AppSpec:
    """Validate appspec `text` (named `filename` in problems), e.g. one rendered from a template."""
    doc = parse_yaml(text, filename)
    return check_document(doc, revision=revision, raw_lines=text.splitlines())
