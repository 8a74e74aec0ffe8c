"""Run every benchmark, print one table, write build/bench/<benchmark>.json for each.

    python -m tests.bench            (scripts/bench sets up first, then runs this)

A benchmark module has NAME, run() -> {"rows": [...], "notes": [...], ...} and, when it cannot
run here, skip_reason() -> str. A skipped benchmark is a row saying why (and exit status 2).
"""
from __future__ import annotations

import sys

from tests.bench import render_throughput, rollout
from tests.bench.results import environment, write_result
from tests.bench.table import Column, format_table

BENCHMARKS = (render_throughput, rollout)
COLUMNS = [
    Column("benchmark", "benchmark"),
    Column("case", "case"),
    Column("wall_s", "wall s", ".2f"),
    Column("hook_s", "hooks s", ".2f"),
    Column("overhead_s", "overhead s", ".2f"),
    Column("overhead_per_host_s", "overhead/host s", ".3f"),
    Column("ratio_ansible_vend", "ansible/vend", ".2f"),
    Column("configs_per_s", "configs/s", ".1f"),
]


def main() -> int:
    rows, notes, written, skipped = [], [], [], False
    for bench in BENCHMARKS:
        reason = getattr(bench, "skip_reason", lambda: None)()
        if reason:
            rows.append({"benchmark": bench.NAME, "case": f"skipped: {reason}"})
            skipped = True
            continue
        print(f"bench: running {bench.NAME} ...", file=sys.stderr, flush=True)
        result = bench.run()
        rows += result["rows"]
        notes += result["notes"]
        written.append(write_result(bench.NAME, {k: v for k, v in result.items() if k != "rows"} | {"results": result["rows"]}))
    env = environment()
    print(f"\ncommit {(env['commit'] or 'unknown')[:12]}{' (+ uncommitted changes)' if env['work_tree_changed'] else ''}"
          f", {env['date']}, nproc {env['nproc']}, python {env['python']}, load {env['loadavg_1m']} (1 min)\n")
    print(format_table(rows, COLUMNS))
    print()
    print("\n".join(notes))
    print("written " + ", ".join(str(p) for p in written))
    return 2 if skipped else 0


if __name__ == "__main__":
    sys.exit(main())
