"""Benchmark: the sandbox's front door at load, this commit's against the old one, in one run.

Both front doors are separate processes (as in the sandbox) routing from a real ALB in the
embedded emulator (its own process, publishing its change counter): an HTTPS listener rule for one
host name forwarding to an `ip` target group.

- throughput: `ab -k` (keep-alive, 20 concurrent clients) through the front door to one healthy
  host (an asyncio app on 127.0.0.1 answering `ok`): requests/s, median and p99 latency, failures.
  The old front door gets a time limit instead of a request count (it answers a few a second).
- rollout: 3 local SSH hosts (root) in the target group, the python starter deployed; then, with a
  steady client offering 100 requests/s through the front door, a deployment one host at a time
  (version 2) and a deployment that fails ValidateService on host2 and is rolled back (hosts 1 and
  2 back to version 2), the client going on until it has sent at least 5,000 requests. Any answer
  but 200, or none, is a failed request. Same for the old front door on the same hosts (for the
  two rollouts only: at a few answers a second it would take hours to 5,000).

Standalone: python -m tests.bench.frontdoor
"""
from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.bench.table import Column, format_table
from tests.deploy.revisions import python_revision
from tests.sandbox.frontdoor_scene import REGION, Load, scene
from vendor.aws.target_group import TargetGroupTraffic
from vendor.deploy.bundle import build_bundle
from vendor.deploy.health import HealthCheck
from vendor.deploy.history import GroupState
from vendor.deploy.rollout import Group, Rollout
from vendor.deploy.traffic import HealthGatedTraffic
from vendor.sandbox import elbv2_changes, emulator
from vendor.sandbox.hosts import LocalHosts, missing_requirements
from vendor.ssh import connect, run as ssh_run

NAME = "frontdoor"
CONCURRENCY = 20
REQUESTS = 20000  # the new front door, through ab
OLD_SECONDS = 15  # the old one: ab's time limit
RATE = 100.0  # requests/s offered during the rollouts
AT_LEAST = 5000  # requests sent through the rollouts
FAIL_MARKER = "/etc/vend-bench-fail-validate"
COLUMNS = [
    Column("case", "case"),
    Column("requests", "requests", "d"),
    Column("failed", "failed", "d"),
    Column("rps", "requests/s", ".1f"),
    Column("p50_ms", "p50 ms", ".1f"),
    Column("p99_ms", "p99 ms", ".1f"),
    Column("wall_s", "wall s", ".1f"),
]


def skip_reason() -> str | None:
    if shutil.which("ab") is None:
        return "ab (apache2-utils) not installed"
    return None


class Process:
    """A child process that prints its URL first and runs until its stdin closes."""

    def __init__(self, *args: str, log: Path):
        with log.open("ab") as errors:  # the old front door prints a traceback per client that gave up
            self.proc = subprocess.Popen([sys.executable, "-m", "tests.bench.frontdoor_serve", *args],
                                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=errors, text=True)
        self.url = self.proc.stdout.readline().strip()
        if not self.url:
            self.close()
            raise RuntimeError(f"frontdoor_serve {' '.join(args)} did not start")

    def close(self) -> None:
        self.proc.stdin.close()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def ab(url: str, host: str, *, requests: int | None = None, seconds: int | None = None, keep_alive: bool = True) -> dict:
    argv = ["ab", *(["-k"] if keep_alive else []), "-q", "-c", str(CONCURRENCY), "-H", f"Host: {host}", "-s", "30"]
    argv += ["-t", str(seconds), "-n", "1000000"] if seconds else ["-n", str(requests)]
    out = subprocess.run([*argv, url + "/"], capture_output=True, text=True, timeout=600).stdout

    def number(pattern: str, default: float = 0.0) -> float:
        found = re.search(pattern, out, re.MULTILINE)
        return float(found.group(1)) if found else default

    complete = int(number(r"^Complete requests:\s+(\d+)"))
    failed = int(number(r"^Failed requests:\s+(\d+)")) + int(number(r"^Non-2xx responses:\s+(\d+)"))
    return {"requests": complete, "failed": failed, "rps": number(r"^Requests per second:\s+([\d.]+)"),
            "p50_ms": number(r"^\s+50%\s+(\d+)"), "p99_ms": number(r"^\s+99%\s+(\d+)"),
            "wall_s": number(r"^Time taken for tests:\s+([\d.]+)")}


