"""The EventBridge rule that starts an environment's pipeline when its source changes."""
from __future__ import annotations

from botocore.exceptions import ClientError

from vendor.aws.base import Handler, missing, retry_on, tag_list
from vendor.plan.resources import Observed

TARGET_ID = "pipeline"


class EventRule(Handler):
    kind = "event rule"

    def read(self, ctx, res, props):
        events = ctx.client("events")
        try:
            rule = events.describe_rule(Name=res.name)
        except ClientError as error:
            if missing(error, "ResourceNotFoundException"):
                return None
            raise
        targets = events.list_targets_by_rule(Rule=res.name).get("Targets", [])
        target = next((t for t in targets if t["Id"] == TARGET_ID), {})
        return Observed(res.name, {"description": rule.get("Description"), "pattern": rule.get("EventPattern"),
                                   "target": target.get("Arn"), "role": target.get("RoleArn")},
                        {"arn": rule.get("Arn")})

    def _put(self, ctx, res, props, tags: bool) -> None:
        events = ctx.client("events")
        events.put_rule(Name=res.name, EventPattern=props["pattern"], State="ENABLED",
                        Description=props["description"], **({"Tags": tag_list(ctx.tags)} if tags else {}))
        # The role may be minutes old: EventBridge checks it can be passed.
        retry_on(("ValidationException", "AccessDeniedException"), lambda: events.put_targets(
            Rule=res.name, Targets=[{"Id": TARGET_ID, "Arn": props["target"], "RoleArn": props["role"]}]),
            f"pointing {res.key} at the pipeline", delay=ctx.delay, attempts=5)

    def create(self, ctx, res, props):
        self._put(ctx, res, props, tags=True)
        return Observed(res.name, props)

    def update(self, ctx, res, props, observed, changed):
        self._put(ctx, res, props, tags=False)
        return Observed(res.name, props, observed.attrs)

    def delete(self, ctx, res, observed):
        events = ctx.client("events")
        events.remove_targets(Rule=res.name, Ids=[TARGET_ID])
        events.delete_rule(Name=res.name)


HANDLERS = [EventRule()]
