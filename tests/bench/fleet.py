"""Benchmark: `vend plan` of 1, 50 and 500 environments at AWS latency, today's way vs the fleet way.

AWS is the moto server behind `LatencyProxy` (40 ms per call, a token bucket per API action of
20 calls/s refill and 100 deep, as EC2 documents for its non-mutating actions, S3 at its
documented 5,500 GET/s, answering AWS's throttling errors). Environments: customers c0001..c0500, variants of configs/acme-staging.yaml
on shared ALBs (as the vending benchmark has them), each made by vend's own apply
(`executor.apply` of its stack), run in-process against moto's backends with no HTTP and no
poll delays (the fast path: the same calls, without the proxy); the moto server then serves
those backends over HTTP through the proxy.

Rows per N: today's way (one `vend plan CONFIG` after another: a new session, every resource
read on its own, standard retries) and the fleet way (`vend plan DIR --output json --jobs
JOBS` run as the consultant runs it, in a process of its own: `fleet_run.plan_fleet`, adaptive
retries, reads made once per run; run RUNS times, the median run's row, every run's wall time
beside it). Every environment's own plan and every environment of every fleet run must be a
no-op (`ok`). Calls are counted at the proxy (every request that reached it, throttled ones
included). Today's way for N above
SAMPLE is measured on the first SAMPLE environments and its wall time extrapolated (N x the mean);
the row says so. Standalone: python -m tests.bench.fleet [--quick] [COUNT ...]
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.bench.fleet_cloud import FleetCloud, ProxyProcess
from tests.bench.table import Column, format_table
from tests.bench.vending import endpoint_environment, shared_load_balancers
from vendor.aws.fleet_run import DEFAULT_JOBS
from vendor.aws.observe import observe
from vendor.cli.stack import _open
from vendor.plan.diff import plan_apply
from vendor.sandbox.latency_proxy import DOCUMENTED_RATES

NAME = "fleet"
COUNTS = (1, 50, 500)
QUICK_COUNTS = (1, 10, 50)
SAMPLE = 10
LATENCY, RATE, BURST = 0.04, 20.0, 100.0
JOBS = DEFAULT_JOBS  # `vend plan DIR`'s own default
RUNS = 3  # the fleet way is run this many times per N; rows give the median run (wall times on a shared machine vary)


def sequential(paths: list[Path], proxy: ProxyProcess) -> dict:
    proxy.reset_counts()
    started, plans = time.perf_counter(), []
    for path in paths:
        _, _, ctx, st = _open(str(path), None, None, None)
        plans.append(plan_apply(st.resources, observe(ctx, st.resources)))
    return {"wall_s": time.perf_counter() - started, **_counted(proxy), "plans": plans}


def fleet(paths: list[Path], proxy: ProxyProcess, cloud: FleetCloud) -> dict:
    """The median of RUNS runs of the fleet way (by wall time), with every run's wall time."""
    runs = sorted((fleet_once(paths, proxy, cloud) for _ in range(RUNS)), key=lambda r: r["wall_s"])
    return {**runs[len(runs) // 2], "walls_s": [r["wall_s"] for r in runs], "runs": runs,
            "throttled": max(r["throttled"] for r in runs)}


def fleet_dir(paths: list[Path]) -> Path:
    """A directory of copies of these configs, beside them, with the files they name."""
    home = paths[0].parent
    directory = home.with_name(f"{home.name}-{len(paths)}")
    if not directory.exists():
        for files in (p for p in home.iterdir() if p.is_dir()):
            shutil.copytree(files, directory / files.name)
        for path in paths:
            shutil.copy(path, directory)
    return directory


def fleet_once(paths: list[Path], proxy: ProxyProcess, cloud: FleetCloud) -> dict:
    """`vend plan DIR --output json` in a process of its own, as a consultant runs it, with the CPU time
    that process and the emulator's used meanwhile."""
    proxy.reset_counts()
    command = [str(Path(sys.executable).with_name("vend")), "plan", str(fleet_dir(paths)), "--output", "json",
               "--jobs", str(JOBS)]
    emulator, started = cloud.cpu_seconds(), time.perf_counter()
    with tempfile.TemporaryFile() as out:
        process = subprocess.Popen(command, stdout=out)
        _, status, usage = os.wait4(process.pid, 0)  # its CPU time too
        wall, process.returncode = time.perf_counter() - started, os.waitstatus_to_exitcode(status)
        out.seek(0)
        report = out.read().decode()
    if process.returncode != 0:
        raise SystemExit(f"fleet benchmark: {' '.join(command[:2])} ... exited {process.returncode}:\n{report[-2000:]}")
    return {"wall_s": wall, "vend_cpu_s": usage.ru_utime + usage.ru_stime,
            "emulator_cpu_s": cloud.cpu_seconds() - emulator, **_counted(proxy),
            "environments": json.loads(report)["environments"]}


def _counted(proxy: ProxyProcess) -> dict:
    forwarded, throttled = proxy.totals()
    return {"calls": forwarded + throttled, "throttled": throttled}


def rows_for(n: int, today: dict, sample: int, ours: dict) -> list[dict]:
    per_today, per_ours = today["calls"] / sample, ours["calls"] / n
    if any(any(s.action != "keep" for s in plan) for plan in today["plans"]):
        raise SystemExit("fleet benchmark: an environment's own plan is not a no-op")
    for run in ours["runs"]:  # every run, not only the median one
        rows = run["environments"]
        not_ok = [r for r in rows if r["state"] != "ok"]
        if len(rows) != n or not_ok:
            raise SystemExit(f"fleet benchmark: {len(rows)} environments reported of {n}, {len(not_ok)} not ok "
                             f"({not_ok[0] if not_ok else ''})")
    wall_today = today["wall_s"] / sample * n
    return [
        {"benchmark": NAME, "case": f"{n} env: sequential, vend plan CONFIG each (today)"
                                    + (f" [measured on {sample}, wall x{n / sample:g}]" if sample < n else ""),
         "environments": n, "wall_s": round(wall_today, 2), "api_calls": round(per_today * n),
         "calls_per_customer": round(per_today, 1), "wall_per_customer_s": round(today["wall_s"] / sample, 3),
         "throttled": today["throttled"], "errors": 0, "extrapolated": sample < n},
        {"benchmark": NAME, "case": f"{n} env: vend plan DIR (fleet, {JOBS} at a time, median of {RUNS})",
         "environments": n, "wall_s": round(ours["wall_s"], 2),
         "walls": " / ".join(f"{w:.1f}" for w in ours["walls_s"]), "api_calls": ours["calls"], "calls_per_customer": round(per_ours, 1),
         "wall_per_customer_s": round(ours["wall_s"] / n, 3), "throttled": ours["throttled"], "errors": 0,
         "calls_ratio": round(per_today / per_ours, 1), "speedup": round(wall_today / ours["wall_s"], 1),
         "vend_cpu_s": round(ours["vend_cpu_s"], 1), "emulator_cpu_s": round(ours["emulator_cpu_s"], 1)},
    ]


def run(counts: tuple[int, ...] = COUNTS) -> dict:
    counts = tuple(sorted(set(counts)))
    rows = []
    with tempfile.TemporaryDirectory(prefix="vbench-fleet-") as tmp, \
            FleetCloud(Path(tmp) / "configs", max(counts)) as cloud, endpoint_environment(cloud.url):
        proxy = ProxyProcess(cloud.url, latency=LATENCY, rate=RATE, burst=BURST, rates=DOCUMENTED_RATES)
        os.environ["AWS_ENDPOINT_URL"] = proxy.url
        try:
            for n in counts:
                cloud.vend(n)
                sample = min(n, SAMPLE)
                print(f"bench: fleet: {n} environments: sequential ({sample}) ...", file=sys.stderr, flush=True)
                today = sequential(cloud.paths[:sample], proxy)
                print(f"bench: fleet: {n} environments: fleet ...", file=sys.stderr, flush=True)
                ours = fleet(cloud.paths[:n], proxy, cloud)
                rows += rows_for(n, today, sample, ours)
                print(format_table(rows[-2:], COLUMNS), file=sys.stderr, flush=True)
        finally:
            proxy.stop()
    notes = [f"fleet: through LatencyProxy ({LATENCY * 1000:g} ms per call, token bucket {RATE:g}/s, {BURST:g} deep "
             f"per API action, S3 {DOCUMENTED_RATES['s3'][0]:g}/s; a process of its own) in front of the moto "
             "server (another); "
             "calls counted at the proxy (throttled attempts too).",
             f"fleet: environments c0001..c{max(counts):04d} (acme-staging variants on shared ALBs "
             f"{', '.join(shared_load_balancers(max(counts)))}) made by vend's apply in-process against moto "
             "(fast path: no HTTP, no poll delays); every environment's own plan is a no-op and every fleet "
             "run reports each one ok.",
             f"fleet: the fleet way is `vend plan DIR --output json --jobs {JOBS}`, a process of its own.",
             f"fleet: sequential beyond {SAMPLE} environments is measured on the first {SAMPLE}, wall extrapolated."]
    return {"rows": rows, "notes": notes, "counts": list(counts), "latency_s": LATENCY, "rate": RATE,
            "burst": BURST, "jobs": JOBS, "sample": SAMPLE}


COLUMNS = [Column("case", "case"), Column("wall_s", "wall s", ".2f"), Column("api_calls", "API calls", "d"),
           Column("walls", "runs' wall s"), Column("calls_per_customer", "calls/env", ".1f"),
           Column("throttled", "throttled", "d"),
           Column("calls_ratio", "x fewer calls", ".1f"), Column("speedup", "x faster", ".1f"),
           Column("vend_cpu_s", "vend CPU s", ".1f"), Column("emulator_cpu_s", "emulator CPU s", ".1f")]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.bench.fleet")
    parser.add_argument("--quick", action="store_true", help=f"{', '.join(map(str, QUICK_COUNTS))} environments")
    parser.add_argument("counts", nargs="*", type=int, help="environment counts (default: 1 50 500)")
    args = parser.parse_args(argv)
    result = run(tuple(args.counts) or (QUICK_COUNTS if args.quick else COUNTS))
    print(format_table(result["rows"], COLUMNS))
    print("\n".join(result["notes"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
