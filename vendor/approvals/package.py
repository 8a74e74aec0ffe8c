"""The approvals service's Lambda package: vend's approval modules plus jinja2/markupsafe (pure
Python), as one zip with fixed dates, so the same code always gives the same CodeSha256 and
`vend apply` updates the function exactly when the code changed.

The Lambda runtime provides the standard library and boto3; everything else the handler imports
is in the zip (checked by tests/approvals/test_package.py in an interpreter that has nothing else).
"""
from __future__ import annotations

import base64
import hashlib
import io
import threading
import zipfile
from functools import lru_cache
from pathlib import Path

import jinja2
import markupsafe

HANDLER = "vendor.approvals.lambda_handler.handler"
RUNTIME = "python3.12"
ROOT = Path(__file__).resolve().parents[2]  # the directory holding the `vendor` package
MODULES = (
    "vendor/__init__.py", "vendor/state.py", "vendor/aws/__init__.py", "vendor/aws/clients.py",
    "vendor/aws/timestamps.py", "vendor/aws/codepipeline.py", "vendor/approvals/__init__.py",
    *(f"vendor/approvals/{m}.py" for m in (
        "decisions", "dynamo_store", "gate", "keys", "lambda_handler", "link_flow", "mailer", "message", "model",
        "pages", "service_config", "settings", "sns", "store", "tokens")),
)
LIBRARIES = (jinja2, markupsafe)
FIXED_DATE = (1980, 1, 1, 0, 0, 0)


def _entry(archive: zipfile.ZipFile, name: str, data: bytes) -> None:
    info = zipfile.ZipInfo(name, FIXED_DATE)
    info.external_attr = 0o644 << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    archive.writestr(info, data)


def _files() -> list[tuple[str, Path]]:
    files = [(name, ROOT / name) for name in MODULES]
    for library in LIBRARIES:
        folder = Path(library.__file__).parent
        files += [(f"{folder.name}/{p.relative_to(folder).as_posix()}", p) for p in sorted(folder.rglob("*.py"))]
    return sorted(files)


_building = threading.Lock()


def build() -> bytes:
    """The zip's bytes."""
    return _built()[0]


def code_sha256(data: bytes | None = None) -> str:
    """The package's hash as Lambda reports it (`CodeSha256`: base64 of the SHA-256)."""
    return _built()[1] if data is None else _hash(data)


def _built() -> tuple[bytes, str]:
    """The zip and its hash, made once per process: threads asking at once (a fleet run's) wait for
    the one build."""
    with _building:
        return _build()


@lru_cache(maxsize=1)
def _build() -> tuple[bytes, str]:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, path in _files():
            _entry(archive, name, path.read_bytes())
    return buffer.getvalue(), _hash(buffer.getvalue())


def _hash(data: bytes) -> str:
    return base64.b64encode(hashlib.sha256(data).digest()).decode("ascii")
