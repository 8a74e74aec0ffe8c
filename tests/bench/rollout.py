"""Benchmark: the rollout's own overhead per host (wall time minus the hook scripts' own time).

Deploys the python starter revision, one host at a time, to 3 and then 8 local SSH hosts, and
reports per fleet size: wall time, time inside hook scripts, and overhead per host. Writes
build/bench/rollout.json too. Run through `scripts/bench` (needs root for the local hosts).
"""
from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

from vendor.deploy.bundle import build_bundle
from vendor.deploy.history import GroupState
from vendor.deploy.rollout import Group, Rollout
from vendor.sandbox.hosts import LocalHosts, missing_requirements
from tests.deploy.revisions import python_revision

SIZES = (3, 8)


def measure(hosts, size: int, work: Path) -> dict:
    bundle = build_bundle(python_revision(work / f"rev-{size}", version=str(size)))
    state = GroupState(work / f"state-{size}", f"bench-{size}")
    rollout = Rollout(hosts[:size], Group("bench", f"bench-{size}", f"g-bench-{size}"), state)
    started = time.monotonic()
    result = rollout.deploy(bundle.data, bundle.sha256)
    wall = time.monotonic() - started
    if not result.ok:
        raise SystemExit(f"benchmark deployment failed: {result.message}")
    return {"hosts": size, "wall_s": round(wall, 3), "hook_s": round(result.hook_seconds, 3),
            "overhead_per_host_s": round((wall - result.hook_seconds) / size, 3)}


def main() -> int:
    problems = missing_requirements()
    if problems:
        print("rollout benchmark needs local hosts: " + "; ".join(problems), file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp, LocalHosts(prefix="vbench", subnet="10.213.60.0/24") as fleet:
        hosts = fleet.start(max(SIZES))
        rows = [measure(hosts, size, Path(tmp)) for size in SIZES]
    print(f"{'hosts':>5}  {'wall s':>7}  {'hooks s':>7}  {'overhead/host s':>15}")
    for r in rows:
        print(f"{r['hosts']:>5}  {r['wall_s']:>7.2f}  {r['hook_s']:>7.2f}  {r['overhead_per_host_s']:>15.3f}")
    out = Path("build/bench/rollout.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"benchmark": "rollout-overhead", "results": rows}, indent=2) + "\n")
    print(f"written {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
