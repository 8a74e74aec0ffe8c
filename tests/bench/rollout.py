"""Benchmark: vend's rollout against an Ansible playbook and a pyinfra deploy doing the same
lifecycle, side by side.

All three deploy the python starter revision one host at a time to fresh local SSH hosts (3, then
8; each tool its own hosts): a first install (version 1), then a second deploy (version 2, which
runs ApplicationStop of version 1). Same bundle bytes, same hook scripts. vend runs
`Rollout.deploy` in this process (NoTraffic; ValidateService is the app's health check); Ansible
runs tests/bench/ansible/deploy.yml as an `ansible-playbook` subprocess and pyinfra
tests/bench/pyinfra/deploy.py as a `pyinfra --serial` subprocess (start-up included); both also
check /health from the controller.

Hook time is measured ON the hosts for all three (tests/bench/hook_timing.py). Overhead per host =
(wall - hooks' own time - required health-check time) / hosts; no target group is in front of
these hosts, so no health check is required beyond ValidateService (a hook, timed as one): the
required health-check time is 0 here. After every deployment each host must serve the new version
and have run the expected number of hook scripts. Needs root (local hosts).
Standalone: python -m tests.bench.rollout [SIZES...]
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
from tests.bench.pyinfra_rollout import PyinfraRollout, pyinfra_cli
from tests.bench.table import Column, format_table
from tests.deploy.revisions import python_revision
from vendor.deploy.bundle import build_bundle
from vendor.deploy.history import GroupState
from vendor.deploy.rollout import Group, Rollout
from vendor.sandbox.hosts import LocalHosts, missing_requirements
from vendor.ssh import connect, run as ssh_run

NAME = "rollout"
SIZES = (3, 8)
DEPLOYS = (("first", "1"), ("second", "2"))  # (which deploy, app version)
PORT = 8080
KNOWN_SLEEP = 0.25  # an AfterInstall script sleeps this long: the hook timing must find it
TOOLS = ("vend", "ansible", "pyinfra")
REQUIRED_HEALTH_S = 0.0  # no target group in front of the hosts: nothing beyond ValidateService (a hook)
NOTES = [
    "rollout: one host at a time, fresh hosts per tool and size; 'first' = first install, "
    "'second' = next version (runs ApplicationStop of the first).",
    "rollout: hooks s = time inside the hook scripts, timed on each host by the scripts themselves "
    "(date at start and in an EXIT trap), the same for all tools; overhead/host = (wall - hooks - "
    "required health checks) / hosts; no target group here, so the required health-check time is 0 "
    "(ValidateService, the app's health check, is a hook and counted in hooks s).",
    f"rollout: the python starter's hooks plus an AfterInstall script sleeping {KNOWN_SLEEP} s per host "
    "(a known amount the hook timing must find).",
    "rollout: vend timed in-process (Rollout.deploy); ansible timed as an ansible-playbook subprocess "
    "(ssh, pipelining, ControlPersist, no facts), pyinfra as a `pyinfra --serial` subprocess, their "
    "start-up included.",
    "rollout: the local hosts are overlays of this machine's /, so root's dotfiles are the developer's "
    "(a pyenv init in ~/.bashrc costs ~0.5 s per SSH command here, for every tool); the benchmark gives "
    "its hosts /etc/skel's, as a fresh image has.",
]


def skip_reason() -> str | None:
    problems = missing_requirements()
    if problems:
        return "needs local hosts: " + "; ".join(problems)
    if ansible_playbook() is None:
        return "ansible-playbook not installed (pip install -e '.[bench]')"
    if pyinfra_cli() is None:
        return "pyinfra not installed (pip install -e '.[bench]')"
    return None


def fresh_image(hosts) -> list:
    """Give root the dotfiles of a fresh image (/etc/skel's), not this machine's (see NOTES)."""
    for host in hosts:
        with connect(host) as conn:
            done = ssh_run(conn, ["cp", "/etc/skel/.bashrc", "/etc/skel/.profile", "/root/"], timeout=30)
            if not done.ok:
                raise SystemExit(f"{host.name}: cannot reset root's dotfiles: {done.stderr.strip()}")
    return hosts


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
    hosts = {tool: fresh_image(fleet.start(size)) for tool in TOOLS}
    state = GroupState(work / f"state-{size}", f"bench-{size}")
    vend = Rollout(hosts["vend"], Group("bench", f"bench-{size}", f"g-bench-{size}"), state)
    others = {"ansible": AnsibleRollout(hosts["ansible"], fleet.key_path, fleet.known_hosts, work,
                                        group_name=f"bench-{size}", group_id=f"g-bench-{size}"),
              "pyinfra": PyinfraRollout(hosts["pyinfra"], fleet.key_path, fleet.known_hosts, work,
                                        group_name=f"bench-{size}", group_id=f"g-bench-{size}")}
    rows = []
    for deploy, version in DEPLOYS:
        revision, bundle, bundle_path = revs[version]
        started = time.monotonic()
        result = vend.deploy(bundle.data, bundle.sha256)
        walls = {"vend": (time.monotonic() - started, result.deployment_id)}
        if not result.ok:
            raise SystemExit(f"vend deployment failed: {result.message}")
        for tool, other in others.items():
            deployment_id = "d-" + uuid.uuid4().hex[:12].upper()
            walls[tool] = (other.deploy(bundle_path, revision, deployment_id), deployment_id)
        for tool in TOOLS:
            wall, deployment_id = walls[tool]
            check_serving(hosts[tool], version)
            hook_s, scripts = hook_timing.hook_seconds([fleet.upper_dir(h.name) for h in hosts[tool]], deployment_id)
            expected = expected_scripts(bundle, size, deploy == "first")
            if scripts != expected or hook_s < KNOWN_SLEEP * size:
                raise SystemExit(f"{tool} on {size} hosts: {scripts} hook scripts timed ({expected} expected), "
                                 f"{hook_s:.3f} s inside them (at least {KNOWN_SLEEP * size} s expected)")
            overhead = wall - hook_s - REQUIRED_HEALTH_S * size
            row = {"benchmark": NAME, "case": f"{tool} {size} hosts {deploy}", "tool": tool, "hosts": size,
                   "deploy": deploy, "wall_s": round(wall, 3), "hook_s": round(hook_s, 3),
                   "health_s": REQUIRED_HEALTH_S * size, "hook_scripts": scripts,
                   "overhead_s": round(overhead, 3), "overhead_per_host_s": round(overhead / size, 3)}
            if tool == "vend":
                row["vend_reported_hook_s"] = round(result.hook_seconds, 3)  # as the agent timed them
            else:
                row[f"ratio_{tool}_vend"] = round(wall / walls["vend"][0], 2)
                row["ratio_vs_vend"] = row[f"ratio_{tool}_vend"]
            rows.append(row)
    return rows


def run(sizes=SIZES) -> dict:
    with tempfile.TemporaryDirectory(prefix="vbench-") as tmp, \
            LocalHosts(prefix="vbench", subnet="10.213.60.0/24") as fleet:
        work = Path(tmp)
        revs = revisions(work)
        startup = AnsibleRollout([], fleet.key_path, fleet.known_hosts, work).startup_seconds()
        pyinfra_startup = PyinfraRollout([], fleet.key_path, fleet.known_hosts, work).startup_seconds()
        rows = [row for size in sizes for row in measure_size(fleet, size, revs, work)]
    notes = NOTES + [f"rollout: ansible-playbook start-up alone (empty play): {startup:.2f} s; "
                     f"pyinfra start-up alone (one no-op on @local): {pyinfra_startup:.2f} s"]
    return {"rows": rows, "notes": notes, "ansible_startup_s": round(startup, 3),
            "pyinfra_startup_s": round(pyinfra_startup, 3), "required_health_s": REQUIRED_HEALTH_S,
            "hook_timing": "on the host, by the hook scripts themselves", "sizes": list(sizes)}


COLUMNS = [Column("case", "case"), Column("wall_s", "wall s", ".2f"), Column("hook_s", "hooks s", ".2f"),
           Column("health_s", "health s", ".2f"), Column("overhead_s", "overhead s", ".2f"),
           Column("overhead_per_host_s", "overhead/host s", ".3f"), Column("ratio_vs_vend", "wall / vend's", ".2f")]


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
