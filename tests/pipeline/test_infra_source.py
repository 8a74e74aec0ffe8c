"""The infrastructure pipeline's source: a config and its files as committed, problems named with
COMMIT:PATH, and a working copy that differs is noted."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from vendor.config.source import SourceError
from vendor.pipeline.infra_source import committed_config
from vendor.pipeline.source import SourceStageError

BAKE_CONFIGS = Path(__file__).resolve().parents[1] / "bake" / "configs"


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-c", "user.email=ann@shop.example", "-c", "user.name=Ann", *args], cwd=repo,
                          check=True, capture_output=True, text=True).stdout.strip()


@pytest.fixture
def repo(tmp_path):
    repo = tmp_path / "repo"
    (repo / "configs").mkdir(parents=True)
    shutil.copytree(BAKE_CONFIGS / "shop", repo / "configs" / "shop")
    shutil.copy(BAKE_CONFIGS / "shop-local.yaml", repo / "configs" / "shop-test.yaml")
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "Add the shop")
    return repo


def test_the_config_and_its_files_are_read_as_committed(repo, tmp_path):
    first = git(repo, "rev-parse", "HEAD")
    (repo / "configs/shop/provision.sh").write_text("#!/bin/sh\necho changed\n")
    (repo / "configs/shop-test.yaml").write_text((repo / "configs/shop-test.yaml").read_text().replace("keep: 2", "keep: 3"))
    git(repo, "commit", "-qam", "Keep 3 images")
    (repo / "configs/shop-test.yaml").write_text("not: committed\n")

    got = committed_config(repo / "configs/shop-test.yaml", first, tmp_path / "out")
    assert got.config.config.image.keep == 2
    assert got.config.base_dir == tmp_path / "out" / "configs"
    assert (got.config.base_dir / "shop/provision.sh").read_text() == (BAKE_CONFIGS / "shop/provision.sh").read_text()
    assert (got.revision.commit, got.revision.subject, got.path) == (first, "Add the shop", "configs/shop-test.yaml")
    assert got.uncommitted
    assert got.describe().endswith(": configs/shop-test.yaml (the working copy differs; uncommitted changes are "
                                   "not released)")

    head = committed_config(repo / "configs/shop-test.yaml", "main", tmp_path / "out")
    assert head.config.config.image.keep == 3 and head.revision.subject == "Keep 3 images"


def test_a_problem_in_the_committed_config_names_commit_path_and_line(repo, tmp_path):
    path = repo / "configs/shop-test.yaml"
    path.write_text(path.read_text().replace("  keep: 2", "  keep: 0"))
    git(repo, "commit", "-qam", "Keep none")
    sha = git(repo, "rev-parse", "HEAD")
    with pytest.raises(SourceError) as e:
        committed_config(path, sha, tmp_path / "out")
    assert [str(p) for p in e.value.problems] == [
        f"{sha[:12]}:configs/shop-test.yaml:22 image/keep: 0 is too small, the minimum is 1 (use 1 or more)"]


def test_a_missing_commit_file_or_repository_is_named(repo, tmp_path):
    config = repo / "configs/shop-test.yaml"
    with pytest.raises(SourceStageError) as e:
        committed_config(config, "nope", tmp_path / "out")
    assert str(e.value) == f"{repo}: no commit 'nope' (give --commit with a branch, tag or commit)"

    (repo / "configs/new.yaml").write_text("customer: x\n")
    with pytest.raises(SourceStageError) as e:
        committed_config(repo / "configs/new.yaml", "HEAD", tmp_path / "out")
    assert str(e.value) == ("configs/new.yaml does not exist at commit "
                            f"{git(repo, 'rev-parse', 'HEAD')[:12]} (git show HEAD:configs/new.yaml); "
                            "give a commit that has the config")

    loose = tmp_path / "loose"
    loose.mkdir()
    shutil.copy(config, loose / "shop.yaml")
    with pytest.raises(SourceStageError) as e:
        committed_config(loose / "shop.yaml", "HEAD", tmp_path / "out")
    assert str(e.value) == (f"{loose / 'shop.yaml'}: not in a git repository; a release takes the config as "
                            "committed (commit it to the customer's config repository first, or use vend apply)")


def test_committed_image_sources_outside_the_config_directory_are_refused(repo, tmp_path):
    """A committed config whose image sources leave its directory (`../`, a symlink leading out) is refused by vend release with COMMIT:PATH:LINE, before anything is baked."""
    (repo / "secret.txt").write_text("not for the image\n")
    (repo / "configs/shop/provision.sh").unlink()
    (repo / "configs/shop/provision.sh").symlink_to("../../secret.txt")
    path = repo / "configs/shop-test.yaml"
    path.write_text(path.read_text().replace("  scripts: [shop/provision.sh]", "  scripts: [shop/provision.sh, ../secret.txt]"))
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "Bring host files in")
    sha = git(repo, "rev-parse", "HEAD")
    out = tmp_path / "out"
    with pytest.raises(SourceError) as e:
        committed_config(path, sha, out)
    own = "copy it into the config's directory and give its path relative to the config file"
    assert [str(p) for p in e.value.problems] == [
        f"{sha[:12]}:configs/shop-test.yaml:18 image/scripts/0: 'shop/provision.sh' leads to {out / 'secret.txt'}, "
        f"outside the config's directory ({own})",
        f"{sha[:12]}:configs/shop-test.yaml:18 image/scripts/1: '../secret.txt' leaves the config's directory (..) ({own})",
    ]
