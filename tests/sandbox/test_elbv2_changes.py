"""The emulator's change counter: moto's route-changing calls move it before they answer."""
from __future__ import annotations

from tests.sandbox.frontdoor_scene import scene
from vendor.sandbox import elbv2_changes


def test_a_reader_sees_nothing_until_a_counter_is_published_then_every_bump(tmp_path):
    reader = elbv2_changes.Reader(tmp_path / "changes")
    assert reader() is None
    counter = elbv2_changes.Counter(tmp_path / "changes")
    assert reader() == 1  # a new emulator is a change: what a front door cached is stale
    assert [counter.bump(), reader()] == [2, 2]
    counter.close()
    again = elbv2_changes.Counter(tmp_path / "changes")  # a restarted emulator goes on, never back
    assert reader() == 3
    again.close()


def test_register_deregister_and_rule_changes_move_it_reads_do_not(moto_url, tmp_path):
    where = scene(moto_url, tmp_path / "changes")
    reader = elbv2_changes.Reader(where.counter)
    before = reader()
    where.elbv2.describe_target_health(TargetGroupArn=where.target_group)
    assert reader() == before
    where.register(("127.0.0.2", 8080))
    assert reader() == before + 1
    where.deregister(("127.0.0.2", 8080))
    assert reader() == before + 2
    where.elbv2.set_rule_priorities(RulePriorities=[{"RuleArn": where.rule, "Priority": 11}])
    assert reader() == before + 3
