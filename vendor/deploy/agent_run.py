"""The host agent as vend starts it: where it lives on a host, its version (a hash of its source),
and one `host_agent.py run` on a connection (stretch.py says what goes in and how its output
reads back).

An AgentRun runs at once (`wait`), or is started ahead of the host's turn and held on its input
(`start_held`): the agent is then up and waiting when the turn comes, and `wait` only sends the
plan; `discard` calls it off (the rollout stopped first) and it removes the pre-staged copy.
"""
from __future__ import annotations

import hashlib
import json
import math
import threading
from concurrent.futures import Future
from pathlib import Path
from typing import TYPE_CHECKING

from vendor.deploy.stretch import Plan, Stream
from vendor.ssh import Result, run

if TYPE_CHECKING:
    from vendor.deploy.engine import HostDeployer

AGENT_PATH = "/opt/codedeploy-agent/vend-host-agent.py"
AGENT_SOURCE = Path(__file__).with_name("host_agent.py")
AGENT_HASH = hashlib.sha256(AGENT_SOURCE.read_bytes()).hexdigest()  # uploaded only when the host's differs
COMMAND_MARGIN = 30  # seconds the SSH call waits beyond a hook's own timeout


class AgentRun:
    """One `host_agent.py run` on the deployer's connection: run now (`wait`), or started ahead
    and held on its input (`start_held`) until `wait` releases it or `discard` calls it off."""

    def __init__(self, deployer: "HostDeployer", plan: Plan):
        self.deployer, self.plan = deployer, plan
        self.events: list[str] = []
        host = deployer.conn.host.name
        self.stream = Stream(plan, self.events, lambda line: deployer.on_output(host, line), COMMAND_MARGIN)
        self.input: Future = Future()
        self.held = False
        self._thread: threading.Thread | None = None
        self._result: Result | None = None
        self._error: BaseException | None = None

    def start_held(self) -> None:
        self.held = True
        self.stream.hold()
        self._thread = threading.Thread(target=self._run, name=f"agent-{self.deployer.conn.host.name}", daemon=True)
        self._thread.start()

    def wait(self) -> Result:
        self._release(self.plan.stdin())
        if self._thread is None:
            self._run()
        else:
            self._thread.join()
        if self._error is not None:
            raise self._error
        return self._result

    def discard(self, staged: str) -> None:
        self._release(json.dumps({"nonce": self.plan.nonce, "events": [], "discard": staged}))
        self._thread.join()
        if self._error is not None:
            raise self._error

    def _release(self, data: str) -> None:
        self.held = False
        self.stream.release()
        self.input.set_result(data)

    def _run(self) -> None:
        d = self.deployer
        try:
            self._result = run(d.conn, [*d.sudo, "python3", AGENT_PATH, "run"], input=self.input, timeout=math.inf,
                               deadline=self.stream.deadline, on_output=self.stream.feed)
        except BaseException as e:  # handed to the thread that waits for it
            self._error = e
