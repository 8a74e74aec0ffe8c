"""The script around one command and the state files between commands."""
from __future__ import annotations

import os

from tests.pipeline.test_build_codebuild import build
from vendor.pipeline.build_script import ShellState, StateDir, command_script, read_state, write_state


def test_the_command_is_on_line_4_as_in_codebuilds_script(tmp_path):
    assert command_script("make all", "/state").splitlines()[3] == "make all"
    result, lines = build(tmp_path, "version: 0.2\nphases:\n  build:\n    commands:\n      - nosuchcommand\n")
    assert lines == [("build", "/bin/sh: 4: nosuchcommand: not found")]  # CodeBuild: .../script.sh: 4: nosuchcommand: not found
    assert result.message == "build failed: Error while executing command: nosuchcommand. Reason: exit status 127"


def test_state_files_are_never_followed_through_links(tmp_path):
    store = StateDir(tmp_path / "state")
    secret = tmp_path / "secret"
    secret.write_text("keep")
    before = ShellState({"PATH": "/usr/bin"}, {"X": "1"}, "/src")
    env = write_state(before, store)
    assert env == {"PATH": "/usr/bin"}
    assert (tmp_path / "state" / "plain.sh").read_text() == "X=1\n"
    for name in ("exported", "all"):
        os.symlink(secret, tmp_path / "state" / name)
    assert read_state(store, before) is before  # a planted link is not read
    (tmp_path / "state" / "cwd").unlink()
    os.symlink(secret, tmp_path / "state" / "cwd")
    write_state(before, store)  # replaces the link, never writes through it
    assert secret.read_text() == "keep" and (tmp_path / "state" / "cwd").read_text() == "/src"
