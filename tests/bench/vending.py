"""Benchmark: AWS API calls and wall time of `vend apply` for 1, 50 and 500 customers sharing listeners.

Against the embedded emulator (a moto server in its own process, `relax_moto()` applied, reached
over HTTP), vends customers c0001..c0500 one after another: variants of configs/acme-staging.yaml
(each its own host rule, repository and AMI) in one existing VPC, all listing the same shared
ALBs in `routing/shared_load_balancers` (100 rules per ALB, so 500 customers fill 5).

Rows: the apply of customer N when N-1 are already vended (N = 1, 50, 500), a no-op re-apply of
it right after, the cumulative cost of vending customers 1..N, and a no-op re-apply of customer 1
once all are vended. Those applies are `vend apply`'s code path, `vendor.cli.stack._open` (config,
new boto3 session, facts, wanted resources) then `vendor.aws.executor.apply`, counted by its
CallCounter; the customers in between reuse one session (same calls, less client set-up) to keep
the run short. The notes say whether one more customer costs more calls or time as N grows.
Standalone: python -m tests.bench.vending [--quick] [CHECKPOINT ...]
"""
from __future__ import annotations

import argparse
import contextlib
import math
import os
import shutil
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from tests.aws.conftest import REGION, Cloud
from tests.bench.render_throughput import variants
from tests.bench.results import RESULTS_DIR
from tests.bench.table import Column, format_table
from vendor.aws import executor
from vendor.aws.calls import CallCounter
from vendor.aws.endpoint import DUMMY_CREDENTIALS
from vendor.aws.stack_ops import Target, context, load_stack
from vendor.cli.stack import _open
from vendor.config.loader import load_config
from vendor.plan.priority import RULES_PER_LOAD_BALANCER
from vendor.sandbox import emulator

NAME = "vending"
COUNTS = (1, 50, 500)
QUICK_COUNTS = (1, 10, 50)


@dataclass(frozen=True)
class Apply:
    customer: int  # 1-based: customer N is applied when N-1 are already vended
    wall_s: float
    calls: Counter  # "service:Operation" -> count
    changed: int
    cold: bool  # a fresh boto3 session, as `vend apply` has

    @property
    def total(self) -> int:
        return sum(self.calls.values())

    @property
    def mutating(self) -> int:
        return CallCounter(calls=self.calls).mutating

    @property
    def elbv2(self) -> int:
        return sum(n for key, n in self.calls.items() if key.startswith("elbv2:"))

    def row(self, case: str) -> dict:
        return {"benchmark": NAME, "case": case, "customers": self.customer, "wall_s": round(self.wall_s, 3),
                "api_calls": self.total, "mutating": self.mutating, "elbv2_calls": self.elbv2,
                "changed": self.changed, "session": "cold" if self.cold else "warm",
                "calls_by_operation": dict(sorted(self.calls.items()))}


def shared_load_balancers(count: int) -> list[str]:
    return [f"vend-bench-{i}" for i in range(1, math.ceil(count / RULES_PER_LOAD_BALANCER) + 1)]


def customer_configs(directory: Path, count: int, network: dict[str, str]) -> list[Path]:
    """c0001..c<count> staging configs on the shared ALBs, in the account's VPC."""
    lbs = ", ".join(shared_load_balancers(count))
    paths = variants(directory, count)
    for path in paths:
        text = path.read_text().replace("routing:\n", f"routing:\n  shared_load_balancers: [{lbs}]\n", 1)
        for old, new in network.items():
            text = text.replace(old, new)
        path.write_text(text)
    return paths


