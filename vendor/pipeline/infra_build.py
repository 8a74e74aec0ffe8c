"""The infrastructure pipeline's stages as its CodeBuild projects run them (`vend release-stage`).

The same stage code as the local runner (InfraRunner's Bake, Plan and Apply); what differs is
where the source comes from and how the plan reaches Apply:

- The source is CodePipeline's: the config repository as `vend release --engine aws` zipped it at
  a commit (no .git); `.vend-source.json` at its root says which commit (id, subject, author,
  date), so the AMI and the approval name it as the local runner does.
- `plan_in_build`: Bake + Plan, then the plan artifact (plan_artifact.py) for the approval and Apply.
- `apply_in_build`: plans again from the same source with the artifact's AMI; only when that plan
  has exactly the artifact's changes (AWS did not drift from the plan's base) is it applied, each
  change checked against it as it is made (as the local Apply stage does). Otherwise nothing is
  applied and the stage fails, naming what changed: run the release again to plan and ask again.
"""
from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from vendor.pipeline import plan_artifact
from vendor.pipeline.infra import InfraRunner, Release
from vendor.pipeline.infra_source import CommittedConfig, load_at_commit
from vendor.pipeline.source import SourceRevision, SourceStageError
from vendor.pipeline.stages import PASSED, StageFailed
from vendor.plan import render_plan
from vendor.plan.approved import canonical
from vendor.plan.release_summary import plan_lines
from vendor.plan.refresh import refresh_policy

SOURCE_INFO = ".vend-source.json"


def source_info(revision: SourceRevision, config_path: str) -> bytes:
    """What `vend release --engine aws` puts at the root of the source zip."""
    return json.dumps({"commit": revision.commit, "subject": revision.subject, "author": revision.author,
                       "date": revision.date, "config": config_path}, indent=2, sort_keys=True).encode() + b"\n"


def exported_source(root: Path, config_path: str) -> CommittedConfig:
    """The config at `config_path` inside the extracted source `root`, with its commit."""
    try:
        info = json.loads((root / SOURCE_INFO).read_text())
        revision = SourceRevision(root, str(info["commit"]), str(info.get("subject", "")), str(info.get("author", "")),
                                  str(info.get("date", "")))
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise SourceStageError(f"{root / SOURCE_INFO}: not readable ({e}); the source must be a zip `vend release "
                               "--engine aws` uploaded") from None
    path = root / config_path
    if not path.is_file():
        raise SourceStageError(f"{config_path} does not exist at commit {revision.commit[:12]}; the pipeline "
                               "releases this path (vend release CONFIG --engine aws --setup sets it)")
    return CommittedConfig(load_at_commit(path, revision.commit, config_path), revision, config_path, False)


def _stage(runner: InfraRunner, name: str, run: Callable[[Release], tuple[str, str]], rel: Release) -> bool:
    runner.on_event(name, "InProgress", "")
    try:
        status, summary = runner.guarded(run, rel)
    except StageFailed as e:
        runner.on_event(name, e.status, str(e))
        return False
    runner.on_event(name, status, summary)
    return status in PASSED


def plan_in_build(runner: InfraRunner, source: CommittedConfig, work: Path, out: Path) -> bool:
    """Bake and Plan; on success the plan artifact is in `out`."""
    rel = Release(source, work)
    work.mkdir(parents=True, exist_ok=True)
    if not (_stage(runner, "Bake", runner.bake_stage, rel) and _stage(runner, "Plan", runner.plan_stage, rel)):
        return False
    write_plan(rel, out)
    return True


def write_plan(rel: Release, out: Path) -> plan_artifact.PlanArtifact:
    """The plan artifact of `rel`'s plan (made by the Plan stage)."""
    config, planned = rel.source.config.config, rel.plan
    artifact = plan_artifact.PlanArtifact(
        plan_id=planned.id, environment=config.slug, region=rel.ctx.region, ami=rel.ami_id,
        commit=rel.source.revision.commit, config=rel.source.path,
        config_sha256=plan_artifact.sha256_of(rel.source.config.path), summary=render_plan.summary(planned.steps),
        changes=canonical(planned.steps))
    title = f"Plan for {config.customer}/{config.environment} in {rel.ctx.region}"
    lines = plan_lines(planned.steps, planned.observed, title=title, ami_id=rel.ami_id, refresh=refresh_policy(config))
    text = "\n".join([*lines, rel.source.describe()]) + "\n"
    plan_artifact.write(out, artifact, text)
    return artifact


def apply_in_build(runner: InfraRunner, source: CommittedConfig, work: Path, artifact: plan_artifact.PlanArtifact,
                   ctx, forget: Callable[[str], None]) -> bool:
    """Apply exactly `artifact`, or nothing (see the module's doc)."""
    rel = Release(source, work, ctx=ctx, ami_id=artifact.ami, forget=forget)
    work.mkdir(parents=True, exist_ok=True)

    def apply(rel: Release) -> tuple[str, str]:
        config = source.config.config
        made_from = (artifact.environment, artifact.config, artifact.config_sha256)
        here = (config.slug, source.path, plan_artifact.sha256_of(source.config.path))
        if made_from != here:
            raise StageFailed("Failed", f"plan {artifact.plan_id} was made from {artifact.config} of "
                                        f"{artifact.environment} (sha256 {artifact.config_sha256[:12]}), not from this "
                                        f"source's {source.path} (sha256 {here[2][:12]}); nothing was applied")
        if artifact.region != ctx.region:
            raise StageFailed("Failed", f"plan {artifact.plan_id} is for {artifact.region}, not {ctx.region}; "
                                        "nothing was applied")
        fresh = runner.make_plan(rel)
        drift = artifact.drift(fresh.steps)
        if drift:
            raise StageFailed("Failed", f"AWS changed since plan {artifact.plan_id} was made, so nothing was applied "
                                        f"(the approval was for that plan): {'; '.join(drift)}; run vend release "
                                        "again to plan and ask again")
        rel.plan = rel.approved = fresh
        return runner.apply_stage(rel)

    return _stage(runner, "Apply", apply, rel)
