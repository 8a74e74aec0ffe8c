"""Apply with a check (the release pipeline's approved plan): every create, update and delete is
shown to the check, as read just before it is made, and a check that refuses stops the apply
there, before that change's first call (moto server over HTTP)."""
from __future__ import annotations

import uuid

from vendor.aws import executor
from vendor.aws.calls import CallCounter
from vendor.aws.observe import observe
from vendor.plan.diff import plan_apply
from vendor.plan.resources import Resource


class Refused(Exception):
    pass


def logs(name: str, days: int | None) -> list[Resource]:
    return [Resource("log group", name, {"retention_days": days} if days else {}, present=days is not None)]


def run(cloud, resources, refuse=()):
    ctx = cloud.context(counter=CallCounter())
    ctx.tags = {"ManagedBy": "vend", "Customer": "shop", "Environment": "test"}
    seen = []

    def check(step):
        seen.append(f"{step.action} {step.key}")
        if step.action in refuse:
            raise Refused(step.key)

    try:
        executor.apply(ctx, resources, check=check)
    except Refused:
        pass
    return seen, ctx.counter.mutating_calls(), observe(ctx, resources)


def test_the_check_sees_each_change_and_a_refusal_stops_before_its_calls(cloud):
    name = f"/vend/check-{uuid.uuid4().hex[:8]}"
    seen, calls, found = run(cloud, logs(name, 30), refuse=("create",))
    assert (seen, calls, found) == ([f"create log group {name}"], {}, {f"log group {name}": None})

    seen, calls, found = run(cloud, logs(name, 30))
    assert seen == [f"create log group {name}"] and found[f"log group {name}"].props == {"retention_days": 30}

    seen, calls, found = run(cloud, logs(name, 90), refuse=("update",))
    assert (seen, calls) == ([f"update log group {name}"], {})
    assert found[f"log group {name}"].props == {"retention_days": 30}

    seen, calls, _ = run(cloud, logs(name, None), refuse=("delete",))
    assert (seen, calls) == ([f"delete log group {name}"], {})
    seen, calls, found = run(cloud, logs(name, None))
    assert calls == {"logs:DeleteLogGroup": 1} and found == {f"log group {name}": None}


def test_a_check_is_not_called_when_nothing_changes(cloud):
    name = f"/vend/check-{uuid.uuid4().hex[:8]}"
    run(cloud, logs(name, 30))
    seen, calls, found = run(cloud, logs(name, 30), refuse=("create", "update", "delete"))
    assert (seen, calls) == ([], {})
    assert [s.action for s in plan_apply(logs(name, 30), found)] == ["keep"]

