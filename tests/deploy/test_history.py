"""The deployment group's state on disk (lock, release history, kept bundles) when it is damaged:
what can be read is used, what cannot is skipped and named, and a lock says which file to remove."""
from __future__ import annotations

import json
import os
import socket
import stat

import pytest

from tests.deploy.helpers import SIMPLE_APPSPEC, SIMPLE_FILES, write_revision
from vendor.deploy.bundle import build_bundle
from vendor.deploy.history import DeploymentLocked, GroupState
from vendor.deploy.rollout import Group, Rollout


def _state(tmp_path, warnings: list) -> GroupState:
    return GroupState(tmp_path / "state", "shop-staging", warn=warnings.append)


def _release(revision: str, status: str = "Succeeded") -> dict:
    return {"deployment_id": f"d-{revision}", "revision": revision, "status": status}


def test_truncated_release_line_is_skipped_and_named(tmp_path):
    """A truncated line in releases.jsonl is skipped with a warning naming the file and line."""
    warnings: list[str] = []
    state = _state(tmp_path, warnings)
    state.record(_release("a" * 64))
    with open(state.dir / "releases.jsonl", "a") as f:
        f.write('{"at": "2026-01-01T00:00:00Z", "deployment_id": "d-X", "revi')  # the disk filled up
    state.record(_release("b" * 64, "Failed"))
    state.record({"revision": 7})  # written by something else

    assert [r["revision"] for r in state.releases()] == ["a" * 64, "b" * 64]
    assert state.last_good()["revision"] == "a" * 64
    path = state.dir / "releases.jsonl"
    assert warnings == [
        f"{path}:2: not a readable release record (not JSON: a truncated write?); skipped",
        f"{path}:4: not a readable release record (fields missing or of the wrong type); skipped"]


def test_deploy_goes_on_past_a_truncated_release_line(tmp_path):
    """A rollout reads the history past a truncated line (it crashed with a traceback before)."""
    warnings: list[str] = []
    state = _state(tmp_path, warnings)
    (state.dir / "releases.jsonl").write_text('{"revision": "abc", "sta\n')
    bundle = build_bundle(write_revision(tmp_path / "rev", SIMPLE_APPSPEC, SIMPLE_FILES))
    result = Rollout([], Group("shop", "shop-staging", "g-1"), state).deploy(bundle.data, bundle.sha256)
    assert result.ok
    assert [r["revision"] for r in state.releases()] == [bundle.sha256]
    assert warnings == [f"{state.dir / 'releases.jsonl'}:1: not a readable release record "
                        "(not JSON: a truncated write?); skipped"]


def test_garbage_lock_names_the_file_to_remove(tmp_path):
    """A lock.json that is not a lock refuses with the file to remove, not "None on None"."""
    state = _state(tmp_path, [])
    state.lock_path.write_bytes(b"\x00\x00garbage")
    with pytest.raises(DeploymentLocked) as e:
        with state.lock("revision x"):
            pass
    assert str(e.value) == (
        f"deployment group shop-staging is locked by {state.lock_path}, which cannot be read "
        f"(not JSON: a truncated write?); if no deployment of shop-staging is running, remove it: "
        f"rm {state.lock_path}")


def test_lock_held_elsewhere_says_who_and_which_file(tmp_path):
    """A lock held by a live deployment says who holds it and which file to remove if it is gone."""
    state = _state(tmp_path, [])
    holder = {"who": "ann", "host": "build-7", "pid": 4242, "since": "2026-01-01T10:00:00Z", "what": "revision 3f2a"}
    state.lock_path.write_text(json.dumps(holder))
    with pytest.raises(DeploymentLocked) as e:
        with state.lock("revision x"):
            pass
    assert str(e.value) == (
        "deployment group shop-staging is busy: ann on build-7 (pid 4242) has been deploying revision 3f2a "
        f"since 2026-01-01T10:00:00Z; if that deployment is no longer running, remove {state.lock_path}")


def test_lock_of_a_dead_process_here_is_taken_over(tmp_path):
    """A lock left by a process of this machine that died is taken over (and audited), not left forever."""
    state = _state(tmp_path, [])
    dead = os.fork()
    if dead == 0:
        os._exit(0)
    os.waitpid(dead, 0)
    state.lock_path.write_text(json.dumps({"who": "ann", "host": socket.gethostname(), "pid": dead,
                                           "since": "2026-01-01T10:00:00Z", "what": "revision 3f2a"}))
    with state.lock("revision x") as holder:
        assert json.loads(state.lock_path.read_text()) == holder
    assert not state.lock_path.exists()


