"""The progress line under Packer's streamed output: elapsed time and the current step. Pure.

Packer announces each step with a `==> SOURCE: what` line; everything else is the output of
the step (a provisioning script's lines, indented `    SOURCE: ...`).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

STEP = re.compile(r"^==> (?P<source>[\w.-]+): (?P<what>.+)$")
WIDTH = 100


def clock(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    return f"{minutes}:{secs:02d}"


@dataclass
class Progress:
    label: str  # e.g. "bake acme-production"
    steps: int = 0
    step: str = "starting Packer"

    def feed(self, line: str) -> bool:
        """Take one line of Packer's output; whether it began a new step."""
        match = STEP.match(line)
        if not match:
            return False
        self.steps += 1
        self.step = match["what"].strip()
        return True

    def line(self, elapsed: float) -> str:
        text = f"[{self.label} {clock(elapsed)}] step {self.steps}: {self.step}"
        return text if len(text) <= WIDTH else text[: WIDTH - 3] + "..."