@contextlib.contextmanager
def endpoint_environment(url: str):
    """What `vend apply` sees when pointed at an endpoint: AWS_ENDPOINT_URL and dummy credentials."""
    key, secret = DUMMY_CREDENTIALS
    wanted = {"AWS_ENDPOINT_URL": url, "AWS_ACCESS_KEY_ID": key, "AWS_SECRET_ACCESS_KEY": secret}
    saved = {k: os.environ.get(k) for k in [*wanted, "AWS_PROFILE"]}
    os.environ.update(wanted)
    os.environ.pop("AWS_PROFILE", None)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def cold_apply(config: Path, customer: int) -> Apply:
    """What `vend apply CONFIG` does (a new boto3 session), timed from loading the config to the last call."""
    started = time.perf_counter()
    _, _, ctx, st = _open(str(config), None, None, None)
    outcome = executor.apply(ctx, st.resources)
    return Apply(customer, time.perf_counter() - started, Counter(ctx.counter.calls), outcome.changed, True)


class WarmApply:
    """The same load_config + load_stack + executor.apply, on one AWS context kept from customer to
    customer: its boto3 clients (and their service models) are made once, not per apply."""

    def __init__(self):
        self.ctx = context(Target(label="bench"), REGION, CallCounter())

    def __call__(self, config: Path, customer: int) -> Apply:
        self.ctx.counter.calls.clear()
        started = time.perf_counter()
        outcome = executor.apply(self.ctx, load_stack(self.ctx, load_config(config)).resources)
        return Apply(customer, time.perf_counter() - started, Counter(self.ctx.counter.calls), outcome.changed, False)


def no_op(config: Path, customer: int) -> Apply:
    again = cold_apply(config, customer)
    if again.mutating or again.changed:
        raise SystemExit(f"vending benchmark: the re-apply of customer {customer} was not a no-op: "
                         f"{CallCounter(calls=again.calls).mutating_calls()}")
    return again


def cumulative(applies: list[Apply]) -> dict:
    n, wall, calls = len(applies), sum(a.wall_s for a in applies), sum(a.total for a in applies)
    return {"benchmark": NAME, "case": f"vend customers 1..{n}", "customers": n, "wall_s": round(wall, 3),
            "api_calls": calls, "mutating": sum(a.mutating for a in applies),
            "elbv2_calls": sum(a.elbv2 for a in applies), "wall_per_customer_s": round(wall / n, 3),
            "calls_per_customer": round(calls / n, 1), "cold_applies": sum(a.cold for a in applies)}


def measure(url: str, work: Path, counts: tuple[int, ...]) -> tuple[list[dict], list[Apply]]:
    last = max(counts)
    account = Cloud(url)  # the account as a consultant finds it: a VPC, a shared certificate, AMIs
    network = account.existing_network(subnet_prefix=20)  # room for 500 fleets and databases
    account.certificate("*.bench.example", shared=True)
    paths = customer_configs(work / "configs", last, network)
    for i in range(1, last + 1):
        account.bake(f"c{i:04d}", "staging")
    rows, applies, warm = [], [], WarmApply()
    started = time.perf_counter()
    for i, path in enumerate(paths, start=1):
        first = (cold_apply if i in counts else warm)(path, i)
        if first.changed == 0:
            raise SystemExit(f"vending benchmark: the first apply of customer {i} changed nothing")
        applies.append(first)
        if i in counts:
            rows += [first.row(f"apply customer #{i} ({i - 1} vended)"),
                     no_op(path, i).row(f"re-apply customer #{i} (no-op)"), cumulative(applies)]
        if i % 50 == 0:
            print(f"bench: vending: {i}/{last} customers, {time.perf_counter() - started:.0f} s",
                  file=sys.stderr, flush=True)
    if last > 1:
        rows.append(no_op(paths[0], 1).row(f"re-apply customer #1 (no-op, {last} vended)"))
    return rows, applies