def test_lock_is_written_whole_and_private(tmp_path):
    """The lock file appears with its whole content at once (temporary file, then linked), 0600."""
    state = _state(tmp_path, [])
    with state.lock("revision x") as holder:
        assert json.loads(state.lock_path.read_text()) == holder
        assert stat.S_IMODE(state.lock_path.stat().st_mode) == 0o600
        assert sorted(p.name for p in state.dir.iterdir()) == [".lock.guard", "audit.jsonl", "lock.json"]


def test_state_is_private_to_the_user(tmp_path):
    """The state directory and what deployments keep in it are 0700 / 0600, whatever the umask."""
    old = os.umask(0o022)
    try:
        state = _state(tmp_path, [])
        with state.lock("revision x"):
            state.keep_bundle("a" * 64, b"bundle")
            state.record(_release("a" * 64))
    finally:
        os.umask(old)
    root = tmp_path / "state"
    modes = {str(p.relative_to(tmp_path)): oct(stat.S_IMODE(p.stat().st_mode))
             for p in [root, *sorted(root.rglob("*"))]}
    assert modes == {
        "state": "0o700", "state/deployments": "0o700", "state/deployments/shop-staging": "0o700",
        "state/deployments/shop-staging/.lock.guard": "0o600",
        "state/deployments/shop-staging/audit.jsonl": "0o600",
        "state/deployments/shop-staging/releases.jsonl": "0o600",
        "state/deployments/shop-staging/revisions": "0o700",
        f"state/deployments/shop-staging/revisions/{'a' * 64}.tar.gz": "0o600"}


def _dead_pid() -> int:
    dead = os.fork()
    if dead == 0:
        os._exit(0)
    os.waitpid(dead, 0)
    return dead


def _killed_mid_deployment(state: GroupState) -> int:
    """What a `vend deploy` killed with SIGKILL leaves: its lock and the audit of what it started."""
    pid = _dead_pid()
    holder = {"who": "ann", "host": socket.gethostname(), "pid": pid, "since": "2026-01-01T10:00:00Z",
              "what": "revision 3f2a9c1b04de (d-ABC)"}
    state.lock_path.write_text(json.dumps(holder))
    state.audit("lock", **holder)
    state.audit("host-start", deployment_id="d-ABC", host="host1", revision="3f2a9c1b04de" + "0" * 52)
    return pid


def test_a_deployment_killed_mid_way_is_recorded_when_the_lock_is_taken_over(tmp_path):
    state = _state(tmp_path, [])
    pid = _killed_mid_deployment(state)
    with state.lock("revision x"):
        pass
    [record] = state.releases()
    assert {k: record[k] for k in ("deployment_id", "revision", "status", "message", "hosts")} == {
        "deployment_id": "d-ABC", "revision": "3f2a9c1b04de" + "0" * 52, "status": "Interrupted",
        "message": f"vend (pid {pid} on {socket.gethostname()}) was killed during revision 3f2a9c1b04de (d-ABC); "
                   "hooks may have been running on host1", "hosts": ["host1"]}


def test_releases_show_a_deployment_killed_mid_way_once(tmp_path):
    from vendor.deploy.engines import SshEngine
    state = _state(tmp_path, [])
    pid = _killed_mid_deployment(state)
    engine = SshEngine(None, state, lambda result, echo: None)
    for _ in range(2):
        [release] = engine.releases()
        assert (release.deployment_id, release.status, release.detail) == (
            "d-ABC", "Interrupted", f"vend (pid {pid} on {socket.gethostname()}) was killed during revision "
                                    "3f2a9c1b04de (d-ABC); hooks may have been running on host1")
    assert not state.lock_path.exists()


def test_ctrl_c_during_a_deployment_is_recorded(tmp_path):
    state = _state(tmp_path, [])
    with pytest.raises(KeyboardInterrupt):
        with state.lock("revision 3f2a9c1b04de (d-XYZ)"):
            raise KeyboardInterrupt
    [record] = state.releases()
    assert (record["deployment_id"], record["revision"], record["status"]) == ("d-XYZ", "3f2a9c1b04de", "Interrupted")
    assert record["message"].endswith("was interrupted during revision 3f2a9c1b04de (d-XYZ)")
    assert not state.lock_path.exists()
