"""Stages in order, recorded: a fault inside a stage (a bug, not an outcome) still ends the
execution as Failed instead of leaving it InProgress."""
from __future__ import annotations

import pytest

from vendor.pipeline.executions import Execution, Executions
from vendor.pipeline.stages import run_stages


def test_a_fault_in_a_stage_ends_the_execution(tmp_path):
    executions = Executions(tmp_path, "vend-shop-staging")
    execution = Execution(pipeline="vend-shop-staging")

    def broken():
        raise NotImplementedError("absolute artifact paths")

    with pytest.raises(NotImplementedError):
        run_stages(execution, [("Source", lambda: ("Succeeded", "directory")), ("Build", broken)],
                   executions, lambda *e: None)
    [saved] = executions.all()
    assert saved.status == "Failed" and saved.ended is not None
    assert [(s.name, s.status) for s in saved.stages] == [
        ("Source", "Succeeded"), ("Build", "Failed"), ("Approve", "NotRun"), ("Deploy", "NotRun")]
    assert saved.stage("Build").summary == "internal error: NotImplementedError: absolute artifact paths"