def growth_notes(applies: list[Apply]) -> list[str]:
    """Whether the cost of one more customer grows with the number already vended."""
    if len(applies) < 12:
        return []
    second, last = applies[1], applies[-1]
    samples = sorted({2, 50, 100, 101, 200, 300, 400, len(applies)} & set(range(2, len(applies) + 1)))
    grown = {op: last.calls[op] - second.calls[op] for op in last.calls | second.calls
             if last.calls[op] != second.calls[op]}
    verdict = ("flat" if not grown else "growing: " + ", ".join(
        f"{op} {n:+d}" for op, n in sorted(grown.items(), key=lambda item: -abs(item[1]))))
    early = [a.wall_s for a in applies[1:11] if not a.cold]
    late = [a.wall_s for a in applies[-11:-1] if not a.cold]
    peak = max(applies[1:], key=lambda a: a.total)
    return [f"vending: API calls to vend one more customer: "
            + ", ".join(f"#{n} {applies[n - 1].total}" for n in samples)
            + f" (most: #{peak.customer} {peak.total}); from #2 to #{last.customer} the calls are {verdict}.",
            f"vending: wall of one more customer (warm session, mean of 10): customers 2-11 "
            f"{sum(early) / len(early):.2f} s, customers {len(applies) - 10}-{len(applies) - 1} "
            f"{sum(late) / len(late):.2f} s."]


def run(counts: tuple[int, ...] = COUNTS) -> dict:
    counts = tuple(sorted(set(counts)))
    with tempfile.TemporaryDirectory(prefix="vbench-vending-") as tmp:
        state = Path(tmp) / "state"
        running, _ = emulator.start(state)
        try:
            with endpoint_environment(running.url):
                rows, applies = measure(running.url, Path(tmp), counts)
        except BaseException:
            RESULTS_DIR.mkdir(parents=True, exist_ok=True)
            shutil.copy(state / emulator.LOG, RESULTS_DIR / "vending-emulator.log")
            print(f"bench: vending failed; the emulator's log is in {RESULTS_DIR / 'vending-emulator.log'}",
                  file=sys.stderr)
            raise
        finally:
            emulator.stop(state)
    lbs = shared_load_balancers(max(counts))
    notes = [
        f"vending: customers c0001..c{max(counts):04d}, variants of configs/acme-staging.yaml (existing VPC, "
        f"database, pipeline), one host rule each on the shared ALBs {', '.join(lbs)} "
        f"(routing/shared_load_balancers; {RULES_PER_LOAD_BALANCER} rules per ALB), against the embedded "
        "emulator (moto server in its own process, over HTTP); customer #1 also creates the shared ALBs.",
        f"vending: the rows' applies (customers {', '.join(map(str, counts))} and the re-applies) are vend "
        "apply's code path with a new boto3 session each (cli.stack._open + aws.executor.apply; no interpreter "
        "start); the customers in between share one session (same calls, ~0.5 s less client set-up each).",
    ] + growth_notes(applies)
    return {"rows": rows, "notes": notes, "counts": list(counts), "shared_load_balancers": lbs,
            "per_customer": [{"customer": a.customer, "wall_s": round(a.wall_s, 3), "api_calls": a.total,
                              "mutating": a.mutating, "elbv2_calls": a.elbv2, "cold": a.cold} for a in applies]}


COLUMNS = [Column("case", "case"), Column("wall_s", "wall s", ".2f"), Column("api_calls", "API calls", "d"),
           Column("mutating", "mutating", "d"), Column("elbv2_calls", "elbv2 calls", "d"),
           Column("wall_per_customer_s", "wall/customer s", ".3f"),
           Column("calls_per_customer", "calls/customer", ".1f")]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.bench.vending")
    parser.add_argument("--quick", action="store_true", help=f"vend {max(QUICK_COUNTS)} customers, not {max(COUNTS)}")
    parser.add_argument("counts", nargs="*", type=int, help="checkpoints (default: 1 50 500)")
    args = parser.parse_args(argv)
    result = run(tuple(args.counts) or (QUICK_COUNTS if args.quick else COUNTS))
    print(format_table(result["rows"], COLUMNS))
    print("\n".join(result["notes"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
