"""The approved plan: its fingerprint, what makes a fresh plan differ from it (staleness), and
which steps of an apply it covers."""
from __future__ import annotations

from vendor.plan.approved import differences, fingerprint, is_empty, matches, uncovered
from vendor.plan.diff import Change, Step, plan_apply
from vendor.plan.resources import UNKNOWN, Observed, Ref, Resource

LT = Resource("launch template", "web", {"image": "ami-new", "type": "t3.small"}, renewed=("version",))
ASG = Resource("auto-scaling group", "web", {"template": Ref("launch template", "web"),
                                             "version": Ref("launch template", "web", "version"), "max": 3})
TG = Resource("target group", "web", {"path": "/health"})
SG = Resource("security group", "app", {"ingress": [{"port": 80, "source": Ref("security group", "alb")},
                                                    {"port": 22, "source": Ref("security group", "ops")}]},
              unordered=("ingress",))


def observed(image="ami-old", max_=2, path="/health"):
    return {"launch template web": Observed("lt-1", {"image": image, "type": "t3.small"}, {"version": 1}),
            "auto-scaling group web": Observed("web", {"template": "lt-1", "version": 1, "max": max_}),
            "target group web": Observed("tg-1", {"path": path})}


def plan(**kwargs):
    return plan_apply([LT, ASG, TG], observed(**kwargs))


def test_the_same_changes_have_the_same_fingerprint_and_keeps_do_not_count():
    assert fingerprint(plan()) == fingerprint(plan())
    assert len(fingerprint(plan())) == 12
    assert fingerprint(plan()) != fingerprint(plan(max_=1))
    assert fingerprint(plan()) == fingerprint([s for s in plan() if s.action != "keep"])


def test_an_empty_plan_has_only_keeps():
    assert is_empty(plan_apply([TG], observed()))
    assert not is_empty(plan())


def test_a_fresh_plan_equal_to_the_approved_one_has_no_differences():
    assert differences(plan(), plan()) == []


def test_each_way_aws_can_change_in_between_is_one_line():
    assert differences(plan(), plan(path="/by-hand")) == [
        "target group web: not in the approved plan, now update path /by-hand -> /health"]
    assert differences(plan(), plan(max_=1)) == [
        "auto-scaling group web: max approved 2 -> 3, now 1 -> 3"]
    assert differences(plan(), plan(image="ami-new")) == [
        "launch template web: approved update image ami-old -> ami-new, now nothing to do (AWS already has it)",
        "auto-scaling group web: version approved 1 -> (known after apply), now unchanged"]
    gone = plan_apply([LT, ASG, TG], {k: v for k, v in observed().items() if k != "target group web"})
    assert differences(plan(), gone) == ["target group web: not in the approved plan, now create"]
    moved = plan_apply([LT, ASG, TG], {**observed(), "target group web": Observed("tg-2", {"path": "/x"})})
    assert differences(plan_apply([LT, ASG, TG], {**observed(), "target group web": Observed("tg-1", {"path": "/x"})}),
                       moved) == ["target group web: approved update of tg-1, now update of tg-2"]


def test_apply_steps_the_approved_plan_covers():
    approved = plan()
    # as the executor sees the group after the template's update: the new version is known now
    group = Step("update", ASG, (Change("version", 1, 2), Change("max", 2, 3)), "web")
    assert uncovered(approved, approved[0]) is None
    assert uncovered(approved, group) is None


def test_apply_steps_the_approved_plan_does_not_cover_are_named():
    approved = plan()
    assert uncovered(approved, Step("update", TG, (Change("path", "/x", "/health"),), "tg-1")) == (
        "update target group web is not in the approved plan")
    assert uncovered(approved, Step("update", ASG, (Change("version", 1, 2), Change("max", 1, 3)), "web")) == (
        "auto-scaling group web: max approved 2 -> 3, about to 1 -> 3")
    assert uncovered(approved, Step("update", ASG, (Change("max", 2, 3),), "web")) == (
        "auto-scaling group web: approved changes to max, version, about to change max")
    assert uncovered(approved, Step("delete", ASG, (), "web")) == "auto-scaling group web: approved update, about to delete"
    assert uncovered(approved, Step("update", ASG, (Change("version", 1, 2), Change("max", 2, 3)), "other")) == (
        "auto-scaling group web: approved update, about to update")


def test_a_created_resource_is_covered_once_its_references_are_known():
    approved = plan_apply([SG], {})
    assert approved[0].changes == (Change("ingress", None, [{"port": 80, "source": UNKNOWN},
                                                            {"port": 22, "source": UNKNOWN}]),)
    created = Step("create", SG, (Change("ingress", None, [{"port": 22, "source": "sg-ops"},
                                                            {"port": 80, "source": "sg-alb"}]),))
    assert uncovered(approved, created) is None  # sorted once resolved: matched as a set
    other = Step("create", SG, (Change("ingress", None, [{"port": 22, "source": "sg-ops"},
                                                          {"port": 443, "source": "sg-alb"}]),))
    assert uncovered(approved, other).startswith("security group app: ingress approved")


def test_known_values_must_match_exactly_and_in_order():
    assert matches({"a": [1, 2]}, {"a": [1, 2]})
    assert not matches([1, 2], [2, 1])
    assert matches([UNKNOWN, 2], [2, "x"])
    assert not matches({"a": 1}, {"a": 1, "b": 2})
    assert not matches(UNKNOWN + "!", "anything")
