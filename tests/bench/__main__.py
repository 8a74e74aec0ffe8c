"""Run every benchmark, print one table, write build/bench/<benchmark>.json for each.

    python -m tests.bench            (scripts/bench sets up first, then runs this)
    python -m tests.bench rollout frontdoor   (only the benchmarks named, in the order given)
    python -m tests.bench --quick    (vending: 1, 10 and 50 customers instead of 1, 50 and 500)
    python -m tests.bench --faults   (the fault tests instead: tests/bench/faults.py)

A benchmark module has NAME, run() -> {"rows": [...], "notes": [...], ...} and, when it cannot
run here, skip_reason() -> str. A skipped benchmark is a row saying why (and exit status 2).
"""
from __future__ import annotations

import argparse
import sys

from tests.bench import embedded_flow, faults, fleet, frontdoor, render_throughput, rollout, vending
from tests.bench.results import environment, write_result
from tests.bench.table import Column, format_table

BENCHMARKS = (render_throughput, vending, rollout, embedded_flow, frontdoor, fleet)
COLUMNS = [
    Column("benchmark", "benchmark"),
    Column("case", "case"),
    Column("wall_s", "wall s", ".2f"),
    Column("hook_s", "hooks s", ".2f"),
    Column("health_s", "health s", ".2f"),
    Column("overhead_s", "overhead s", ".2f"),
    Column("overhead_per_host_s", "overhead/host s", ".3f"),
    Column("ratio_vs_vend", "wall / vend's", ".2f"),
    Column("configs_per_s", "configs/s", ".1f"),
    Column("api_calls", "API calls", "d"),
    Column("mutating", "mutating", "d"),
    Column("elbv2_calls", "elbv2 calls", "d"),
    Column("wall_per_customer_s", "wall/customer s", ".3f"),
    Column("calls_per_customer", "calls/customer", ".1f"),
    Column("throttled", "throttled", "d"),
    Column("calls_ratio", "x fewer calls", ".1f"),
    Column("speedup", "x faster", ".1f"),
    Column("requests", "requests", "d"),
    Column("failed", "failed", "d"),
    Column("rps", "requests/s", ".1f"),
    Column("p50_ms", "p50 ms", ".1f"),
    Column("p99_ms", "p99 ms", ".1f"),
]


def selected(names: list[str]) -> tuple[list, str | None]:
    """The benchmarks named (all when none), or an error naming the unknown ones and the known."""
    by_name = {bench.NAME: bench for bench in BENCHMARKS}
    unknown = [n for n in names if n not in by_name]
    if unknown:
        return [], (f"scripts/bench: no benchmark named {', '.join(unknown)}; "
                    f"choose from {', '.join(by_name)} (or none for all)")
    return [by_name[n] for n in dict.fromkeys(names)] or list(BENCHMARKS), None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="scripts/bench")
    parser.add_argument("--quick", action="store_true",
                        help=f"vending: {', '.join(map(str, vending.QUICK_COUNTS))} customers "
                             f"instead of {', '.join(map(str, vending.COUNTS))}; fleet: "
                             f"{', '.join(map(str, fleet.QUICK_COUNTS))} environments")
    parser.add_argument("--faults", action="store_true", help="run the fault tests instead, one table")
    parser.add_argument("names", nargs="*", metavar="NAME",
                        help=f"run only these benchmarks ({', '.join(b.NAME for b in BENCHMARKS)}); default: all")
    args = parser.parse_args(argv)
    if args.faults:
        return faults.main()
    benchmarks, error = selected(args.names)
    if error:
        print(error, file=sys.stderr)
        return 2
    options = {vending: {"counts": vending.QUICK_COUNTS if args.quick else vending.COUNTS},
               fleet: {"counts": fleet.QUICK_COUNTS if args.quick else fleet.COUNTS}}
    rows, notes, written, skipped = [], [], [], False
    env = environment()  # the commit this run measures
    for bench in benchmarks:
        reason = getattr(bench, "skip_reason", lambda: None)()
        if reason:
            rows.append({"benchmark": bench.NAME, "case": f"skipped: {reason}"})
            skipped = True
            continue
        print(f"bench: running {bench.NAME} ...", file=sys.stderr, flush=True)
        result = bench.run(**options.get(bench, {}))
        rows += result["rows"]
        notes += result["notes"]
        written.append(write_result(bench.NAME, {k: v for k, v in result.items() if k != "rows"}
                                    | {"results": result["rows"]}, env=env))
    print(f"\ncommit {(env['commit'] or 'unknown')[:12]}{' (+ uncommitted changes)' if env['work_tree_changed'] else ''}"
          f", {env['date']}, nproc {env['nproc']}, python {env['python']}, load {env['loadavg_1m']} (1 min)\n")
    for name in dict.fromkeys(row["benchmark"] for row in rows):  # one table per benchmark, its own columns
        mine = [row for row in rows if row["benchmark"] == name]
        print(format_table(mine, [c for c in COLUMNS if any(row.get(c.key) is not None for row in mine)]))
        print()
    print("\n".join(notes))
    print("written " + ", ".join(str(p) for p in written))
    return 2 if skipped else 0


if __name__ == "__main__":
    sys.exit(main())
