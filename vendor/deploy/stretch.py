"""A stretch of the lifecycle (the events between two traffic changes) run by the host agent in one
SSH exec: the plan that goes to it, and the reading of what it streams back.

The agent (`host_agent.py run`, plan on stdin) prints the hooks' output as it comes and, between
it, result lines "@@vend:NONCE {json}": an event starts, a script starts (with its timeout), a
script ended (exit code, seconds), a builtin step failed, the stretch is done. The nonce is new
for every run and known only to vend and the agent, so a hook printing a look-alike line cannot
pass for a result. `Stream` turns those lines back into what one SSH exec per step gave before:
progress lines "EVENT: line", the events reached, the hooks' own time, the first failure, and a
deadline for the step now running (its script's timeout plus a margin), which `ssh.run` watches.
"""
from __future__ import annotations

import json
import math
import secrets
import time
from dataclasses import dataclass, field
from typing import Callable

from vendor.deploy.lifecycle import Step

TRAFFIC_CHANGES = ("BlockTraffic", "AllowTraffic")  # done by vend itself, between the agent's runs
PREFIX = "@@vend:"
TIMEOUT_EXIT = 124  # the agent's exit code for a script it killed at its timeout
OUTPUT_OPEN_EXIT = 125  # ... for a script that ended while a process it left kept its output open
AGENT_START = 60.0  # seconds for the agent to start and report its first event
BUILTIN_TIMEOUT = 600.0  # seconds for any builtin step (unpack, install, ...), as before


def hook_failure(location: str, runas: str | None, timeout, exit_code: int) -> str:
    """How a hook script's exit code reads as a failure ("" when it succeeded), as the agent words it."""
    if exit_code == 0:
        return ""
    if exit_code == TIMEOUT_EXIT:
        return f"{location} timed out after {timeout}s and was killed"
    if exit_code == OUTPUT_OPEN_EXIT:
        return (f"{location} failed to close STDOUT within {timeout}s: a background process kept its output open "
                "(see the warning above)")
    who = f" run as user {runas}" if runas else ""
    return f"{location}{who} exited with {exit_code}"


def stretches(steps: list[Step]) -> list[list[Step] | Step]:
    """`steps` cut at the traffic changes: runs of agent steps (lists) and the changes themselves."""
    out: list[list[Step] | Step] = []
    run: list[Step] = []
    for step in steps:
        if step.event in TRAFFIC_CHANGES:
            out += [run] if run else []
            out.append(step)
            run = []
        else:
            run.append(step)
    return out + ([run] if run else [])


@dataclass
class Plan:
    """What one agent run does: [{"event", "actions": [{NAME: args}]}], plus where each script's
    path came from (its appspec location, for messages)."""

    events: list[dict] = field(default_factory=list)
    locations: dict[str, str] = field(default_factory=dict)
    runas: dict[str, str | None] = field(default_factory=dict)
    nonce: str = field(default_factory=lambda: secrets.token_hex(12))

    def event(self, name: str) -> list[dict]:
        self.events.append({"event": name, "actions": []})
        return self.events[-1]["actions"]

    def hook(self, actions: list[dict], args: dict, location: str, runas: str | None = None) -> None:
        actions.append({"hook": args})
        self.locations[args["script"]] = location
        self.runas[args["script"]] = runas

    @property
    def empty(self) -> bool:
        return not any(e["actions"] for e in self.events)

    @property
    def timeout(self) -> float:
        """The outer bound of the whole run: every step's own bound added up."""
        total = AGENT_START
        for e in self.events:
            total += BUILTIN_TIMEOUT
            total += sum(a["hook"]["timeout"] for a in e["actions"] if "hook" in a)
        return total

    def stdin(self) -> str:
        return json.dumps({"nonce": self.nonce, "events": self.events})


class Stream:
    """Reads one agent run's output lines (see the module's doc)."""

    def __init__(self, plan: Plan, events: list[str], on_line: Callable[[str], None], margin: float):
        self.plan, self.events, self.on_line, self.margin = plan, events, on_line, margin
        self.prefix = f"{PREFIX}{plan.nonce} "
        self.event: str | None = None
        self.script: str | None = None  # location of the script running now
        self.script_timeout: float | None = None
        self.script_started = 0.0
        self.failure: tuple[str, str] | None = None  # (event, message)
        self.hook_seconds = 0.0
        self.done = False
        self._deadline = time.monotonic() + AGENT_START
        self._held = False

    def deadline(self) -> float:
        return math.inf if self._held else self._deadline

    def hold(self) -> None:
        """The run was started ahead of its turn: no deadline until `release`."""
        self._held = True

    def release(self) -> None:
        self._held, self._deadline = False, time.monotonic() + AGENT_START

    def feed(self, stream: str, line: str) -> None:
        if stream == "stdout" and line.startswith(self.prefix):
            self._result(json.loads(line[len(self.prefix):]))
        elif stream == "stdout" or self.script is not None:
            self.on_line(f"{self.event}: {line}")

    def _result(self, r: dict) -> None:
        now = time.monotonic()
        if "event" in r:
            self.event, self.script = r["event"], None
            self.events.append(r["event"])
            self._deadline = now + BUILTIN_TIMEOUT
        elif "hook" in r and "exit" not in r:
            self.script = self.plan.locations.get(r["hook"], r["hook"])
            self.script_timeout = r["timeout"]
            self.script_started = now
            self._deadline = now + float(r["timeout"]) + self.margin
        elif "hook" in r:
            self.hook_seconds += float(r["seconds"])
            message = hook_failure(self.script, self.plan.runas.get(r["hook"]), self.script_timeout, r["exit"])
            if message:
                self.failure = (self.event, message)
            self.script = None
            self._deadline = now + BUILTIN_TIMEOUT
        elif "error" in r:
            self.failure = (self.event, r["error"])
        elif r.get("done"):
            self.done = True
