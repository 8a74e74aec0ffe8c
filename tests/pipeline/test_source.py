"""The Source stage: git archive at a ref, or a plain directory copy."""
from __future__ import annotations

import io
import os
import subprocess
import tarfile

import pytest

from vendor.pipeline.source import SourceStageError, archive, fetch_source


def _commit(repo, message):
    subprocess.run(["git", "add", "-A"], cwd=repo, check=True)
    subprocess.run(["git", "-c", "user.email=a@b.c", "-c", "user.name=a", "commit", "-qm", message], cwd=repo, check=True)
    return subprocess.run(["git", "rev-parse", "HEAD"], cwd=repo, capture_output=True, text=True).stdout.strip()


def test_git_repository_at_a_ref(tmp_path):
    repo = tmp_path / "repo"
    repo.mkdir()
    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=repo, check=True)
    (repo / "v.txt").write_text("1")
    first = _commit(repo, "one")
    (repo / "v.txt").write_text("2")
    _commit(repo, "two")
    (repo / "v.txt").write_text("uncommitted")
    revision = fetch_source(str(repo), first, tmp_path / "out")
    assert (revision.commit, revision.subject) == (first, "one")
    assert (tmp_path / "out" / "v.txt").read_text() == "1"
    head = fetch_source(str(repo), None, tmp_path / "out")
    assert (head.subject, (tmp_path / "out" / "v.txt").read_text()) == ("two", "2")
    assert not (tmp_path / "out" / ".git").exists()


def test_unknown_ref(tmp_path):
    repo = tmp_path / "repo"
    repo.mkdir()
    subprocess.run(["git", "init", "-q"], cwd=repo, check=True)
    (repo / "a").write_text("a")
    _commit(repo, "a")
    with pytest.raises(SourceStageError) as e:
        fetch_source(str(repo), "nope", tmp_path / "out")
    assert str(e.value) == f"{repo}: no commit 'nope' (give --ref with a branch, tag or commit)"


def test_plain_directory(tmp_path):
    (tmp_path / "dir").mkdir()
    (tmp_path / "dir" / "a.txt").write_text("a")
    revision = fetch_source(str(tmp_path / "dir"), None, tmp_path / "out")
    assert revision.commit == "" and (tmp_path / "out" / "a.txt").read_text() == "a"
    with pytest.raises(SourceStageError):
        fetch_source(str(tmp_path / "dir"), "main", tmp_path / "out")


def test_git_url_is_cloned(tmp_path):
    repo = tmp_path / "origin"
    repo.mkdir()
    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=repo, check=True)
    (repo / "a").write_text("from url")
    _commit(repo, "remote")
    revision = fetch_source(f"file://{repo}", "main", tmp_path / "out")
    assert revision.subject == "remote" and (tmp_path / "out" / "a").read_text() == "from url"


def test_the_commit_author_and_date_in_utc(tmp_path):
    repo = tmp_path / "repo"
    repo.mkdir()
    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=repo, check=True)
    (repo / "a").write_text("a")
    env = {"GIT_AUTHOR_NAME": "Ann Example", "GIT_AUTHOR_EMAIL": "ann@shop.example",
           "GIT_AUTHOR_DATE": "2026-02-01T10:30:00+01:00", "GIT_COMMITTER_NAME": "c", "GIT_COMMITTER_EMAIL": "c@x.io",
           "PATH": os.environ["PATH"]}
    subprocess.run(["git", "add", "-A"], cwd=repo, check=True)
    subprocess.run(["git", "commit", "-qm", "Raise the fleet"], cwd=repo, check=True, env=env)
    revision = fetch_source(str(repo), "main", tmp_path / "out")
    assert (revision.subject, revision.author, revision.date) == (
        "Raise the fleet", "Ann Example <ann@shop.example>", "2026-02-01T09:30:00Z")


def test_archive_holds_the_tree_in_name_order_and_is_the_same_twice(tmp_path):
    (tmp_path / "dir" / "scripts").mkdir(parents=True)
    (tmp_path / "dir" / "scripts" / "start.sh").write_text("#!/bin/sh\n")
    (tmp_path / "dir" / "appspec.yml").write_text("version: 0.0\n")
    data = archive(tmp_path / "dir")
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        assert tar.getnames() == ["appspec.yml", "scripts", "scripts/start.sh"]
        assert tar.extractfile("appspec.yml").read() == b"version: 0.0\n"


def test_committed_links_out_of_the_repository_are_refused_by_name(tmp_path):
    """A committed absolute symlink (or one leaving through another link) fails the Source stage with its name, not a crash."""
    repo = tmp_path / "repo"
    (repo / "app").mkdir(parents=True)
    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=repo, check=True)
    (repo / "app" / "index.html").write_text("hi")
    (repo / "app" / "passwd").symlink_to("/etc/passwd")
    (repo / "t").symlink_to(".")
    (repo / "app" / "etc").symlink_to("../t/t/t/../../../etc")
    commit = _commit(repo, "links")
    with pytest.raises(SourceStageError) as e:
        fetch_source(str(repo), None, tmp_path / "out")
    hint = "make the link relative and inside the repository, or commit the file itself"
    assert str(e.value) == (
        f"{repo} at {commit[:12]} app/etc: symlink to '../t/t/t/../../../etc' leads outside the repository "
        f"through the symlink 't' ({hint}); "
        f"{repo} at {commit[:12]} app/passwd: symlink to '/etc/passwd' points outside the repository ({hint})")
    assert not any((tmp_path / "out").iterdir())


def test_a_directory_source_is_checked_and_its_links_are_not_followed(tmp_path):
    """A directory source with a link out of it is refused; host files are never copied in through links."""
    src = tmp_path / "src"
    src.mkdir()
    (src / "index.html").write_text("hi")
    (src / "shadow").symlink_to("/etc/shadow")
    with pytest.raises(SourceStageError) as e:
        fetch_source(str(src), None, tmp_path / "out")
    assert str(e.value) == (f"{src} shadow: symlink to '/etc/shadow' points outside the revision "
                            "(copy the file into the revision or make the link relative and inside it)")
    (src / "shadow").unlink()
    (src / "current.html").symlink_to("index.html")
    revision = fetch_source(str(src), None, tmp_path / "out")
    assert os.readlink(revision.directory / "current.html") == "index.html"
