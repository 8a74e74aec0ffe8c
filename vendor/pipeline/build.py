"""Run a buildspec locally, as CodeBuild would, in an isolated working directory.

Phase order install -> pre_build -> build -> post_build. Each command runs on its own and its
exit status is checked (see build_script.py for how the shell state carries over, as in
CodeBuild's one shell instance); the first failing command ends the phase's commands, and
`finally` commands always run after them. A failed install or pre_build skips the rest; a
failed build still runs post_build (CodeBuild's rule); `on-failure: CONTINUE` goes on;
`on-failure: RETRY[-count][-regex]` runs a failed phase (commands and finally) again, up to
count times (3 by default), while its error message (the phase's COMMAND_EXECUTION_ERROR
context) matches regex, the shell state carried on as in one shell; when the retries run out
it fails as ABORT does. The whole build has a timeout; on expiry the command's process group
is killed. Then UPLOAD_ARTIFACTS (artifacts.py) collects the primary artifact when the build
succeeded and the buildspec has one.

Every build runs in its own throw-away build environment (vendor/sandbox/build_env.py), never on
the controller: the source is copied in, the commands run there as an unprivileged user (the
buildspec's run-as, else `build`) with only CodeBuild's variables and the buildspec's, every
process of the build is killed when it ends, and vend copies the artifacts out afterwards.
"""
from __future__ import annotations

import re
import shutil
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Callable

from vendor.pipeline.artifacts import ArtifactError, collect
from vendor.pipeline.build_script import ShellState, StateStore, command_script, read_state, write_state
from vendor.pipeline.buildspec import BuildSpec, Phase
from vendor.pipeline.codebuild_vars import builtin_variables
from vendor.sandbox.build_env import PATH, SRC, STATE, BuildEnvironment, BuildEnvironmentError, UserRefused

DEFAULT_USER = "build"  # the unprivileged user builds run as unless the buildspec says run-as

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
    artifact_files: list[str] = field(default_factory=list)
    log: Path | None = None
    message: str = ""
    exported: dict[str, str] = field(default_factory=dict)  # env/exported-variables at the end of the build


def run_build(spec: BuildSpec, source: Path, work: Path, *, env: dict[str, str] | None = None,
              timeout: float = 3600, on_output: Output | None = None, context: dict | None = None,
              tools: tuple[Path, ...] = ()) -> BuildResult:
    """`context`: what CodeBuild would know of the build (commit, project, initiator, region,
    number); see codebuild_vars.builtin_variables. `tools`: directories of this machine added
    read-only to the build image (tests' stand-ins)."""
    context = dict(context or {})
    build_id = f"{context.get('project') or 'local-build'}:{uuid.uuid4()}"
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    result = BuildResult(build_id, ok=True, log=work / "build.log")
    user = spec.run_as or DEFAULT_USER
    try:
        environment = BuildEnvironment(work / "env", users=(user, *(p.run_as for p in spec.phases if p.run_as)),
                                       tools=tools)
    except BuildEnvironmentError as e:
        result.ok, result.message = False, f"{spec.file}: {e}" if isinstance(e, UserRefused) else str(e)
        return result
    try:
        try:
            environment.copy_in(source, user)
            environment.start()
        except BuildEnvironmentError as e:
            result.ok, result.message = False, str(e)
            return result
        _run_phases(spec, environment, user, result, env, context, timeout, on_output, work)
    finally:
        environment.stop()  # every process the build started dies here, whatever happened
        environment.remove()
    return result


def _run_phases(spec: BuildSpec, environment: BuildEnvironment, user: str, result: BuildResult, env: dict | None,
                context: dict, timeout: float, on_output: Output | None, work: Path) -> None:
    base_env = {"PATH": PATH, "HOME": environment.home(user), "LANG": "C.UTF-8",
                **spec.variables, **builtin_variables(result.build_id, PurePosixPath(SRC), context), **(env or {})}
    shell = _Shell(environment, user)
    run = _Run(spec, PurePosixPath(SRC), base_env, time.monotonic() + timeout, environment, STATE, shell)
    skip_to_end = False
    with open(result.log, "a") as log:
        def emit(phase: str, line: str) -> None:
            log.write(f"[{phase}] {line}\n")
            log.flush()
            if on_output:
                on_output(phase, line)

        run.log = lambda line: (log.write(f"[Container] {line}\n"), log.flush())
        for phase in spec.phases:
            if skip_to_end:
                result.phases.append(PhaseResult(phase.name, "SKIPPED"))
                continue
            run.succeeding = result.ok
            shell.user = phase.run_as or user
            outcome = run.phase(phase, lambda line, name=phase.name: emit(name, line))
            for attempt in range(1, phase.retries + 1):
                if outcome.status != "FAILED" or not re.search(phase.retry_pattern, outcome.message):
                    break
                run.log(f"Retrying phase {phase.name.upper()} (retry {attempt} of {phase.retries})")
                outcome = run.phase(phase, lambda line, name=phase.name: emit(name, line))
            result.phases.append(outcome)
            if outcome.status == "SUCCEEDED":
                continue
            result.ok = False
            reason = outcome.message.split(": ", 1)[-1]
            result.message = result.message or f"{phase.name} {outcome.status.lower()}: {reason}"
            if outcome.status == "TIMED_OUT" or (phase.on_failure != "CONTINUE" and phase.name != "build"):
                skip_to_end = True
        result.exported = {k: run.value(k) for k in spec.exported if run.value(k) is not None}
        environment.stop()  # nothing of the build runs while vend copies its artifacts out
        if result.ok and spec.has_artifacts:
            _upload_artifacts(spec, environment.host_src, work / "artifact", result,
                              {**run.state.plain, **run.state.exported})


