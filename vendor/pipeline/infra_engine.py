"""`vend release` on AWS: hand a committed config to the environment's infrastructure pipeline.

`InfraPipelineEngine.release(config, commit)` exports the config's repository at the commit (the
same export the local runner's Source stage makes, so a config that cannot be read starts
nothing), zips it with `.vend-source.json` (the commit's id, subject, author, date) to the key
the pipeline's S3 source action reads, starts an execution (StartPipelineExecution: the action
does not poll) and follows it stage by stage with the local runner's progress lines, the Plan
and Apply builds' log lines as `  plan | ...` and `  apply | ...`.

`vend_package()` is vend itself as the pipeline's builds install it: a zip of this source tree
(pyproject.toml, the package and its data folders), byte for byte the same for the same files,
kept in the pipeline's bucket under a key naming its SHA-256.
"""
from __future__ import annotations

import hashlib
import io
import shutil
import zipfile
from collections.abc import Callable
from pathlib import Path

from vendor.paths import REPO_ROOT
from vendor.pipeline.engines import CodePipelineEngine
from vendor.pipeline.infra_build import SOURCE_INFO, source_info
from vendor.pipeline.infra_source import CommittedConfig, committed_config

ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # fixed: equal trees give equal zips (and equal keys)
PACKAGE_PARTS = ("pyproject.toml", "README.md", "vendor", "packer", "appspec_templates")
SKIPPED = ("__pycache__", ".pyc", ".egg-info")


def _zip(files: list[tuple[str, bytes, int]]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data, mode in sorted(files):
            info = zipfile.ZipInfo(name, ZIP_TIME)
            info.external_attr = (mode & 0o777 | 0o100000) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, data)
    return out.getvalue()


def _tree(root: Path, top: Path) -> list[tuple[str, bytes, int]]:
    paths = [top] if top.is_file() else sorted(p for p in top.rglob("*") if p.is_file() and not p.is_symlink())
    return [(p.relative_to(root).as_posix(), p.read_bytes(), p.stat().st_mode) for p in paths
            if not any(part.endswith(SKIPPED) for part in p.relative_to(root).parts)]


def vend_package(root: Path = REPO_ROOT) -> tuple[str, bytes]:
    """(key in the pipeline's bucket, zip) of vend's source tree at `root`."""
    missing = [p for p in PACKAGE_PARTS if not (root / p).exists()]
    if missing:
        raise FileNotFoundError(f"{root} is not vend's source tree (no {', '.join(missing)}); run --setup from a "
                                "checkout of vend (pip install -e)")
    data = _zip([f for part in PACKAGE_PARTS for f in _tree(root, root / part)])
    return f"vend/vend-{hashlib.sha256(data).hexdigest()[:16]}.zip", data


def source_zip(source: CommittedConfig) -> bytes:
    """The exported repository with `.vend-source.json` at its root."""
    root = source.revision.directory
    files = [f for f in _tree(root, root) if f[0] != SOURCE_INFO]
    return _zip([*files, (SOURCE_INFO, source_info(source.revision, source.path), 0o644)])


class InfraPipelineEngine:
    name = "aws"

    def __init__(self, pipeline: str, source_key: str, artifacts, runs, work_dir: Path, *, on_event, on_output,
                 build_logs=None, poll: float | None = None, sleep: Callable[[float], None] | None = None,
                 max_polls: int | None = None):
        self.pipeline, self.source_key, self.artifacts, self.runs = pipeline, source_key, artifacts, runs
        self.work_dir, self.on_event = Path(work_dir), on_event
        self.follower = CodePipelineEngine(pipeline, None, artifacts, runs, None, work_dir, on_event=on_event,
                                           on_output=on_output, poll=poll, sleep=sleep, max_polls=max_polls,
                                           build_logs=build_logs, build_stages=("Plan", "Apply"),
                                           follow_command="vend pipeline follow CONFIG --infra")

    def release(self, config: str | Path, commit: str) -> tuple[str, str]:
        work = self.work_dir / "source"
        shutil.rmtree(work, ignore_errors=True)
        try:
            source = committed_config(config, commit, work)
            data = source_zip(source)
        finally:
            shutil.rmtree(work, ignore_errors=True)
        version = self.artifacts.put(self.source_key, data, "application/zip", {"commit": source.revision.commit})
        self.on_event("Source", "Uploaded", f"{source.describe()}; {self.artifacts.uri(self.source_key)}"
                      + (f" version {version}" if version else ""))
        execution_id = self.runs.start(self.pipeline)
        self.on_event("Pipeline", "Started", f"execution {execution_id} of {self.pipeline}")
        return self.follower.follow(execution_id)
