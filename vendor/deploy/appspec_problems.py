"""Collecting appspec problems: shape checks, unknown keys with "did you mean", path rules."""
from __future__ import annotations

import difflib
import re
from pathlib import Path, PurePosixPath
from typing import Any, Iterable

from vendor.config.source import Document, Problem, SourceError

# Where each key of an EC2/on-premises appspec belongs (for a key written at the wrong level).
# Generic words (name, type, range) are left out: elsewhere they are likely another tool's keys.
KEY_LEVELS = {
    **{k: "the top level" for k in ("version", "os", "files", "permissions", "hooks", "file_exists_behavior")},
    **{k: "a files entry (- source: ... destination: ...)" for k in ("source", "destination")},
    **{k: "a hook script entry (- location: ... under an event in hooks)"
       for k in ("location", "timeout", "runas", "sudo")},
    **{k: "a permissions entry (- object: ...)"
       for k in ("object", "pattern", "except", "owner", "group", "mode", "acls", "context")},
}
NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9._-]{0,31}\$?$")  # a Linux user or group name


class OtherPlatformError(SourceError):
    """The file is an appspec for ECS or Lambda, not for EC2/on-premises hosts."""


def closest(word: str, choices: Iterable[str]) -> str | None:
    choices = list(choices)
    for choice in choices:
        if choice.lower() == word.lower():
            return choice
    found = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return found[0] if found else None


def type_name(value: Any) -> str:
    if value is None:
        return "empty"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, (int, float)):
        return f"the number {value}"
    return f"'{value}'"


class Collector:
    """Problems of one document, plus what the checks need to know about its surroundings."""

    def __init__(self, doc: Document, revision: Path | None, raw_lines: list[str]):
        self.doc = doc
        self.revision = revision
        self.raw_lines = raw_lines
        self.problems: list[Problem] = []
        self.warnings: list[Problem] = []  # accepted: the agent ignores it, as the user is told

    def add(self, path: tuple, message: str, hint: str = "") -> None:
        self.problems.append(self.doc.problem(path, message, hint))

    def warn(self, path: tuple, message: str, hint: str = "") -> None:
        self.warnings.append(self.doc.problem(path, message, hint))

    def error(self) -> SourceError:
        """All problems so far, in line order, as one error."""
        return SourceError(sorted(self.problems, key=lambda p: p.line or 0))

    def raise_if_any(self) -> None:
        if self.problems:
            raise self.error()

    def raw_value(self, path: tuple) -> str | None:
        """The value of `path` as written on its line (for `key: value` on one line)."""
        line = self.doc.line_of(path)
        if not line or line > len(self.raw_lines):
            return None
        match = re.search(rf"{re.escape(str(path[-1]))}\s*:\s*([^\s#,}}\]]+)", self.raw_lines[line - 1])
        return match.group(1) if match else None

    # -- shape -------------------------------------------------------------------------------

    def mapping(self, value: Any, path: tuple, example: str) -> dict | None:
        if isinstance(value, dict):
            return value
        self.add(path, f"must be a mapping of keys, not {type_name(value)}",
                 f"write it like: {example}")
        return None

    def items(self, value: Any, path: tuple, what: str, example: str) -> list:
        """The list at `path`; a missing/empty value is an empty list."""
        if value is None:
            return []
        if isinstance(value, list):
            return value
        self.add(path, f"must be a list of {what}, not {type_name(value)}",
                 f"start each entry with '- ', like: {example}")
        return []

    def known_keys(self, mapping: dict, path: tuple, allowed: Iterable[str],
                   hints: dict[str, str] | None = None, ignored: dict[str, str] | None = None) -> set[str]:
        """Sort the keys not in `allowed` as the CodeDeploy agent would meet them; return the
        allowed keys suggested for misspellings.

        The agent ignores keys it does not know. What would then silently not happen as written
        is refused: a likely typo of an allowed key (`hints` name known ones), a key of the appspec
        at the wrong level. Any other key is only ignored: a warning (`ignored` gives the hint)."""
        allowed = list(allowed)
        suggested: set[str] = set()
        for key in mapping:
            if key in allowed:
                continue
            where = KEY_LEVELS.get(key) if isinstance(key, str) else None
            if hints and key in hints:
                self.add(path + (key,), f"unknown key '{key}'", hints[key])
            elif ignored and key in ignored:
                self.warn(path + (key,), f"unknown key '{key}' is ignored", ignored[key])
            elif (guess := closest(str(key), allowed)) is not None:
                suggested.add(guess)
                self.add(path + (key,), f"unknown key '{key}'", f"did you mean '{guess}'?")
            elif where is not None:
                self.add(path + (key,), f"'{key}' is not a key here: it belongs in {where}",
                         f"move it there; here CodeDeploy ignores it (keys here: {', '.join(allowed)})")
            else:
                self.warn(path + (key,), f"unknown key '{key}' is ignored",
                          "CodeDeploy ignores keys it does not know; remove it, or check the spelling "
                          "(keys here: " + ", ".join(allowed) + ")")
        return suggested

    def required(self, mapping: dict, key: str, path: tuple, hint: str, suggested: set[str]) -> bool:
        """True when `key` has a value; reports it missing unless a misspelling was reported."""
        if mapping.get(key) is not None:
            return True
        if key in mapping:
            self.add(path + (key,), "is empty", hint)
        elif key not in suggested:
            self.add(path, f"missing key '{key}'", hint)
        return False

    def text(self, value: Any, path: tuple, hint: str) -> str | None:
        if isinstance(value, str) and value.strip():
            return value.strip()
        self.add(path, f"must be text, not {type_name(value)}", hint)
        return None

    def name(self, value: Any, path: tuple, kind: str) -> str | None:
        """A name of `kind` "user" or "group"."""
        if isinstance(value, str) and NAME_RE.match(value.strip()):
            return value.strip()
        self.add(path, f"{type_name(value)} is not a {kind} name",
                 f"write a Linux {kind} name such as ec2-user or root")
        return None

    # -- paths -------------------------------------------------------------------------------

    def revision_path(self, value: str, path: tuple) -> str | None:
        """A path inside the revision, without leading '/'; "." is the whole revision."""
        if "\\" in value:
            self.add(path, f"'{value}' contains backslashes",
                     "use / between directories, as on Linux")
            return None
        parts = PurePosixPath(value.lstrip("/")).parts
        if ".." in parts:
            self.add(path, f"'{value}' points outside the revision",
                     "remove '..'; paths are relative to the revision root")
            return None
        return str(PurePosixPath(*parts)) if parts else "."

    def in_revision(self, relative: str, path: tuple, want_file: bool) -> None:
        """Report `relative` missing from the revision directory (skipped without one)."""
        if self.revision is None:
            return
        target = self.revision / relative
        if want_file and not target.is_file():
            self.add(path, f"'{relative}' is not a file in the revision {self.revision}",
                     "add the script to the revision or fix the path; it is relative to the "
                     "revision root")
        elif not want_file and not target.exists():
            self.add(path, f"'{relative}' does not exist in the revision {self.revision}",
                     "add it to the revision or fix the path; it is relative to the revision root")

    def host_path(self, value: str, path: tuple, example: str) -> str | None:
        """An absolute path on the host."""
        if not value.startswith("/"):
            self.add(path, f"'{value}' is not an absolute path",
                     f"write the full path on the host, e.g. {example}")
            return None
        return value
