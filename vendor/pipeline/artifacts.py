"""The UPLOAD_ARTIFACTS phase: collect a buildspec's primary artifact as CodeBuild does.

`base-directory` (relative to the source directory; a pattern such as 'dist*' selects every
matching top-level directory, whose own name is not kept), `files` patterns relative to it
(`**` spans directories), `exclude-paths`, `discard-paths`; `$NAME` / `${NAME}` in these paths
are expanded from the build's final variables, as real buildspecs rely on
(`files: [$IMAGE_CONF_FILE_NAME]`). No match at all fails with
CodeBuild's CLIENT_ERROR "no matching artifact paths found". Absolute paths are taken only
inside the build's source directory: the local build never copies files of the machine it runs
on into an artifact. Symbolic links are followed only where they stay inside the source.
"""
from __future__ import annotations

import os
import re
import shutil
from pathlib import Path, PurePath

from vendor.pipeline.buildspec import BuildSpec

NO_MATCH = "no matching artifact paths found"


class ArtifactError(Exception):
    """The artifact could not be collected (CodeBuild's CLIENT_ERROR)."""

    def __str__(self) -> str:
        return f"CLIENT_ERROR: {self.args[0]}"


def pattern_regex(pattern: str) -> re.Pattern:
    """A CodeBuild path pattern as a regular expression over '/'-separated relative paths."""
    parts = [p for p in pattern.strip("/").split("/") if p not in ("", ".")]
    out = ""
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        if part == "**":
            out += ".*" if last else "(?:[^/]+/)*"
            continue
        out += _segment(part) + ("" if last else "/")
    return re.compile(out + r"\Z")


def _segment(part: str) -> str:
    out, i = "", 0
    while i < len(part):
        c = part[i]
        if c == "*":
            out += "[^/]*"
        elif c == "?":
            out += "[^/]"
        elif c == "[" and "]" in part[i + 1:]:
            end = part.index("]", i + 1)
            body = part[i + 1:end].replace("\\", "\\\\")
            out += "[" + ("^" + body[1:] if body.startswith("!") else body) + "]"
            i = end
        else:
            out += re.escape(c)
        i += 1
    return out


VARIABLE = re.compile(r"\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))")


def expand(path: str, variables: dict[str, str]) -> str:
    """`$NAME` and `${NAME}` from `variables` (unset: empty); nothing else is evaluated."""
    return VARIABLE.sub(lambda m: variables.get(m.group(1) or m.group(2), ""), path)


def _relative(path: str, src: Path, where: str) -> str:
    """`path` relative to the source directory; an absolute path must lie inside it."""
    if not path.startswith("/"):
        return path
    try:
        return Path(os.path.normpath(path)).relative_to(src).as_posix()
    except ValueError:
        raise ArtifactError(f"{where}: '{path}' is outside the build's source directory; the local build collects "
                            "artifacts only from there (write the path relative to $CODEBUILD_SRC_DIR)") from None


def base_directories(spec: BuildSpec, src: Path, variables: dict[str, str], inside: PurePath | None = None) -> list[Path]:
    base = _relative(expand(spec.base_directory.strip(), variables), inside or src.resolve(), "artifacts/base-directory").strip("/")
    if base in ("", "."):
        return [src]
    regex = pattern_regex(base)
    found = [src / rel for rel in _walk(src, dirs=True) if regex.match(rel)]
    return sorted(d for d in found if d.is_dir())


def _walk(root: Path, dirs: bool = False) -> list[str]:
    """Relative paths of the files (or directories) under root, without following links out of it."""
    out = []
    top = root.resolve()
    for here, subdirs, files in os.walk(root, followlinks=False):
        rel_here = Path(here).relative_to(root).as_posix()
        subdirs[:] = [d for d in subdirs if d != ".git"]
        for name in (subdirs if dirs else files):
            path = Path(here) / name
            if path.is_symlink() and not path.resolve().is_relative_to(top):
                continue
            if not dirs and not path.is_file():  # a FIFO or socket the build left: reading it could block
                continue
            out.append(name if rel_here == "." else f"{rel_here}/{name}")
    return out


def collect(spec: BuildSpec, src: Path, out: Path, variables: dict[str, str] | None = None,
            inside: PurePath | None = None) -> list[str]:
    """Copy the artifact's files into `out`; returns their paths in the artifact, sorted.
    `inside`: the source directory as the build saw it (CODEBUILD_SRC_DIR), for absolute paths.
    Raises ArtifactError as CodeBuild fails the UPLOAD_ARTIFACTS phase."""
    variables = variables or {}
    top = inside or src.resolve()
    patterns = [(i, _relative(expand(f.strip(), variables), top, f"artifacts/files/{i}"))
                for i, f in enumerate(spec.artifact_files)]
    patterns = [(i, p) for i, p in patterns if p.strip("/")]  # empty entries match nothing (CodeBuild skips them)
    bases = base_directories(spec, src, variables, inside)
    if not bases:
        raise ArtifactError(f"{NO_MATCH} (base-directory '{spec.base_directory}' matches no directory)")
    includes = [pattern_regex(p) for _, p in patterns]
    excludes = [pattern_regex(expand(p, variables)) for p in spec.exclude_paths if p.strip("/")]
    chosen: dict[str, Path] = {}
    for base in bases:
        for rel in sorted(_walk(base)):
            if any(r.match(rel) for r in includes) and not any(r.match(rel) for r in excludes):
                chosen[rel.rsplit("/", 1)[-1] if spec.discard_paths else rel] = base / rel
    if not chosen:
        raise ArtifactError(NO_MATCH)
    if out.exists():
        shutil.rmtree(out)
    for rel, path in chosen.items():
        target = out / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, target)
    return sorted(chosen)
