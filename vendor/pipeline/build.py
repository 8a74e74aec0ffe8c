"""Run a buildspec locally, as CodeBuild would, in an isolated working directory.

Phase order install -> pre_build -> build -> post_build. Commands of one phase stop at the first
failure; `finally` commands always run after them. A failed install or pre_build skips the
rest; a failed build still runs post_build (CodeBuild's rule); `on-failure: CONTINUE` goes on.
Environment variables and the working directory carry over from one phase to the next, as in
one shell session. The whole build has a timeout; on expiry the phase's process group is killed.
Artifacts (`files` globs under `base-directory`) are collected only when the build succeeded.
"""
from __future__ import annotations

import os
import shlex
import shutil
import signal
import subprocess
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from vendor.pipeline.buildspec import BuildSpec, Phase

Output = Callable[[str, str], None]  # (phase, line)


@dataclass(frozen=True)
class PhaseResult:
    name: str
    status: str  # SUCCEEDED | FAILED | SKIPPED | TIMED_OUT
    seconds: float = 0.0
    message: str = ""


@dataclass
class BuildResult:
    build_id: str
    ok: bool
    phases: list[PhaseResult] = field(default_factory=list)
    artifact_dir: Path | None = None
    log: Path | None = None
    message: str = ""


def run_build(spec: BuildSpec, source: Path, work: Path, *, env: dict[str, str] | None = None,
              timeout: float = 3600, on_output: Output | None = None) -> BuildResult:
    build_id = f"local-build:{uuid.uuid4()}"
    src, state = work / "src", work / "state"
    if work.exists():
        shutil.rmtree(work)
    shutil.copytree(source, src, symlinks=True, ignore=shutil.ignore_patterns(".git"))
    state.mkdir(parents=True)
    (state / "cwd").write_text(str(src))
    base_env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(work), "LANG": "C.UTF-8",
                "CODEBUILD_BUILD_ID": build_id, "CODEBUILD_SRC_DIR": str(src), "CODEBUILD_LOCAL": "true",
                **spec.variables, **(env or {})}
    result = BuildResult(build_id, ok=True, log=work / "build.log")
    deadline = time.monotonic() + timeout
    skip_to_end = False
    with open(result.log, "a") as log:
        def emit(phase: str, line: str) -> None:
            log.write(f"[{phase}] {line}\n")
            log.flush()
            if on_output:
                on_output(phase, line)

        for phase in spec.phases:
            if skip_to_end:
                result.phases.append(PhaseResult(phase.name, "SKIPPED"))
                continue
            outcome = _run_phase(spec, phase, state, base_env, deadline, emit)
            result.phases.append(outcome)
            if outcome.status == "SUCCEEDED":
                continue
            result.ok = False
            result.message = result.message or f"{phase.name} {outcome.status.lower()}: {outcome.message}"
            if outcome.status == "TIMED_OUT" or (phase.on_failure == "ABORT" and phase.name != "build"):
                skip_to_end = True
    if result.ok:
        result.artifact_dir = collect_artifacts(spec, src, work / "artifact")
    return result


def _run_phase(spec: BuildSpec, phase: Phase, state: Path, env: dict, deadline: float, emit) -> PhaseResult:
    started = time.monotonic()
    status, message = "SUCCEEDED", ""
    for part, commands in (("commands", phase.commands), ("finally", phase.finally_)):
        if not commands:
            continue
        code = _run_shell(spec.shell, _script(commands, state), env, deadline, lambda line: emit(phase.name, line))
        if code is None:
            return PhaseResult(phase.name, "TIMED_OUT", time.monotonic() - started, "build timeout reached")
        if code != 0 and status == "SUCCEEDED":
            status, message = "FAILED", f"{part} exited with {code}"
    return PhaseResult(phase.name, status, time.monotonic() - started, message)


def _script(commands: tuple[str, ...], state: Path) -> str:
    env_file, cwd_file = shlex.quote(str(state / "env.sh")), shlex.quote(str(state / "cwd"))
    lines = ["set -e", f"[ -f {env_file} ] && . {env_file}", f'cd "$(cat {cwd_file})"',
             f"trap 'export -p > {env_file}; pwd > {cwd_file}' EXIT"]
    return "\n".join(lines + list(commands)) + "\n"


def _run_shell(shell: str, script: str, env: dict, deadline: float, emit: Callable[[str], None]) -> int | None:
    proc = subprocess.Popen([shell, "-c", script], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            stdin=subprocess.DEVNULL, start_new_session=True)
    os.set_blocking(proc.stdout.fileno(), False)
    pending = b""
    while True:
        chunk = proc.stdout.read() or b""
        pending += chunk
        *lines, pending = pending.split(b"\n")
        for line in lines:
            emit(line.decode(errors="replace"))
        if proc.poll() is not None and not chunk:
            break
        if time.monotonic() > deadline:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            return None
        time.sleep(0.02)
    if pending:
        emit(pending.decode(errors="replace"))
    return proc.returncode


def collect_artifacts(spec: BuildSpec, src: Path, out: Path) -> Path:
    base = src / spec.base_directory if spec.base_directory else src
    out.mkdir(parents=True, exist_ok=True)
    for pattern in spec.artifact_files or ("**/*",):
        for path in sorted(base.glob(pattern)):
            if not path.is_file() or ".git" in path.relative_to(base).parts:
                continue
            target = out / (path.name if spec.discard_paths else path.relative_to(base))
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, target)
    return out
