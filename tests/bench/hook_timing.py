"""The hook scripts' own time, measured ON the host, the same way whichever tool runs them.

`instrument(revision)` puts two lines after the shebang of every hook script the appspec names:
the script notes its start time and, on exit (success or failure), appends
"DEPLOYMENT_ID LIFECYCLE_EVENT SCRIPT START END" to LOG on the host. Both tools give hooks the
CodeDeploy environment, so `hook_seconds` can sum a deployment's lines from each host's disk
(its upper layer on this machine), without any round trip through either tool.
"""
from __future__ import annotations

from pathlib import Path

import yaml

LOG = "/var/tmp/vend-bench-hooks.log"
PROLOGUE = (
    "__bench_t0=$(date +%s.%N)\n"
    "trap 'echo \"${DEPLOYMENT_ID:-none} ${LIFECYCLE_EVENT:-none} $0 $__bench_t0 $(date +%s.%N)\""
    f" >> {LOG}' EXIT\n"
)


def instrument(revision: Path) -> Path:
    appspec = yaml.safe_load((revision / "appspec.yml").read_text())
    locations = {s["location"] for scripts in (appspec.get("hooks") or {}).values() for s in scripts}
    for location in sorted(locations):
        script = revision / location
        shebang, rest = script.read_text().split("\n", 1)
        if not shebang.startswith("#!/bin/sh"):
            raise ValueError(f"{script}: only /bin/sh hooks are instrumented, found {shebang!r}")
        script.write_text(f"{shebang}\n{PROLOGUE}{rest}")
    return revision


def hook_seconds(upper_dirs: list[Path], deployment_id: str) -> tuple[float, int]:
    """(seconds inside hook scripts, number of scripts run) of one deployment over the hosts."""
    total, count = 0.0, 0
    for upper in upper_dirs:
        log = Path(upper) / LOG.lstrip("/")
        if not log.exists():
            continue
        for line in log.read_text().splitlines():
            fields = line.split()
            if len(fields) == 5 and fields[0] == deployment_id:
                total += float(fields[4]) - float(fields[3])
                count += 1
    return total, count
