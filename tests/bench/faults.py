"""`scripts/bench --faults`: the fault tests in one pytest run, then one table: each test, its
result and time, and what it proves. Results also go to build/bench/faults.json.

Selected: every test marked `slow_fault` (deselected from the normal suite by pyproject.toml's
addopts) and the quick fault tests that stay in the normal suite (QUICK_FAULTS). What a test proves
is the first sentence of its docstring, else its name in words. Tests needing root (local SSH
hosts) are skipped without it, and say so. Standalone: python -m tests.bench.faults [PYTEST ARGS]
"""
from __future__ import annotations

import re
import sys

import pytest

from tests.bench.results import write_result
from tests.bench.table import Column, format_table

NAME = "faults"
MARKER = "slow_fault"
QUICK_FAULTS = (  # node ids or files, relative to the repository
    "tests/ssh/test_faults.py",
    "tests/ssh/test_run.py::test_timeout_kills_the_whole_process_group",
    "tests/deploy/test_engine.py::test_hook_over_its_timeout_is_killed_with_its_process_group",
    "tests/deploy/test_rollout_faults.py",
    "tests/aws/test_stack_e2e.py::test_apply_killed_after_random_call_converges",
)
COLUMNS = [Column("result", "result"), Column("seconds", "s", ".1f"), Column("test", "test"),
           Column("proves", "what it proves")]


def selected(nodeid: str, marked: bool) -> bool:
    return marked or any(nodeid == q or nodeid.startswith(q + "::") for q in QUICK_FAULTS)


def proves(item) -> str:
    doc = " ".join((item.obj.__doc__ or "").split())
    if doc:
        return re.split(r"(?<=[.!?])\s", doc, maxsplit=1)[0]
    return item.name.removeprefix("test_").replace("_", " ")


class FaultRun:
    """pytest plugin: keeps only the fault tests, and records each one's outcome."""

    def __init__(self):
        self.rows: dict[str, dict] = {}

    def pytest_collection_modifyitems(self, config, items):
        keep = [i for i in items if selected(i.nodeid, i.get_closest_marker(MARKER) is not None)]
        config.hook.pytest_deselected(items=[i for i in items if i not in keep])
        items[:] = keep
        for item in keep:
            self.rows[item.nodeid] = {"benchmark": NAME, "test": item.nodeid.removeprefix("tests/"),
                                      "slow": item.get_closest_marker(MARKER) is not None,
                                      "proves": proves(item), "result": "not run", "seconds": 0.0}

    def pytest_runtest_logreport(self, report):
        row = self.rows.get(report.nodeid)
        if row is None:
            return
        row["seconds"] = round(row["seconds"] + report.duration, 2)
        if report.skipped:
            reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
            row["result"] = f"skipped ({reason.removeprefix('Skipped: ')})"
        elif report.failed:
            row["result"] = "FAILED" if report.when == "call" else f"ERROR in {report.when}"
        elif report.when == "call" and row["result"] == "not run":
            row["result"] = "passed"


def run(pytest_args: list[str] | None = None) -> tuple[int, list[dict]]:
    plugin = FaultRun()
    code = pytest.main(["-m", "", "--continue-on-collection-errors", "-p", "no:cacheprovider",
                        *(pytest_args or ["-q", "tests"])], plugins=[plugin])
    return int(code), list(plugin.rows.values())


def main(argv: list[str] | None = None) -> int:
    code, rows = run(argv)
    print()
    print(format_table(rows, COLUMNS))
    counts = {word: sum(1 for r in rows if r["result"].startswith(word)) for word in ("passed", "skipped")}
    failed = len(rows) - counts["passed"] - counts["skipped"]
    print(f"\nfaults: {counts['passed']} passed, {failed} failed, {counts['skipped']} skipped "
          f"({sum(r['slow'] for r in rows)} marked {MARKER}, the others quick ones from the normal suite)")
    written = write_result(NAME, {"pytest_exit_code": code, "results": rows})
    print(f"written {written}")
    if failed or code not in (0, 5) or not rows:
        return 1
    return 2 if counts["skipped"] else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:] or None))
