"""Pipeline execution records in the state directory, when some are damaged."""
from __future__ import annotations

import os
import stat

from click.testing import CliRunner

from vendor.cli.main import cli
from vendor.pipeline.executions import Execution, Executions
from tests.deploy.revisions import MINIMAL


def test_unreadable_execution_is_skipped_and_named(tmp_path):
    """An execution record that cannot be read is skipped with a warning naming the file."""
    warnings: list[str] = []
    executions = Executions(tmp_path / "state", "vend-shop-staging", warn=warnings.append)
    good = Execution("vend-shop-staging", id="aaa", started=1.0)
    executions.save(good)
    (executions.dir / "bbb.json").write_text('{"pipeline": "vend-shop-staging", "id": "bbb", "sta')
    (executions.dir / "ccc.json").write_text('{"pipeline": "vend-shop-staging", "id": "ccc", "stages": 5}')
    assert [e.id for e in executions.all()] == ["aaa"]
    assert warnings == [
        f"{executions.dir / 'bbb.json'}: not a readable execution record (not JSON: a truncated write?); skipped",
        f"{executions.dir / 'ccc.json'}: not a readable execution record (fields missing or of the wrong type); skipped"]


def test_pipeline_status_shows_the_readable_executions_and_names_the_others(tmp_path, monkeypatch):
    """`vend pipeline status` shows the readable executions and names an unreadable record on stderr (no traceback)."""
    monkeypatch.setenv("VEND_STATE_DIR", str(tmp_path / "state"))
    config = tmp_path / "shop-staging.yaml"
    config.write_text(MINIMAL.read_text())
    executions = Executions(tmp_path / "state", "vend-shop-staging")
    executions.save(Execution("vend-shop-staging", id="aaa", started=0.0, status="Succeeded", source="repo"))
    (executions.dir / "bbb.json").write_bytes(b"\x00" * 10)
    result = CliRunner().invoke(cli, ["pipeline", "status", str(config)])
    stages = "".join(f"  {s:<8} Pending\n" for s in ("Source", "Build", "Approve", "Deploy"))
    assert (result.exit_code, result.stdout) == (0, "aaa  Succeeded  1970-01-01 00:00:00Z  repo\n" + stages)
    assert result.stderr == (f"warning: {executions.dir / 'bbb.json'}: not a readable execution record "
                             "(not JSON: a truncated write?); skipped\n")


def test_execution_records_are_private(tmp_path):
    """Execution records are made 0600 in directories made 0700, whatever the umask."""
    old = os.umask(0o022)
    try:
        executions = Executions(tmp_path / "state", "vend-shop-staging")
        executions.save(Execution("vend-shop-staging", id="aaa"))
    finally:
        os.umask(old)
    modes = {str(p.relative_to(tmp_path)): oct(stat.S_IMODE(p.stat().st_mode))
             for p in [tmp_path / "state", *sorted((tmp_path / "state").rglob("*"))]}
    assert modes == {"state": "0o700", "state/pipelines": "0o700", "state/pipelines/vend-shop-staging": "0o700",
                     "state/pipelines/vend-shop-staging/executions": "0o700",
                     "state/pipelines/vend-shop-staging/executions/aaa.json": "0o600"}
