"""The infrastructure pipeline's source: a customer config exactly as committed.

The config's git repository is exported at the commit (`git archive`), so the config and every
file it names (provisioning scripts, uploads) are read as they are in that commit (what
`git show COMMIT:PATH` shows), never from the working tree. Problems in the committed config
are reported as `COMMIT:PATH:LINE path: what (fix)`.
"""
from __future__ import annotations

import subprocess
from dataclasses import dataclass, replace
from pathlib import Path

from vendor.config.loader import ConfigFile, load_config
from vendor.config.source import SourceError
from vendor.pipeline.source import SourceRevision, SourceStageError, fetch_source


@dataclass(frozen=True)
class CommittedConfig:
    config: ConfigFile  # loaded from the export, so its relative files are the commit's too
    revision: SourceRevision
    path: str  # the config's path in its repository
    uncommitted: bool  # the working copy of the config differs from the committed one

    def describe(self) -> str:
        r = self.revision
        text = f"commit {r.commit[:12]} {r.subject} ({r.author}, {r.date}): {self.path}"
        if self.uncommitted:
            text += " (the working copy differs; uncommitted changes are not released)"
        return text


def repository_of(config: Path) -> Path:
    """The top directory of the git repository holding `config`."""
    found = subprocess.run(["git", "rev-parse", "--show-toplevel"], cwd=config.parent, capture_output=True,
                           text=True, timeout=60) if config.parent.is_dir() else None
    if found is None or found.returncode != 0:
        raise SourceStageError(f"{config}: not in a git repository; a release takes the config as committed "
                               "(commit it to the customer's config repository first, or use vend apply)")
    return Path(found.stdout.strip())


def committed_config(config: str | Path, commit: str, dest: Path) -> CommittedConfig:
    """Export the repository of `config` at `commit` into `dest` and load the config from there."""
    local = Path(config).absolute()
    top = repository_of(local)
    rel = local.resolve().relative_to(top.resolve()).as_posix()
    revision = fetch_source(str(top), commit, dest, option="--commit")
    exported = dest / rel
    if not exported.is_file():
        raise SourceStageError(f"{rel} does not exist at commit {revision.commit[:12]} (git show {commit}:{rel}); "
                               "give a commit that has the config")
    cf = load_at_commit(exported, revision.commit, rel)
    uncommitted = not local.is_file() or local.read_bytes() != exported.read_bytes()
    return CommittedConfig(cf, revision, rel, uncommitted)


def load_at_commit(path: Path, commit: str, rel: str) -> ConfigFile:
    """The config exported at `path`, its problems named `COMMIT:rel` (the file the user knows)."""
    try:
        return load_config(path)
    except SourceError as e:
        raise SourceError([replace(p, file=f"{commit[:12]}:{rel}") for p in e.problems]) from None
