"""What rendering produces: files to write, described as data, written in one place."""
from __future__ import annotations

import os
import shutil
import stat
import tempfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from vendor.config.source import Problem, SourceError


@dataclass(frozen=True)
class Text:
    path: str  # relative to the output directory
    content: str
    executable: bool = False


@dataclass(frozen=True)
class Copy:
    path: str
    source: Path
    executable: bool = False


Output = Text | Copy


def write(outputs: list[Output], directory: Path) -> list[Path]:
    """Write all outputs to `directory`, replacing it whole: a failure leaves the old one untouched.

    Files get fixed permissions (0644, or 0755 when executable), so the same input gives the same tree.
    Every output must land inside `directory` and every copied file must be a regular file: a
    path leading out or a device file is refused here, whatever validation let through.
    """
    directory = Path(directory)
    directory.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{directory.name}-", dir=directory.parent))
    try:
        for out in outputs:
            target = _target(staging, out.path, directory)
            if isinstance(out, Text):
                target.write_text(out.content, encoding="utf-8")
            elif out.source.is_dir():
                shutil.copytree(out.source, target, copy_function=_copy_regular)
            else:
                _copy_regular(out.source, target)
            _fix_modes(target, out.executable)
        if directory.exists():
            shutil.rmtree(directory)
        os.replace(staging, directory)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return [directory / out.path for out in outputs]


def _target(staging: Path, rel: str, directory: Path) -> Path:
    """Where output `rel` goes in `staging`, refused if that is not inside it."""
    parts = PurePosixPath(rel).parts
    outside = SourceError([Problem(str(directory), None, rel, f"would be written outside {directory}",
                                   "a config value reached an output file name: check the config's paths")])
    if not parts or PurePosixPath(rel).is_absolute() or ".." in parts:
        raise outside
    target = staging.joinpath(*parts)
    target.parent.mkdir(parents=True, exist_ok=True)
    if not target.parent.resolve().is_relative_to(staging.resolve()):
        raise outside
    return target


def _copy_regular(source, target) -> None:
    """Copy one file, only if it is a regular file: never a device (`/dev/zero` never ends), pipe or socket."""
    if not stat.S_ISREG(os.stat(source).st_mode):
        raise SourceError([Problem(str(source), None, "(file)", "is not a regular file and is not copied",
                                   "give a regular file as an image source")])
    shutil.copyfile(source, target)


def _fix_modes(path: Path, executable: bool) -> None:
    paths = [path] + (sorted(path.rglob("*")) if path.is_dir() else [])
    for p in paths:
        p.chmod(0o755 if p.is_dir() or executable else 0o644)
