"""The files a config copies into its image (`image/scripts`, `image/files[].source`) must be its own.

They are read from the config's directory (for `vend release`, the commit's export of it): a
source is a relative path without `..`, it resolves (symlinks followed) inside that directory,
and it is a regular file, or for `image/files` a directory of regular files. Absolute paths,
`../`, links leading out and device files would copy the machine's own files into the image
(`/dev/zero` fills its disk). Reads the file system, so it is called by the loader, not the checks.
"""
from __future__ import annotations

import os
import stat
from pathlib import Path, PurePosixPath

from vendor.config.model import Config

Finding = tuple[tuple, str, str]
MAX_ENTRIES = 10_000  # entries looked at inside one directory source

OWN_HINT = "copy it into the config's directory and give its path relative to the config file"


def check(config: Config, base: Path) -> list[Finding]:
    wanted = [(("image", "scripts", i), s, False) for i, s in enumerate(config.image.scripts)]
    wanted += [(("image", "files", i, "source"), f.source, True) for i, f in enumerate(config.image.files)]
    findings = []
    for path, name, directory_ok in wanted:
        try:
            problem = _problem(name, Path(base), directory_ok)
        except RuntimeError:  # Path.resolve on a loop of links
            problem = f"'{_shown(name)}' is a loop of symbolic links", "point it at a file in the config's directory"
        except OSError as e:  # unreadable, a name too long...
            problem = f"'{_shown(name)}' cannot be read: {e.strerror or e}", "check the path and its permissions"
        if problem:
            findings.append((path, *problem))
    return findings


def _problem(name: str, base: Path, directory_ok: bool) -> tuple[str, str] | None:
    pure = PurePosixPath(name)
    if not name.strip():
        return "the path is empty", "give a path relative to the config file"
    if pure.is_absolute():
        return f"'{_shown(name)}' is an absolute path: image sources come from the config's directory", OWN_HINT
    if ".." in pure.parts:
        return f"'{_shown(name)}' leaves the config's directory (..)", OWN_HINT
    candidate = base / name
    if not os.path.lexists(candidate):
        return (f"'{_shown(name)}' does not exist (looked in {_shown(str(candidate))})",
                "give a path relative to the config file")
    home = base.resolve()
    real = candidate.resolve()
    if not real.is_relative_to(home):
        return f"'{_shown(name)}' leads to {_shown(str(real))}, outside the config's directory", OWN_HINT
    if not real.exists():
        return f"'{_shown(name)}' is a broken symbolic link", "point it at a file in the config's directory"
    mode = real.stat().st_mode
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode) and directory_ok:
        return _directory_problem(name, real, home)
    what = "a directory" if stat.S_ISDIR(mode) else _kind(mode)
    wanted = "a regular file or a directory" if directory_ok else "a regular file (a shell script)"
    return f"'{_shown(name)}' is {what}, not {wanted}", "give a file the image should get"


def _directory_problem(name: str, directory: Path, home: Path) -> tuple[str, str] | None:
    seen = 0
    for root, dirs, files in os.walk(directory):
        dirs.sort()
        for entry in sorted(dirs) + sorted(files):
            seen += 1
            if seen > MAX_ENTRIES:
                return (f"'{_shown(name)}' holds more than {MAX_ENTRIES} entries",
                        "upload an archive and unpack it in a provisioning script")
            path = Path(root) / entry
            inside = f"'{_shown(name + '/' + path.relative_to(directory).as_posix())}'"
            info = path.lstat()
            if stat.S_ISDIR(info.st_mode) or stat.S_ISREG(info.st_mode):
                continue
            if stat.S_ISLNK(info.st_mode):
                real = path.resolve()
                if not real.is_relative_to(home):
                    return f"{inside} leads to {_shown(str(real))}, outside the config's directory", OWN_HINT
                if real.is_file():
                    continue
                return (f"{inside} is a symbolic link to {'a directory' if real.is_dir() else 'nothing'}",
                        "replace the link with what it points to")
            return f"{inside} is {_kind(info.st_mode)}, not a regular file", "remove it from the directory"
    return None


def _shown(text: str) -> str:
    """`text` for a message: characters that are not printable (a newline, an escape) written as escapes."""
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text)


def _kind(mode: int) -> str:
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device file"
    if stat.S_ISFIFO(mode):
        return "a named pipe"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"
