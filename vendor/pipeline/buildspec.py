"""buildspec.yml (CodeBuild versions 0.1 and 0.2): parse and validate into a model. Pure.

Accepts what CodeBuild runs: unknown keys are ignored with a warning (the CodeBuild agent drops
them), except likely typos of a known key, which are refused with "did you mean"; `files` may be
a single value; env values are taken as written (`CI: true` is the text `true`). What only the
service does (parameter-store, secrets-manager, reports, cache, runtime-versions, ...) is
accepted and listed in `not_applied`. `run-as` is applied: the build environment runs the
commands as that user (root is refused: builds run unprivileged). A file that only defines a batch is refused: batch builds
are not run locally.
"""
from __future__ import annotations

import difflib
import posixpath
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from vendor.config.source import Document, Problem, SourceError, load_yaml
from vendor.config.yaml_nodes import compose

PHASES = ("install", "pre_build", "build", "post_build")
TOP_KEYS = ("version", "run-as", "env", "proxy", "batch", "phases", "reports", "artifacts", "cache")
# Version 0.1 spelled env as environment_variables/plaintext and had artifacts/type (dropped in 0.2).
TOP_KEYS_01 = TOP_KEYS + ("environment_variables",)
PHASE_KEYS = ("run-as", "on-failure", "runtime-versions", "commands", "finally")
ENV_KEYS = ("shell", "variables", "parameter-store", "exported-variables", "secrets-manager", "git-credential-helper")
ARTIFACT_KEYS = ("files", "name", "discard-paths", "base-directory", "exclude-paths", "enable-symlinks",
                 "s3-prefix", "secondary-artifacts")
RUN_AS = re.compile(r"^[a-z_][a-z0-9_-]{0,31}$")  # a Linux user name
LINUX_SHELLS = ("bash", "/bin/bash", "sh", "/bin/sh")
WINDOWS_SHELLS = ("powershell.exe", "cmd.exe", "pwsh.exe")
YES = (True, "yes", "true", "True", "YES")
# (where, why) for what CodeBuild does and the local build does not.
NOT_APPLIED = {
    ("proxy",): "",
    ("env", "git-credential-helper"): "",
    ("env", "parameter-store"): "variables not set",
    ("env", "secrets-manager"): "variables not set",
    ("reports",): "",
    ("artifacts", "name"): "CodePipeline names the output artifact",
    ("artifacts", "type"): "CodePipeline packs the output artifact",
    ("artifacts", "enable-symlinks"): "",
    ("artifacts", "s3-prefix"): "CodePipeline stores the output artifact",
    ("artifacts", "secondary-artifacts"): "only the primary artifact is collected",
    ("cache",): "",
}


@dataclass(frozen=True)
class Phase:
    name: str
    commands: tuple[str, ...] = ()
    finally_: tuple[str, ...] = ()
    on_failure: str = "ABORT"  # ABORT | CONTINUE | RETRY (any RETRY form)
    run_as: str = ""  # the phase's run-as user ("" = the build's)
    retries: int = 0  # RETRY: how many times the phase runs again after failing
    retry_pattern: str = ""  # RETRY: only an error message this regex finds is retried


@dataclass(frozen=True)
class BuildSpec:
    file: str
    shell: str = "/bin/sh"
    variables: dict = field(default_factory=dict)
    exported: tuple[str, ...] = ()
    phases: tuple[Phase, ...] = ()
    artifact_files: tuple[str, ...] = ()
    base_directory: str = ""
    discard_paths: bool = False
    not_applied: tuple[str, ...] = ()  # CodeBuild features present in the file that the local build skips
    version: str = "0.2"
    has_artifacts: bool = False  # an `artifacts` section with files: CodeBuild uploads an output artifact
    exclude_paths: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()  # accepted, but ignored as CodeBuild ignores it
    run_as: str = ""  # the buildspec's run-as user ("" = the build environment's unprivileged user)

    def phase(self, name: str) -> Phase | None:
        return next((p for p in self.phases if p.name == name), None)


