"""YAML loading that remembers where every value came from.

Every user-facing file (customer configs, appspec.yml, buildspec.yml) is read through
`load_yaml`, so that each problem can be reported as `FILE:LINE path/in/file: what (fix)`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from vendor.config import yaml_nodes

MAX_BYTES = 1_000_000

Path_ = tuple  # a path inside a document: keys and list indexes, e.g. ("fleet", "max")


def format_path(path: Path_) -> str:
    return "/".join(str(p) for p in path) if path else "(top level)"


@dataclass(frozen=True)
class Problem:
    file: str
    line: int | None
    path: str
    message: str
    hint: str = ""

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        text = f"{where} {self.path}: {self.message}"
        return f"{text} ({self.hint})" if self.hint else text


class SourceError(Exception):
    """One or more problems a user can fix in their file."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


@dataclass
class Document:
    file: str
    data: Any
    lines: dict[Path_, int] = field(default_factory=dict)

    def line_of(self, path: Path_) -> int | None:
        """Line of `path`, or of its nearest ancestor present in the file."""
        path = tuple(path)
        while True:
            if path in self.lines:
                return self.lines[path]
            if not path:
                return None
            path = path[:-1]

    def problem(self, path: Path_, message: str, hint: str = "") -> Problem:
        return Problem(self.file, self.line_of(path), format_path(tuple(path)), message, hint)


def load_yaml(filename: str | Path, *, max_bytes: int = MAX_BYTES) -> Document:
    name = str(filename)
    p = Path(filename)
    top = Problem(name, None, "(file)", "", "")
    if not p.is_file():
        raise SourceError([_replace(top, "file not found", "check the path")])
    size = p.stat().st_size
    if size > max_bytes:
        raise SourceError([_replace(top, f"file is {size} bytes, larger than the {max_bytes} allowed",
                                    "this is not a config file; check the path")])
    raw = p.read_bytes()
    if b"\0" in raw:
        raise SourceError([_replace(top, "file is binary, not YAML", "check the path")])
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise SourceError([_replace(top, f"not UTF-8 text (byte {e.start})", "save the file as UTF-8")])
    return parse_yaml(text, name)


def _explain(what: str) -> tuple[str, str]:
    """PyYAML's words for the commonest mistakes, said so the author can act on them."""
    if "'\\t'" in what:
        return "a tab indents this line; YAML indents with spaces only", "use spaces, not tabs"
    if what.startswith("mapping values are not allowed here"):
        return what, "fix the indentation or quoting near this line"
    if what.startswith("could not find expected ':'"):
        return (what, "a key needs ':' after it, and a value containing ': ' needs quotes; check this "
                      "line and the one above")
    return what, "fix the indentation or quoting near this line"


def parse_yaml(text: str, filename: str) -> Document:
    try:
        loader, node = yaml_nodes.compose(text)
    except yaml_nodes.TooDeep as e:
        raise SourceError([Problem(filename, e.problem_mark.line + 1, "(file)", e.problem,
                                   "flatten the structure; no config, appspec or buildspec needs this depth")])
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        line = mark.line + 1 if mark else None
        if "single document" in (e.context or ""):
            raise SourceError([Problem(filename, line, "(file)", "more than one YAML document (---)",
                                       "keep one document per file")])
        what = (e.problem or e.context or "invalid YAML").strip()
        what, hint = _explain(what)
        raise SourceError([Problem(filename, line, "(file)", f"YAML syntax error: {what}", hint)])
    except yaml.YAMLError as e:
        raise SourceError([Problem(filename, None, "(file)", f"YAML error: {e}", "fix the file")])
    doc = Document(filename, None)
    problems: list[Problem] = []

    def report(line: int, path: Path_, message: str, hint: str) -> None:
        problems.append(Problem(filename, line, format_path(path), message, hint))

    if node is not None:
        try:
            doc.data = yaml_nodes.Walk(loader, doc.lines, report).build(node, ())
        except yaml_nodes.Stop as stop:  # a bound was passed: this one problem says it all
            raise SourceError([Problem(filename, stop.line, format_path(stop.path), stop.message, stop.hint)]) from None
    if problems:
        raise SourceError(problems)
    return doc


def _replace(p: Problem, message: str, hint: str) -> Problem:
    return Problem(p.file, p.line, p.path, message, hint)
