"""What a deployment reads from a host before anything else: the agent's hash, the group's last
successful install (its archive directory and appspec text); on the way it makes the directories
the deployment needs and drops staged copies a stopped rollout may have left.

As root this goes over the SFTP session the uploads use anyway (no exec, no login shell); a login
user other than root runs PROBE through sudo, in one exec.
"""
from __future__ import annotations

import hashlib
import json
import posixpath

from vendor.ssh import Connection, list_remote, make_remote_dirs, read_remote, run


class StateUnreadable(Exception):
    pass


# Run by the host's python3 before the agent is known to be there (standard library only):
# argv[1] = {"mkdir": [...], "clear": DIR, "agent", "pointer"} -> one JSON line.
PROBE = """
import hashlib, json, os, shutil, sys
a = json.loads(sys.argv[1])
shutil.rmtree(a["clear"], ignore_errors=True)
for d in a["mkdir"]:
    os.makedirs(d, exist_ok=True)
def read(path):
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError:
        return None
agent = read(a["agent"])
pointer = (read(a["pointer"]) or b"").decode().strip()
spec = None
if pointer:
    spec = read(os.path.join(pointer, "appspec.yml"))
    spec = spec if spec is not None else read(os.path.join(pointer, "appspec.yaml"))
print(json.dumps({"agent": agent and hashlib.sha256(agent).hexdigest(), "pointer": pointer,
                  "appspec": None if spec is None else spec.decode("utf-8", "replace")}))
"""


def read_host_state(conn: Connection, sudo: list[str], args: dict) -> dict:
    """args: {"mkdir": [dirs], "clear": DIR, "agent": PATH, "pointer": PATH} ->
    {"agent": sha256 or None, "pointer": archive dir or "", "appspec": text or None}."""
    if sudo:
        result = run(conn, [*sudo, "python3", "-c", PROBE, json.dumps(args)], timeout=60)
        if not result.ok:
            raise StateUnreadable(f"reading the host's state failed: {result.stderr.strip()}")
        return json.loads(result.stdout.strip().splitlines()[-1])
    if list_remote(conn, args["clear"]):
        cleared = run(conn, ["rm", "-rf", "--", args["clear"]], timeout=60)
        if not cleared.ok:
            raise StateUnreadable(f"removing {args['clear']} failed: {cleared.stderr.strip()}")
    for directory in args["mkdir"]:
        make_remote_dirs(conn, directory)
    agent = read_remote(conn, args["agent"])
    pointer = (read_remote(conn, args["pointer"]) or b"").decode("utf-8", "replace").strip()
    spec = None
    if pointer:
        spec = read_remote(conn, posixpath.join(pointer, "appspec.yml"))
        spec = spec if spec is not None else read_remote(conn, posixpath.join(pointer, "appspec.yaml"))
    return {"agent": agent and hashlib.sha256(agent).hexdigest(), "pointer": pointer,
            "appspec": None if spec is None else spec.decode("utf-8", "replace")}
