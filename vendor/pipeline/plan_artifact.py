"""The plan artifact: what the infrastructure pipeline's Plan build hands the approvers and Apply.

A directory (CodeBuild's output artifact `plan`) with:
- plan.json: the plan's id, environment, region, the AMI it launches, the commit and the config's
  path and SHA-256 it was made from, and its changes (`approved.canonical`): what apply may do;
- plan.txt: the plan as the approvers read it (the approval links to its copy in the bucket);
- variables.sh: PLAN_ID, PLAN_SUMMARY, AMI, COMMIT for the buildspec's exported variables.

Apply takes exactly this: it plans again from the same source with the artifact's AMI and
applies only when that plan has the artifact's changes (AWS did not drift from the plan's base).
"""
from __future__ import annotations

import hashlib
import json
import shlex
from dataclasses import asdict, dataclass
from pathlib import Path

from vendor.plan.approved import canonical, differences_of

PLAN, TEXT, VARIABLES = "plan.json", "plan.txt", "variables.sh"
FORMAT = 1


class PlanArtifactError(Exception):
    pass


@dataclass(frozen=True)
class PlanArtifact:
    plan_id: str
    environment: str
    region: str
    ami: str
    commit: str
    config: str  # the config's path in its repository
    config_sha256: str
    summary: str
    changes: dict

    def drift(self, fresh_steps) -> list[str]:
        """Why a plan made now is not this one (empty: apply may carry it out)."""
        return differences_of(self.changes, canonical(fresh_steps))


def sha256_of(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def write(out: Path, artifact: PlanArtifact, text: str) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / PLAN).write_text(json.dumps({"format": FORMAT, **asdict(artifact)}, indent=2, sort_keys=True) + "\n")
    (out / TEXT).write_text(text)
    values = {"PLAN_ID": artifact.plan_id, "PLAN_SUMMARY": artifact.summary, "AMI": artifact.ami,
              "COMMIT": artifact.commit}
    (out / VARIABLES).write_text("".join(f"export {k}={shlex.quote(v)}\n" for k, v in values.items()))


def read(path: Path) -> PlanArtifact:
    """The artifact at `path`; PlanArtifactError naming the file and what is wrong."""
    try:
        data = json.loads(Path(path).read_text())
    except FileNotFoundError:
        raise PlanArtifactError(f"{path}: no plan artifact here (the Plan stage's output, plan/{PLAN})") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise PlanArtifactError(f"{path}: not a plan artifact: {e}") from None
    fields = PlanArtifact.__dataclass_fields__
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise PlanArtifactError(f"{path}: format {data.get('format') if isinstance(data, dict) else None!r} is not "
                                f"{FORMAT} (made by another vend version: run the release again)")
    wrong = [name for name in fields if not isinstance(data.get(name), dict if name == "changes" else str)]
    if wrong:
        raise PlanArtifactError(f"{path}: {', '.join(wrong)} missing or of the wrong type; not a plan artifact vend made")
    return PlanArtifact(**{name: data[name] for name in fields})
