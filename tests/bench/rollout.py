"""Benchmark: vend's rollout against an Ansible playbook doing the same lifecycle, side by side.

Both deploy the python starter revision one host at a time to fresh local SSH hosts (3, then 8;
each tool its own hosts): a first install (version 1), then a second deploy (version 2, which
runs ApplicationStop of version 1). Same bundle bytes, same hook scripts. vend runs
`Rollout.deploy` in this process (NoTraffic; ValidateService is the app's health check); Ansible
runs tests/bench/ansible/deploy.yml as an `ansible-playbook` subprocess (start-up included), which
also checks /health from the controller.

Hook time is measured ON the hosts for both (tests/bench/hook_timing.py); overhead is wall time
minus that. After every deployment each host must serve the new version and have run the
expected number of hook scripts. Needs root (local hosts). Standalone: python -m tests.bench.rollout
"""
from __future__ import annotations

import sys
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path

from tests.bench import hook_timing
from tests.bench.ansible_rollout import AnsibleRollout, ansible_playbook
from tests.bench.table import Column, format_table
from tests.deploy.revisions import python_revision
from vendor.deploy.bundle import build_bundle
from vendor.deploy.history import GroupState
from vendor.deploy.rollout import Group, Rollout
from vendor.sandbox.hosts import LocalHosts, missing_requirements

NAME = "rollout"
SIZES = (3, 8)
DEPLOYS = (("first", "1"), ("second", "2"))  # (which deploy, app version)
PORT = 8080
KNOWN_SLEEP = 0.25  # an AfterInstall script sleeps this long: the hook timing must find it
NOTES = [
    "rollout: one host at a time, fresh hosts per tool and size; 'first' = first install, "
    "'second' = next version (runs ApplicationStop of the first).",
    "rollout: hooks s = time inside the hook scripts, timed on each host by the scripts themselves "
    "(date at start and in an EXIT trap), the same for both tools; overhead = wall - hooks.",
    f"rollout: the python starter's hooks plus an AfterInstall script sleeping {KNOWN_SLEEP} s per host "
    "(a known amount the hook timing must find).",
    "rollout: vend timed in-process (Rollout.deploy); ansible timed as an ansible-playbook subprocess "
    "(ssh, pipelining, ControlPersist, no facts), its start-up included.",
]


def skip_reason() -> str | None:
    problems = missing_requirements()
    if problems:
        return "needs local hosts: " + "; ".join(problems)
    if ansible_playbook() is None:
        return "ansible-playbook not installed (pip install -e '.[bench]')"
    return None


def revisions(work: Path) -> dict[str, tuple[Path, object, Path]]:
    """version -> (revision dir, bundle, bundle file), hooks instrumented."""
    out = {}
    for _, version in DEPLOYS:
        revision = python_revision(work / f"rev-{version}", version=version, port=PORT,
                                   extra_hook=("AfterInstall", f"sleep {KNOWN_SLEEP}", 60))
        hook_timing.instrument(revision)
        bundle = build_bundle(revision)
        path = work / f"bundle-{version}.tar.gz"
        path.write_bytes(bundle.data)
        out[version] = (revision, bundle, path)
    return out


def expected_scripts(bundle, size: int, first: bool) -> int:
    per_host = sum(len(bundle.appspec.scripts(event)) for event in
                   ("ApplicationStop", "BeforeInstall", "AfterInstall", "ApplicationStart", "ValidateService")
                   if not (first and event == "ApplicationStop"))
    return per_host * size


def check_serving(hosts, version: str) -> None:
    for host in hosts:
        with urllib.request.urlopen(f"http://{host.address}:{PORT}/", timeout=10) as answer:
            body = answer.read().decode()
        if f"version {version}" not in body:
            raise SystemExit(f"{host.name} serves {body.strip()!r}, expected version {version}")


def measure_size(fleet: LocalHosts, size: int, revs: dict, work: Path) -> list[dict]:
    vend_hosts, ansible_hosts = fleet.start(size), fleet.start(size)
    state = GroupState(work / f"state-{size}", f"bench-{size}")
    vend = Rollout(vend_hosts, Group("bench", f"bench-{size}", f"g-bench-{size}"), state)
    ansible = AnsibleRollout(ansible_hosts, fleet.key_path, fleet.known_hosts, work,
                             group_name=f"bench-{size}", group_id=f"g-bench-{size}")
    rows = []
    for deploy, version in DEPLOYS:
        revision, bundle, bundle_path = revs[version]
        started = time.monotonic()
        result = vend.deploy(bundle.data, bundle.sha256)
        vend_wall = time.monotonic() - started
        if not result.ok:
            raise SystemExit(f"vend deployment failed: {result.message}")
        ansible_id = "d-" + uuid.uuid4().hex[:12].upper()
        ansible_wall = ansible.deploy(bundle_path, revision, ansible_id)
        for tool, hosts, wall, deployment_id in (("vend", vend_hosts, vend_wall, result.deployment_id),
                                                 ("ansible", ansible_hosts, ansible_wall, ansible_id)):
            check_serving(hosts, version)
            hook_s, scripts = hook_timing.hook_seconds([fleet.upper_dir(h.name) for h in hosts], deployment_id)
            expected = expected_scripts(bundle, size, deploy == "first")
            if scripts != expected or hook_s < KNOWN_SLEEP * size:
                raise SystemExit(f"{tool} on {size} hosts: {scripts} hook scripts timed ({expected} expected), "
                                 f"{hook_s:.3f} s inside them (at least {KNOWN_SLEEP * size} s expected)")
            row = {"benchmark": NAME, "case": f"{tool} {size} hosts {deploy}", "tool": tool, "hosts": size,
                   "deploy": deploy, "wall_s": round(wall, 3), "hook_s": round(hook_s, 3), "hook_scripts": scripts,
                   "overhead_s": round(wall - hook_s, 3), "overhead_per_host_s": round((wall - hook_s) / size, 3)}
            if tool == "vend":
                row["vend_reported_hook_s"] = round(result.hook_seconds, 3)  # incl. SSH + agent start
            else:
                row["ratio_ansible_vend"] = round(wall / vend_wall, 2)
            rows.append(row)
    return rows


def run(sizes=SIZES) -> dict:
    with tempfile.TemporaryDirectory(prefix="vbench-") as tmp, \
            LocalHosts(prefix="vbench", subnet="10.213.60.0/24") as fleet:
        work = Path(tmp)
        revs = revisions(work)
        startup = AnsibleRollout([], fleet.key_path, fleet.known_hosts, work).startup_seconds()
        rows = [row for size in sizes for row in measure_size(fleet, size, revs, work)]
    notes = NOTES + [f"rollout: ansible-playbook start-up alone (empty play): {startup:.2f} s"]
    return {"rows": rows, "notes": notes, "ansible_startup_s": round(startup, 3),
            "hook_timing": "on the host, by the hook scripts themselves", "sizes": list(sizes)}


COLUMNS = [Column("case", "case"), Column("wall_s", "wall s", ".2f"), Column("hook_s", "hooks s", ".2f"),
           Column("overhead_s", "overhead s", ".2f"), Column("overhead_per_host_s", "overhead/host s", ".3f"),
           Column("ratio_ansible_vend", "ansible/vend", ".2f")]


def main() -> int:
    reason = skip_reason()
    if reason:
        print(f"rollout benchmark skipped: {reason}", file=sys.stderr)
        return 2
    sizes = tuple(int(s) for s in sys.argv[1:]) or SIZES
    result = run(sizes)
    print(format_table(result["rows"], COLUMNS))
    print("\n".join(result["notes"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
