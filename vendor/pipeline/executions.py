"""Pipeline executions as records in the state directory (private: 0700 / 0600): stages, times,
results. Each record is written whole (a temporary file, then renamed); one that cannot be read
is skipped with a warning naming it."""
from __future__ import annotations

import json
import time
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path

from vendor.state import Warn, private_dir, warn_on_stderr, write_private

STAGES = ("Source", "Build", "Approve", "Deploy")


@dataclass
class StageRecord:
    name: str
    status: str = "Pending"  # Pending | InProgress | Succeeded | Failed | Skipped | Rejected | NotRun
    started: float | None = None
    ended: float | None = None
    summary: str = ""


@dataclass
class Execution:
    pipeline: str
    id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])
    status: str = "InProgress"
    started: float = field(default_factory=time.time)
    ended: float | None = None
    source: str = ""
    commit: str = ""
    stages: list[StageRecord] = field(default_factory=lambda: [StageRecord(s) for s in STAGES])

    def stage(self, name: str) -> StageRecord:
        return next(s for s in self.stages if s.name == name)


class Executions:
    def __init__(self, state_dir: Path, pipeline: str, *, warn: Warn = warn_on_stderr):
        self.dir = private_dir(Path(state_dir) / "pipelines" / pipeline / "executions")
        self.warn = warn

    def save(self, execution: Execution) -> None:
        write_private(self.dir / f"{execution.id}.json", json.dumps(asdict(execution), indent=2))

    def all(self) -> list[Execution]:
        """Every readable execution, oldest first; an unreadable record is skipped and named."""
        out = []
        for path in sorted(self.dir.glob("*.json")):
            try:
                data = json.loads(path.read_bytes())
            except ValueError:
                self.warn(f"{path}: not a readable execution record (not JSON: a truncated write?); skipped")
                continue
            except OSError as e:
                self.warn(f"{path}: not a readable execution record ({e.strerror or e}); skipped")
                continue
            execution = _execution(data)
            if execution is None:
                self.warn(f"{path}: not a readable execution record (fields missing or of the wrong type); skipped")
                continue
            out.append(execution)
        return sorted(out, key=lambda e: e.started)


def _execution(data) -> Execution | None:
    try:
        stages = [StageRecord(**s) for s in data["stages"]]
        execution = Execution(**{**data, "stages": stages})
    except (TypeError, KeyError):
        return None
    fields = (execution.pipeline, execution.id, execution.status, execution.source, execution.commit)
    if not all(isinstance(f, str) for f in fields) or not isinstance(execution.started, (int, float)) \
            or not all(isinstance(s.name, str) and isinstance(s.status, str) and isinstance(s.summary, str)
                       for s in stages):
        return None
    return execution
