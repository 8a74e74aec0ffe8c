"""The Lambda package holds everything the handler imports beyond the runtime's standard library
and boto3, and is the same bytes for the same code."""
from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
import zipfile
from pathlib import Path

from vendor.approvals import package

RUNTIME_PACKAGES = ("boto3", "botocore", "jmespath", "dateutil", "urllib3", "s3transfer", "six")

PROBE = """
import json, sys
from vendor.approvals import lambda_handler, link_flow
from vendor.approvals.model import ApprovalRequest, Summary
from vendor.approvals import pages
page = pages.pending_page([ApprovalRequest("apr-1", "acme", "production", ("a@b.c",), Summary(), 0.0, 1.0)])
print(json.dumps({"page": "apr-1" in page, "modules": sorted(m.split(".")[0] for m in sys.modules)}))
"""


def test_the_same_code_gives_the_same_zip_and_hash():
    assert package.build() == package.build()
    names = zipfile.ZipFile(__import__("io").BytesIO(package.build())).namelist()
    assert "vendor/approvals/lambda_handler.py" in names and "jinja2/__init__.py" in names
    assert not [n for n in names if n.endswith((".so", ".pyc"))]
    assert len(package.code_sha256()) == 44


def test_the_handler_runs_with_only_the_lambda_runtime_and_the_zip(tmp_path: Path):
    code = tmp_path / "task"
    zipfile.ZipFile(__import__("io").BytesIO(package.build())).extractall(code)
    runtime = tmp_path / "runtime"
    runtime.mkdir()
    for name in RUNTIME_PACKAGES:
        spec = importlib.util.find_spec(name)
        origin = Path(spec.origin)
        source = origin.parent if origin.name == "__init__.py" else origin
        (runtime / source.name).symlink_to(source)
    done = subprocess.run([sys.executable, "-I", "-S", "-c", f"import sys; sys.path[:0] = [{str(code)!r}, "
                           f"{str(runtime)!r}]\n" + PROBE], capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["page"]
    assert not {"starlette", "pydantic", "uvicorn", "click", "yaml"} & set(result["modules"])


def test_many_environments_planned_at_once_build_the_zip_once(monkeypatch):
    """A fleet run asks for the hash from every worker thread at the same moment: one build, one hash."""
    import threading
    package._build.cache_clear()
    built, start = [], threading.Barrier(8)
    entry = package._entry
    monkeypatch.setattr(package, "_entry", lambda archive, name, data: built.append(name) or entry(archive, name, data))
    hashes = []

    def ask():
        start.wait()
        hashes.append(package.code_sha256())

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(hashes)) == 1 and len(hashes) == 8
    assert len(built) == len(set(built))  # every file was put in a zip once: one zip was built