class _Shell:
    """Runs one command's shell inside the build environment, as the phase's user (with that
    user's HOME when a phase's run-as differs from the build's)."""

    def __init__(self, environment: BuildEnvironment, user: str):
        self.environment, self.user, self.build_user = environment, user, user

    def __call__(self, shell: str, script: str, env: dict, deadline: float, emit: Callable[[str], None]) -> int | None:
        if self.user != self.build_user:
            env = {**env, "HOME": self.environment.home(self.user)}
        return self.environment.run([shell, "-c", script], env, cwd=SRC, user=self.user, deadline=deadline, emit=emit)


def _upload_artifacts(spec: BuildSpec, src: Path, out: Path, result: BuildResult, variables: dict) -> None:
    started = time.monotonic()
    try:
        result.artifact_files = collect(spec, src, out, variables, inside=PurePosixPath(SRC))
    except ArtifactError as e:
        result.ok, result.message = False, f"UPLOAD_ARTIFACTS failed: {e}"
        result.phases.append(PhaseResult("UPLOAD_ARTIFACTS", "FAILED", time.monotonic() - started, str(e)))
        return
    result.artifact_dir = out


RunShell = Callable[[str, str, dict, float, Callable[[str], None]], "int | None"]  # (shell, script, env, deadline, emit)


class _Run:
    """The commands of one build, one at a time, with the shell state carried between them.
    Where the shell runs is `run_shell`'s business; the state files go through `store`, which
    the shell sees at `state_path`."""

    def __init__(self, spec: BuildSpec, src: PurePosixPath, env: dict, deadline: float, store: StateStore, state_path: str,
                 run_shell: RunShell):
        self.spec, self.src, self.deadline = spec, src, deadline
        self.store, self.state_path, self.run_shell = store, state_path, run_shell
        self.base = ShellState(dict(env), {}, str(src))
        self.state = self.base
        self.succeeding = True
        self.log: Callable[[str], object] = lambda line: None

    def value(self, name: str) -> str | None:
        return self.state.exported.get(name, self.state.plain.get(name))

    def phase(self, phase: Phase, emit: Callable[[str], None]) -> PhaseResult:
        started = time.monotonic()
        status, message = "SUCCEEDED", ""
        for commands in (phase.commands, phase.finally_):
            for command in commands:
                code = self.command(command, emit)
                if code is None:
                    return PhaseResult(phase.name, "TIMED_OUT", time.monotonic() - started, "build timeout reached")
                if code != 0:
                    if status == "SUCCEEDED":
                        status = "FAILED"
                        message = f"COMMAND_EXECUTION_ERROR: Error while executing command: {command}. Reason: exit status {code}"
                    break
        self.log(f"Phase complete: {phase.name.upper()} State: {status}")
        return PhaseResult(phase.name, status, time.monotonic() - started, message)

    def command(self, command: str, emit: Callable[[str], None]) -> int | None:
        """Run one command; its exit status, or None when the build's time ran out."""
        before = self.base if self.spec.version == "0.1" else self.state  # 0.1: a fresh shell each time
        env = write_state(before, self.store)
        env["CODEBUILD_BUILD_SUCCEEDING"] = "1" if self.succeeding else "0"
        self.log(f"Running command {command}")
        code = self.run_shell(self.spec.shell, command_script(command, self.state_path), env, self.deadline, emit)
        if code not in (None, 0):
            self.log(f"Command did not exit successfully {command} exit status {code}")
        self.state = read_state(self.store, before)
        return code
