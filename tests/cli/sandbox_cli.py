"""The real `vend` command against a sandbox of its own, for the end-to-end tests of `vend up`."""
from __future__ import annotations

import os
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
VEND = str(Path(sys.executable).with_name("vend"))


def vend(env: dict, *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([VEND, *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=timeout)


@contextmanager
def sandbox(tmp_path: Path, config: str) -> Iterator[tuple[dict, Path]]:
    """(the environment of a `vend` whose state is under tmp_path, tmp_path); `vend down` after."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "VEND_"))}
    env["VEND_STATE_DIR"] = str(tmp_path / "state")
    try:
        yield env, tmp_path
    finally:
        subprocess.run([VEND, "down", config], cwd=REPO, env=env, capture_output=True, timeout=120)


def front_door(url: str, host: str, path: str = "/") -> tuple[int, str]:
    """(status, body) of one request for `host` through the front door; (0, why) if none came."""
    request = urllib.request.Request(url + path, headers={"Host": host})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()
    except OSError as e:
        return 0, str(e)