def load_buildspec(path: Path) -> BuildSpec:
    doc = load_yaml(path)
    return check(doc, Path(path).read_text(encoding="utf-8"))


def check(doc: Document, text: str | None = None) -> BuildSpec:
    """Validate `doc`; `text` (the file's source) lets env values be taken exactly as written."""
    problems: list[Problem] = []
    warnings: list[str] = []
    data = doc.data
    if not isinstance(data, dict):
        raise SourceError([doc.problem((), "expected a mapping (version:, phases:, artifacts:)", "see the CodeBuild buildspec reference")])
    version = str(data.get("version"))
    _unknown(doc, (), data, TOP_KEYS_01 if version == "0.1" else TOP_KEYS, problems, warnings)
    if version not in ("0.1", "0.2"):
        problems.append(doc.problem(("version",), f"version {data.get('version')!r} is not a buildspec version", "write version: 0.2"))
    env = _mapping(doc, ("env",), data.get("env") or {}, problems)
    _unknown(doc, ("env",), env, ENV_KEYS, problems, warnings)
    written = scalars_as_written(text) if text is not None else {}
    variables = _variables(doc, env, written, problems, ("env", "variables"))
    if version == "0.1" and "environment_variables" in data:
        legacy = _mapping(doc, ("environment_variables",), data.get("environment_variables") or {}, problems)
        _unknown(doc, ("environment_variables",), legacy, ("plaintext",), problems, warnings)
        variables.update(_variables(doc, legacy, written, problems, ("environment_variables", "plaintext")))
    shell = str(env.get("shell", "/bin/sh"))
    if shell in WINDOWS_SHELLS:
        problems.append(doc.problem(("env", "shell"), f"shell {shell!r} is a Windows shell; vend builds on Linux images", "use bash or /bin/sh"))
    elif shell not in LINUX_SHELLS:
        problems.append(doc.problem(("env", "shell"), f"shell {shell!r} is not a CodeBuild shell", "use bash or /bin/sh"))
    phases_data = _mapping(doc, ("phases",), data.get("phases") or {}, problems)
    _unknown(doc, ("phases",), phases_data, PHASES, problems, warnings)
    phases = tuple(_phase(doc, name, phases_data[name], problems, warnings, written) for name in PHASES if name in phases_data)
    if not any(p.commands for p in phases):
        if "batch" in data:
            problems.append(doc.problem(("batch",), "batch builds are not run locally",
                                        "run each buildspec of the batch as its own pipeline build, or add phases to this file"))
        else:
            problems.append(doc.problem(("phases",), "no phase has commands", "add phases: build: commands: [...]"))
    artifacts = _mapping(doc, ("artifacts",), data.get("artifacts") or {}, problems)
    _unknown(doc, ("artifacts",), artifacts, ARTIFACT_KEYS + (("type",) if version == "0.1" else ()), problems, warnings)
    files = _strings(doc, ("artifacts", "files"), artifacts.get("files", []), problems, single=True, written=written)
    for i, f in enumerate(files):
        if not f.strip():
            warnings.append(str(doc.problem(("artifacts", "files", i), "an empty path matches nothing", "CodeBuild skips it")))
    if artifacts and "files" not in artifacts and "secondary-artifacts" not in artifacts:
        problems.append(doc.problem(("artifacts",), "artifacts has no files", "add files: ['**/*'] or remove artifacts"))
    exclude = _strings(doc, ("artifacts", "exclude-paths"), artifacts.get("exclude-paths", []), problems, single=True)
    exported = _strings(doc, ("env", "exported-variables"), env.get("exported-variables", []), problems, single=True)
    if _inside_source(doc, ("artifacts", "base-directory"), artifacts.get("base-directory", ""), problems):
        for i, pattern in enumerate(files):
            _inside_source(doc, ("artifacts", "files", i), posixpath.join(str(artifacts.get("base-directory", "") or ""), pattern),
                           problems, shown=pattern)
    run_as = _run_as(doc, ("run-as",), data.get("run-as"), problems)
    if problems:
        raise SourceError(problems)
    return BuildSpec(doc.file, shell, variables, tuple(exported), phases, tuple(files),
                     str(artifacts.get("base-directory", "") or ""), artifacts.get("discard-paths") in YES,
                     _not_applied(data, env, artifacts, phases_data, version), version, bool(files), tuple(exclude), tuple(warnings),
                     run_as=run_as)


