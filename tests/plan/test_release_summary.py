"""The plan as the approvers read it: changes, the AMI change and the kept rule priority."""
from __future__ import annotations

from vendor.plan.refresh import RefreshPolicy
from vendor.plan.diff import Change, Step
from vendor.plan.release_summary import ami_line, plan_lines, refresh_line, replaces_instances, rule_lines
from vendor.plan.resources import Observed, Resource

LT = Resource("launch template", "vend-shop-production")
ASG = Resource("auto-scaling group", "vend-shop-production")
RULE = Resource("listener rule", "vend-shop-production-shared")
DEDICATED = Resource("listener rule", "vend-shop-production-dedicated", present=False)
REFRESH = RefreshPolicy(replace=True, min_healthy_percentage=66, warmup_seconds=120)
AT = {"listener rule vend-shop-production-shared": Observed(
    "arn:rule", attrs={"priority": 7780, "load_balancer": "vend-shared-1"})}


def test_the_email_plan_lists_the_changes_then_the_ami_and_the_kept_priority():
    steps = [Step("update", LT, (Change("image", "ami-old", "ami-new"),), "lt-1"),
             Step("update", ASG, (Change("version", 1, "(known after apply)"), Change("max", 2, 3)),
                  "vend-shop-production"),
             Step("keep", RULE, (), "arn:rule")]
    lines = plan_lines(steps, AT, title="Plan for shop/production in eu-west-1", ami_id="ami-new",
                       refresh=REFRESH)
    assert lines[0].startswith("Plan for shop/production in eu-west-1 (plan ") and lines[0].endswith("):")
    assert lines[1:] == (
        "  ~ update launch template vend-shop-production (lt-1)",
        "      image: ami-old -> ami-new",
        "  ~ update auto-scaling group vend-shop-production (vend-shop-production)",
        "      version: 1 -> (known after apply)",
        "      max: 2 -> 3",
        "Plan: 0 to create, 2 to update, 0 to delete, 1 unchanged.",
        "AMI: ami-old -> ami-new",
        "instances: replaced by an instance refresh after apply (min healthy 66%, warm-up 120 s)",
        "listener rule vend-shop-production-shared: priority 7780 on vend-shared-1, kept",
    )


def test_the_ami_line_for_each_launch_template_step():
    assert ami_line([Step("keep", LT, (), "lt-1")], "ami-1") == "ami-1 (unchanged)"
    assert ami_line([Step("create", LT, (Change("image", None, "ami-1"),))], "ami-1") == "ami-1 (new launch template)"
    assert ami_line([Step("update", LT, (Change("instance_type", "t3.small", "t3.large"),), "lt-1")], "ami-1") == (
        "ami-1 (unchanged; other launch template settings change)")
    assert ami_line([], None) == "none (unchanged)"


def test_a_change_to_an_existing_launch_template_replaces_the_instances():
    for change in (Change("image", "ami-old", "ami-new"), Change("instance_type", "t3.small", "t3.large")):
        assert replaces_instances([Step("update", LT, (change,), "lt-1")])
    assert refresh_line([Step("update", LT, (change,), "lt-1")], REFRESH) == (
        "instances: replaced by an instance refresh after apply (min healthy 66%, warm-up 120 s)")
    for steps in ([Step("create", LT, (Change("image", None, "ami-1"),))],  # a new fleet starts on it
                  [Step("keep", LT, (), "lt-1")], []):
        assert not replaces_instances(steps)
        assert refresh_line(steps, REFRESH) is None


def test_rule_lines_say_what_happens_to_the_priority():
    assert rule_lines([Step("create", RULE, ())], {}) == [
        "listener rule vend-shop-production-shared: new; its priority is the first free one on the load balancer, "
        "chosen at apply"]
    assert rule_lines([Step("update", RULE, (Change("hosts", ["a"], ["b"]),), "arn:rule")], AT) == [
        "listener rule vend-shop-production-shared: priority 7780 on vend-shared-1, kept "
        "(conditions or target change in place)"]
    moved = {"listener rule vend-shop-production-dedicated": Observed(
        "arn:d", attrs={"priority": 12, "load_balancer": "vend-shop-production"})}
    assert rule_lines([Step("delete", DEDICATED, (), "arn:d")], moved) == [
        "listener rule vend-shop-production-dedicated: deleted (priority 12 on vend-shop-production), "
        "the priority is freed"]
