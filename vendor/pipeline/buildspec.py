"""buildspec.yml (CodeBuild version 0.2): parse and validate into a model. Pure.

Supported: `env` (variables, shell, exported-variables), `phases` (install, pre_build, build,
post_build with commands, finally, on-failure), `artifacts` (files, base-directory,
discard-paths). What only CodeBuild can do (parameter-store, secrets-manager, reports, cache,
runtime-versions) is accepted and reported as not applied locally.
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from pathlib import Path

from vendor.config.source import Document, Problem, SourceError, load_yaml

PHASES = ("install", "pre_build", "build", "post_build")
TOP_KEYS = ("version", "run-as", "env", "proxy", "batch", "phases", "reports", "artifacts", "cache")
PHASE_KEYS = ("run-as", "on-failure", "runtime-versions", "commands", "finally")
ENV_KEYS = ("shell", "variables", "parameter-store", "exported-variables", "secrets-manager", "git-credential-helper")
ARTIFACT_KEYS = ("files", "name", "discard-paths", "base-directory", "exclude-paths", "enable-symlinks",
                 "s3-prefix", "secondary-artifacts")
CLOUD_ONLY = ("parameter-store", "secrets-manager", "reports", "cache", "runtime-versions", "batch", "proxy")


@dataclass(frozen=True)
class Phase:
    name: str
    commands: tuple[str, ...] = ()
    finally_: tuple[str, ...] = ()
    on_failure: str = "ABORT"


@dataclass(frozen=True)
class BuildSpec:
    file: str
    shell: str = "bash"
    variables: dict = field(default_factory=dict)
    exported: tuple[str, ...] = ()
    phases: tuple[Phase, ...] = ()
    artifact_files: tuple[str, ...] = ()
    base_directory: str = ""
    discard_paths: bool = False
    not_applied: tuple[str, ...] = ()  # CodeBuild-only features present in the file

    def phase(self, name: str) -> Phase | None:
        return next((p for p in self.phases if p.name == name), None)


def load_buildspec(path: Path) -> BuildSpec:
    return check(load_yaml(path))


def check(doc: Document) -> BuildSpec:
    problems: list[Problem] = []
    data = doc.data
    if not isinstance(data, dict):
        raise SourceError([doc.problem((), "expected a mapping (version:, phases:, artifacts:)", "see the CodeBuild buildspec reference")])
    _unknown(doc, (), data, TOP_KEYS, problems)
    if data.get("version") not in (0.2, "0.2"):
        problems.append(doc.problem(("version",), f"version {data.get('version')!r} is not supported", "write version: 0.2"))
    env = _mapping(doc, ("env",), data.get("env", {}), problems)
    _unknown(doc, ("env",), env, ENV_KEYS, problems)
    variables = _mapping(doc, ("env", "variables"), env.get("variables", {}), problems)
    for name, value in variables.items():
        if not isinstance(value, (str, int, float, bool)):
            problems.append(doc.problem(("env", "variables", name), "a variable must be a plain value", "quote it as text"))
    shell = env.get("shell", "bash")
    if shell not in ("bash", "sh"):
        problems.append(doc.problem(("env", "shell"), f"shell {shell!r} is not available on Linux builds", "use bash or sh"))
    phases_data = _mapping(doc, ("phases",), data.get("phases", {}), problems)
    _unknown(doc, ("phases",), phases_data, PHASES, problems)
    phases = tuple(_phase(doc, name, phases_data[name], problems) for name in PHASES if name in phases_data)
    if not any(p.commands for p in phases):
        problems.append(doc.problem(("phases",), "no phase has commands", "add phases: build: commands: [...]"))
    artifacts = _mapping(doc, ("artifacts",), data.get("artifacts", {}), problems)
    _unknown(doc, ("artifacts",), artifacts, ARTIFACT_KEYS, problems)
    files = _strings(doc, ("artifacts", "files"), artifacts.get("files", []), problems)
    if problems:
        raise SourceError(problems)
    present = [k for k in CLOUD_ONLY if k in data or k in env or any(k in (phases_data.get(p) or {}) for p in PHASES)]
    return BuildSpec(doc.file, shell, {k: str(v) for k, v in variables.items()},
                     tuple(_strings(doc, ("env", "exported-variables"), env.get("exported-variables", []), [])),
                     phases, tuple(files), str(artifacts.get("base-directory", "")).strip("/"),
                     artifacts.get("discard-paths") in (True, "yes"), tuple(present))


def _phase(doc: Document, name: str, data, problems: list) -> Phase:
    path = ("phases", name)
    data = _mapping(doc, path, data if data is not None else {}, problems)
    _unknown(doc, path, data, PHASE_KEYS, problems)
    on_failure = data.get("on-failure", "ABORT")
    if on_failure not in ("ABORT", "CONTINUE"):
        problems.append(doc.problem(path + ("on-failure",), f"{on_failure!r} is not ABORT or CONTINUE", "use ABORT or CONTINUE"))
    return Phase(name, tuple(_strings(doc, path + ("commands",), data.get("commands", []), problems)),
                 tuple(_strings(doc, path + ("finally",), data.get("finally", []), problems)), on_failure)


def _mapping(doc: Document, path: tuple, value, problems: list) -> dict:
    if isinstance(value, dict):
        return value
    problems.append(doc.problem(path, f"expected a mapping, got {type(value).__name__}", "indent the keys under it"))
    return {}


def _strings(doc: Document, path: tuple, value, problems: list) -> list[str]:
    if not isinstance(value, list):
        problems.append(doc.problem(path, "expected a list", "write one item per line with - "))
        return []
    out = []
    for i, item in enumerate(value):
        if isinstance(item, (str, int, float)) and not isinstance(item, bool):
            out.append(str(item))
        else:
            problems.append(doc.problem(path + (i,), "expected a command (text)", "quote the whole command"))
    return out


def _unknown(doc: Document, path: tuple, data: dict, allowed: tuple, problems: list) -> None:
    for key in data:
        if key not in allowed:
            close = difflib.get_close_matches(key, allowed, n=1)
            problems.append(doc.problem(path + (key,), f"unknown key '{key}'",
                                        f"did you mean '{close[0]}'?" if close else f"allowed: {', '.join(allowed)}"))