def _not_applied(data: dict, env: dict, artifacts: dict, phases_data: dict, version: str) -> tuple[str, ...]:
    out = []
    sections = {(): data, ("env",): env, ("artifacts",): artifacts}
    for where, why in NOT_APPLIED.items():
        if where == ("artifacts", "type") and version != "0.1":
            continue  # an unknown key in 0.2: listed with the ignored keys
        if where[-1] in sections[where[:-1]]:
            out.append("/".join(where) + (f" ({why})" if why else ""))
    for name in PHASES:
        phase = phases_data.get(name) if isinstance(phases_data.get(name), dict) else {}
        for key, why in (("runtime-versions", "the image's tools are used"),):
            if key in phase:
                out.append(f"phases/{name}/{key} ({why})")
    # keep the order of the file's sections: top level, env, phases, artifacts, cache
    rank = {"run-as": 0, "proxy": 1, "env": 2, "phases": 3, "reports": 4, "artifacts": 5, "cache": 6}
    return tuple(sorted(out, key=lambda s: rank.get(s.split("/")[0].split(" ")[0], 9)))


def _variables(doc: Document, env: dict, written: dict, problems: list, where: tuple) -> dict[str, str]:
    variables = _mapping(doc, where, env.get(where[-1]) or {}, problems)
    out = {}
    for name, value in variables.items():
        if isinstance(value, (dict, list)):
            problems.append(doc.problem(where + (name,), "a variable must be a plain value", "quote it as text"))
        else:
            out[name] = _text(value, written.get(where + (name,)))
    return out


def _text(value, written: str | None) -> str:
    if value is None:
        return ""
    if written is not None:
        return written
    return "true" if value is True else "false" if value is False else str(value)


def scalars_as_written(text: str) -> dict[tuple, str]:
    """Every plain value of the document by its path, as its source text: YAML 1.1 would turn
    `true` into True, `18.10` into 18.1 and `0755` into 493; CodeBuild (Go, decoding into
    strings) keeps them as written. Aliases are not followed."""
    try:
        root = compose(text)[1]  # within the loaders' bounds: deep nesting refused
    except yaml.YAMLError:
        return {}
    out: dict[tuple, str] = {}
    seen: set[int] = set()
    stack = [((), root)] if root is not None else []
    while stack:
        path, node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, yaml.ScalarNode):
            out[path] = "" if node.tag.endswith(":null") else node.value
        elif isinstance(node, yaml.SequenceNode):
            stack.extend((path + (i,), child) for i, child in enumerate(node.value))
        elif isinstance(node, yaml.MappingNode):
            stack.extend((path + (k.value,), v) for k, v in node.value if isinstance(k, yaml.ScalarNode))
    return out


def _phase(doc: Document, name: str, data, problems: list, warnings: list, written: dict) -> Phase:
    path = ("phases", name)
    data = _mapping(doc, path, data if data is not None else {}, problems)
    _unknown(doc, path, data, PHASE_KEYS, problems, warnings)
    on_failure, retries, pattern = _on_failure(doc, path + ("on-failure",), data.get("on-failure", "ABORT"), problems)
    return Phase(name, tuple(_strings(doc, path + ("commands",), data.get("commands") or [], problems, written=written)),
                 tuple(_strings(doc, path + ("finally",), data.get("finally") or [], problems, written=written)), on_failure,
                 run_as=_run_as(doc, path + ("run-as",), data.get("run-as"), problems), retries=retries, retry_pattern=pattern)


RETRY_COUNT = re.compile(r"(\d+)(?:-(.*))?\Z", re.S)


