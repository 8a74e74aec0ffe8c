"""Pipeline executions as records in the state directory: stages, times, results."""
from __future__ import annotations

import json
import time
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path

STAGES = ("Source", "Build", "Approve", "Deploy")


@dataclass
class StageRecord:
    name: str
    status: str = "Pending"  # Pending | InProgress | Succeeded | Failed | Skipped | Rejected
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
    def __init__(self, state_dir: Path, pipeline: str):
        self.dir = Path(state_dir) / "pipelines" / pipeline / "executions"
        self.dir.mkdir(parents=True, exist_ok=True)

    def save(self, execution: Execution) -> None:
        tmp = self.dir / f".{execution.id}.tmp"
        tmp.write_text(json.dumps(asdict(execution), indent=2))
        tmp.replace(self.dir / f"{execution.id}.json")

    def all(self) -> list[Execution]:
        out = []
        for path in self.dir.glob("*.json"):
            data = json.loads(path.read_text())
            data["stages"] = [StageRecord(**s) for s in data["stages"]]
            out.append(Execution(**data))
        return sorted(out, key=lambda e: e.started)
