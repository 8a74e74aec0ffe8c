"""What rendering produces: files to write, described as data, written in one place."""
from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path


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
    """
    directory = Path(directory)
    directory.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{directory.name}-", dir=directory.parent))
    try:
        for out in outputs:
            target = staging / out.path
            target.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(out, Text):
                target.write_text(out.content, encoding="utf-8")
            elif out.source.is_dir():
                shutil.copytree(out.source, target)
            else:
                shutil.copyfile(out.source, target)
            _fix_modes(target, out.executable)
        if directory.exists():
            shutil.rmtree(directory)
        os.replace(staging, directory)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return [directory / out.path for out in outputs]


def _fix_modes(path: Path, executable: bool) -> None:
    paths = [path] + (sorted(path.rglob("*")) if path.is_dir() else [])
    for p in paths:
        p.chmod(0o755 if p.is_dir() or executable else 0o644)