def _on_failure(doc: Document, path: tuple, value, problems: list) -> tuple[str, int, str]:
    """ABORT | CONTINUE | RETRY | RETRY-count | RETRY-regex | RETRY-count-regex, as the buildspec
    reference documents phases/*/on-failure: RETRY runs the failed phase again up to 3 times,
    count (0 to 100) says how many times, regex limits retries to an error message it matches
    (default `.*`). Returns (rule, retries, pattern)."""
    if value in ("ABORT", "CONTINUE"):
        return value, 0, ""
    if not isinstance(value, str) or not (value == "RETRY" or value.startswith("RETRY-")):
        problems.append(doc.problem(path, f"{value!r} is not ABORT, CONTINUE or RETRY",
                                    "use ABORT, CONTINUE, RETRY, RETRY-count, RETRY-regex or RETRY-count-regex"))
        return "ABORT", 0, ""
    rest = value[len("RETRY-"):] if value != "RETRY" else ""
    count, pattern = 3, rest or ".*"
    numbered = RETRY_COUNT.match(rest)
    if numbered:
        count, pattern = int(numbered.group(1)), numbered.group(2) or ".*"
        if count > 100:
            problems.append(doc.problem(path, f"retry count {count} is over 100", "use RETRY-0 to RETRY-100"))
            return "ABORT", 0, ""
    try:
        re.compile(pattern)
    except re.error as e:
        before = value[:len(value) - len(pattern)]
        problems.append(doc.problem(path, f"{pattern!r} is not a regular expression: {e}", f"fix the pattern after {before}"))
        return "ABORT", 0, ""
    return "RETRY", count, pattern


def _run_as(doc: Document, path: tuple, value, problems: list) -> str:
    """run-as is applied (the build environment runs the commands as that user), so it must be
    a user name, and not root: builds run unprivileged."""
    if value is None:
        return ""
    if not isinstance(value, str) or not RUN_AS.match(value):
        problems.append(doc.problem(path, f"{value!r} is not a Linux user name",
                                    "use lowercase letters, digits, - and _, e.g. run-as: builder"))
        return ""
    if value == "root":
        problems.append(doc.problem(path, "builds run as an unprivileged user, not root",
                                    "remove run-as, or name another user: one the image lacks is created"))
        return ""
    return value


def _inside_source(doc: Document, path: tuple, value, problems: list, shown: str | None = None) -> bool:
    """An artifact path must stay inside the source directory (`..` cannot climb out of it)."""
    if isinstance(value, str) and posixpath.normpath(value.strip("/") or ".").split("/")[0] == "..":
        problems.append(doc.problem(path, f"{shown if shown is not None else value!r} is outside the source directory",
                                    "name a path inside the source, e.g. base-directory: dist"))
        return False
    return True


def _mapping(doc: Document, path: tuple, value, problems: list) -> dict:
    if isinstance(value, dict):
        return value
    problems.append(doc.problem(path, f"expected a mapping, got {type(value).__name__}", "indent the keys under it"))
    return {}


def _strings(doc: Document, path: tuple, value, problems: list, single: bool = False,
             written: dict | None = None) -> list[str]:
    written = written or {}
    if single and isinstance(value, (str, int, float, bool)):
        return [_text(value, written.get(path))]  # `files: imagedefinitions.json`: CodeBuild takes a single value as a one-item list
    if value is None:
        return []
    if not isinstance(value, list):
        problems.append(doc.problem(path, "expected a list", "write one item per line with - "))
        return []
    out = []
    for i, item in enumerate(value):
        if item is None or isinstance(item, (str, int, float, bool)):
            out.append(_text(item, written.get(path + (i,))))
        else:
            problems.append(doc.problem(path + (i,), "expected a command (text)", "quote the whole command"))
    return out


def _unknown(doc: Document, path: tuple, data: dict, allowed: tuple, problems: list, warnings: list) -> None:
    for key in data:
        if key in allowed:
            continue
        close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.75)
        if close:
            problems.append(doc.problem(path + (key,), f"unknown key '{key}'", f"did you mean '{close[0]}'?"))
        else:
            warnings.append(str(doc.problem(path + (key,), f"unknown key '{key}' is ignored",
                                            "CodeBuild ignores keys it does not know")))