def throughput(doors: dict[str, Process], host: str) -> list[dict]:
    """ab -k through the new front door; without -k too (a connection per request), as the old one
    is measured: ab -k waits for an HTTP/1.0 keep-alive answer the old one never marks as such."""
    rows = []
    print("frontdoor: ab through the front doors ...", file=sys.stderr, flush=True)
    new, old = doors["new"].url, doors["old"].url
    ab(new, host, requests=200)  # warm up (connections, the first view)
    ab(old, host, requests=20, keep_alive=False)
    for case, measured in (
            (f"new: ab -k -c {CONCURRENCY}", ab(new, host, requests=REQUESTS)),
            (f"new: ab -c {CONCURRENCY} (no keep-alive)", ab(new, host, requests=REQUESTS // 4, keep_alive=False)),
            (f"old: ab -c {CONCURRENCY} (no keep-alive, {OLD_SECONDS} s)", ab(old, host, seconds=OLD_SECONDS, keep_alive=False))):
        rows.append({"benchmark": NAME, "case": f"{case}, healthy host", **measured})
    return rows


def _rollout(hosts, where, work: Path) -> Rollout:
    health = HealthCheck("/health", 8080, interval=0.2, timeout=2, healthy_threshold=2, unhealthy_threshold=2)
    traffic = HealthGatedTraffic(TargetGroupTraffic(where.elbv2, where.target_group, 8080, drain_timeout=30), health)
    return Rollout(hosts, Group("bench-app", "bench-frontdoor", "g-bench"), GroupState(work / "state", "bench-frontdoor"),
                   traffic=traffic, who="bench")


def through_rollouts(doors: dict[str, Process], where, hosts, work: Path) -> list[dict]:
    bundles = {v: build_bundle(python_revision(work / f"v{v}", version=v, fail_validate_if=FAIL_MARKER))
               for v in ("1", "2")}
    deploys = _rollout(hosts, where, work)
    assert deploys.deploy(bundles["1"].data, bundles["1"].sha256).ok, "first install failed"
    rows = []
    for which, door in doors.items():
        with connect(hosts[1]) as conn:
            ssh_run(conn, ["rm", "-f", FAIL_MARKER], timeout=10)
        print(f"frontdoor: {which}: {RATE:g} requests/s through two rollouts ...", file=sys.stderr, flush=True)
        started = time.monotonic()
        with Load(door.url, where.host, rate=RATE, workers=16) as load:
            ok = deploys.deploy(bundles["2"].data, bundles["2"].sha256)
            with connect(hosts[1]) as conn:
                ssh_run(conn, ["touch", FAIL_MARKER], timeout=10)
            back = deploys.deploy(bundles["1"].data, bundles["1"].sha256)
            while which == "new" and load.sent < AT_LEAST and time.monotonic() - started < AT_LEAST / RATE * 3:
                time.sleep(0.2)  # the old one answers a few a second: the two rollouts are its run
        wall = time.monotonic() - started
        if not ok.ok or back.ok or back.rolled_back_to != bundles["2"].sha256:
            raise RuntimeError(f"the rollouts did not go as planned: {ok.message!r}, {back.message!r}")
        latencies = sorted(load.latencies)
        rows.append({"benchmark": NAME, "case": f"{which}: {RATE:g}/s offered, deploy + rolled-back deploy, 3 hosts",
                     "requests": load.sent, "failed": len(load.failures), "rps": load.sent / wall,
                     "p50_ms": 1000 * latencies[len(latencies) // 2] if latencies else None,
                     "p99_ms": 1000 * latencies[int(len(latencies) * 0.99)] if latencies else None,
                     "wall_s": wall, "failures": sorted(set(load.failures))[:10],
                     "deploy_s": ok.seconds, "rolled_back_deploy_s": back.seconds})
    return rows


def run() -> dict:
    rows, notes = [], []
    with tempfile.TemporaryDirectory(prefix="vend-bench-frontdoor-") as tmp:
        work = Path(tmp)
        emu, _ = emulator.start(work)
        backend = doors = None
        try:
            where = scene(emu.url, work / elbv2_changes.FILE, publish=False, region=REGION)
            backend = Process("backend", log=work / "backend.log")
            address, port = backend.url.rsplit("/", 1)[1].split(":")
            where.register((address, int(port)))
            doors = {w: Process("door", w, emu.url, REGION, str(work / elbv2_changes.FILE), log=work / f"{w}.log")
                     for w in ("new", "old")}
            rows += throughput(doors, where.host)
            where.deregister((address, int(port)))
            problems = missing_requirements()
            if problems:
                rows.append({"benchmark": NAME, "case": "rollout: skipped, needs local hosts: " + "; ".join(problems)})
            else:
                with LocalHosts(prefix="vbfd", subnet="10.213.62.0/24") as fleet:
                    hosts = fleet.start(3)
                    rows += through_rollouts(doors, where, hosts, work)
        finally:
            for p in [backend, *(doors or {}).values()]:
                if p is not None:
                    p.close()
            emulator.stop(work)
    new, old = rows[0], rows[2]
    notes.append(f"frontdoor: throughput new (keep-alive) / old = {new['rps'] / max(old['rps'], 1e-9):.0f}x "
                 f"({new['rps']:.0f} vs {old['rps']:.1f} requests/s), p99 {new['p99_ms']:.0f} ms vs {old['p99_ms']:.0f} ms.")
    notes.append("frontdoor: new = cached routes reloaded when the emulator's ELBv2 change counter moves, asyncio, "
                 f"pooled keep-alive to targets; old = the front door at {__import__('tests.bench.frontdoor_serve', fromlist=['x']).BASELINE}"
                 " (rules and target health read from the emulator for every request).")
    notes.append("frontdoor: every process (ab, front doors, emulator, app) on this machine; its other load "
                 "(see 'load' above) slows all of them.")
    return {"rows": rows, "notes": notes}


def main() -> int:
    result = run()
    print(format_table(result["rows"], COLUMNS))
    print("\n".join(result["notes"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
