"""Plan steps from wanted resources and what AWS has, and their text and JSON forms."""
from __future__ import annotations

import json

from vendor.plan.diff import Change, Step, plan_apply, plan_destroy
from vendor.plan.render_plan import as_json, text
from vendor.plan.resources import Observed, Ref, Resource

VPC = Resource("vpc", "v", {"cidr": "10.0.0.0/16"}, immutable=("cidr",))
SUBNET = Resource("subnet", "s", {"vpc": Ref("vpc", "v"), "cidr": "10.0.0.0/24"})
GROUP = Resource("auto-scaling group", "g", {"max": 4, "desired": 2, "subnets": ["b", "a"]},
                 create_only=("desired",), unordered=("subnets",))
OLD = Resource("subnet", "old", present=False)
SHARED = Resource("load balancer", "shared", {"vpc": "vpc-1"}, shared=True, immutable=("vpc",))


def test_missing_resources_are_created_with_unknown_refs():
    steps = plan_apply([VPC, SUBNET], {})
    assert steps == [Step("create", VPC, (Change("cidr", None, "10.0.0.0/16"),)),
                     Step("create", SUBNET, (Change("vpc", None, "(known after apply)"),
                                             Change("cidr", None, "10.0.0.0/24")))]


def test_existing_resources_resolve_refs_and_compare():
    observed = {"vpc v": Observed("vpc-1", {"cidr": "10.0.0.0/16"}),
                "subnet s": Observed("subnet-1", {"vpc": "vpc-1", "cidr": "10.0.0.0/24"}),
                "auto-scaling group g": Observed("g", {"max": 2, "desired": 3, "subnets": ["a", "b"]})}
    steps = plan_apply([VPC, SUBNET, GROUP], observed)
    assert [(s.action, s.id, s.changes) for s in steps] == [
        ("keep", "vpc-1", ()), ("keep", "subnet-1", ()), ("update", "g", (Change("max", 2, 4),))]


def test_immutable_change_is_blocked_with_a_fix():
    steps = plan_apply([VPC], {"vpc v": Observed("vpc-1", {"cidr": "10.1.0.0/16"})})
    assert steps[0].action == "blocked"
    assert steps[0].note == ("cidr cannot change in place; destroy this environment and apply again, "
                             "or change the config back")


def test_unwanted_resources_are_deleted_last_and_shared_ones_never():
    observed = {"subnet old": Observed("subnet-9"), "load balancer shared": Observed("arn:lb", {"vpc": "vpc-1"})}
    steps = plan_apply([SHARED, VPC, OLD], observed)
    assert [(s.action, s.key) for s in steps] == [("keep", "load balancer shared"), ("create", "vpc v"),
                                                  ("delete", "subnet old")]
    destroy = plan_destroy([SHARED, VPC, OLD], observed)
    assert [(s.action, s.key, s.note) for s in destroy] == [("delete", "subnet old", ""),
                                                           ("keep", "load balancer shared", "shared")]


def test_text_and_json():
    steps = plan_apply([VPC, GROUP], {"auto-scaling group g": Observed("g", {"max": 2, "subnets": ["a", "b"]})})
    assert text(steps, title="Plan for acme/staging:") == (
        "Plan for acme/staging:\n"
        "  + create vpc v\n"
        "  ~ update auto-scaling group g (g)\n"
        "      max: 2 -> 4\n"
        "Plan: 1 to create, 1 to update, 0 to delete, 0 unchanged.\n")
    data = json.loads(as_json(steps, environment="acme-staging", region="eu-west-1"))
    assert data["summary"] == {"create": 1, "update": 1, "delete": 0, "keep": 0, "blocked": 0}
    assert data["steps"][1] == {"action": "update", "kind": "auto-scaling group", "name": "g", "id": "g",
                                "changes": [{"field": "max", "from": 2, "to": 4}]}


def test_an_attribute_an_update_renews_is_known_only_after_apply():
    template = Resource("launch template", "t", {"image": "ami-new"}, renewed=("version",))
    group = Resource("auto-scaling group", "g", {"version": Ref("launch template", "t", "version"), "max": 2})
    observed = {"launch template t": Observed("lt-1", {"image": "ami-old"}, {"version": 3}),
                "auto-scaling group g": Observed("g", {"version": 3, "max": 2})}
    assert [(s.action, s.changes) for s in plan_apply([template, group], observed)] == [
        ("update", (Change("image", "ami-old", "ami-new"),)),
        ("update", (Change("version", 3, "(known after apply)"),))]
    observed["launch template t"] = Observed("lt-1", {"image": "ami-new"}, {"version": 3})
    assert [s.action for s in plan_apply([template, group], observed)] == ["keep", "keep"]
