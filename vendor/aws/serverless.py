"""The approvals service's Lambda function (vend's package), its Function URL (public HTTPS,
the function itself checks the signed links) and the SQS -> function mapping.

The function is updated when its package's CodeSha256 or its settings differ from the wanted
ones, so `vend apply` after an upgrade of vend deploys the new handler.
"""
from __future__ import annotations

import json

from botocore.exceptions import ClientError

from vendor.approvals import package
from vendor.aws.base import Handler, missing, retry_on, wait_until
from vendor.plan.resources import Observed

SETTINGS = ("runtime", "handler", "role", "timeout", "memory", "environment")
URL_PERMISSION = "vend-function-url"
# since October 2025 a new function URL needs both permissions
# (https://docs.aws.amazon.com/lambda/latest/dg/urls-auth.html)
INVOKE_PERMISSION = "vend-function-url-invoke"


def _settings(props) -> dict:
    return {"Runtime": props["runtime"], "Handler": props["handler"], "Role": props["role"],
            "Timeout": props["timeout"], "MemorySize": props["memory"],
            "Environment": {"Variables": dict(props["environment"])}}


class Function(Handler):
    kind = "lambda function"

    def read(self, ctx, res, props):
        try:
            found = ctx.client("lambda").get_function(FunctionName=res.name)
        except ClientError as error:
            if missing(error, "ResourceNotFoundException"):
                return None
            raise
        c = found["Configuration"]
        return Observed(c["FunctionArn"], {
            "runtime": c.get("Runtime"), "handler": c.get("Handler"), "role": c.get("Role"),
            "timeout": c.get("Timeout"), "memory": c.get("MemorySize"),
            "environment": (c.get("Environment") or {}).get("Variables", {}), "code_sha256": c.get("CodeSha256"),
            "tags": found.get("Tags", {})}, {"arn": c["FunctionArn"]})

    def create(self, ctx, res, props):
        client = ctx.client("lambda")
        # a role made moments ago may not be assumable yet (IAM is eventually consistent)
        made = retry_on(("InvalidParameterValueException",), lambda: client.create_function(
            FunctionName=res.name, Code={"ZipFile": package.build()}, Description="vend approvals service",
            Publish=False, Tags=dict(props["tags"]), **_settings(props)), f"creating function {res.name}",
            delay=ctx.delay)
        self._wait(ctx, res)
        return Observed(made["FunctionArn"], props, {"arn": made["FunctionArn"]})

    def update(self, ctx, res, props, observed, changed):
        client = ctx.client("lambda")
        if "code_sha256" in changed:
            client.update_function_code(FunctionName=res.name, ZipFile=package.build())
            self._wait(ctx, res)
        if set(changed) & set(SETTINGS):
            client.update_function_configuration(FunctionName=res.name, **_settings(props))
            self._wait(ctx, res)
        return Observed(observed.id, props, observed.attrs)

    def _wait(self, ctx, res) -> None:
        client = ctx.client("lambda")

        def ready() -> bool:
            c = client.get_function_configuration(FunctionName=res.name)
            return c.get("State", "Active") == "Active" and c.get("LastUpdateStatus", "Successful") != "InProgress"

        wait_until(ready, f"function {res.name}", delay=ctx.delay)

    def delete(self, ctx, res, observed):
        ctx.client("lambda").delete_function(FunctionName=res.name)


class FunctionUrl(Handler):
    """Public HTTPS endpoint of the function (AuthType NONE: the signed links are the check)."""

    kind = "function url"

    def read(self, ctx, res, props):
        client, function = ctx.client("lambda"), props.get("function", res.name)
        try:
            found = client.get_function_url_config(FunctionName=function)
        except ClientError as error:
            if missing(error, "ResourceNotFoundException"):
                return None
            raise
        return Observed(found["FunctionArn"], {"function": function, "auth": found["AuthType"],
                                               "public": self._public(client, function)},
                        {"url": found["FunctionUrl"]})

    @classmethod
    def _public(cls, client, function: str) -> bool:
        return {URL_PERMISSION, INVOKE_PERMISSION} <= cls._sids(client, function)

    @staticmethod
    def _sids(client, function: str) -> set[str]:
        try:
            policy = json.loads(client.get_policy(FunctionName=function)["Policy"])
        except ClientError as error:
            if missing(error, "ResourceNotFoundException"):
                return set()
            raise
        return {s.get("Sid") for s in policy.get("Statement", [])}

    def create(self, ctx, res, props):
        made = ctx.client("lambda").create_function_url_config(FunctionName=props["function"], AuthType=props["auth"])
        observed = Observed(made["FunctionArn"], {**props, "public": False}, {"url": made["FunctionUrl"]})
        return self.update(ctx, res, props, observed, {"public"})

    def update(self, ctx, res, props, observed, changed):
        client = ctx.client("lambda")
        if "auth" in changed:
            client.update_function_url_config(FunctionName=props["function"], AuthType=props["auth"])
        if "public" in changed and props["public"]:
            have = self._sids(client, props["function"])
            if URL_PERMISSION not in have:
                client.add_permission(FunctionName=props["function"], StatementId=URL_PERMISSION,
                                      Action="lambda:InvokeFunctionUrl", Principal="*", FunctionUrlAuthType=props["auth"])
            if INVOKE_PERMISSION not in have:
                client.add_permission(FunctionName=props["function"], StatementId=INVOKE_PERMISSION,
                                      Action="lambda:InvokeFunction", Principal="*", InvokedViaFunctionUrl=True)
        return Observed(observed.id, props, observed.attrs)

    def delete(self, ctx, res, observed):
        ctx.client("lambda").delete_function_url_config(FunctionName=observed.props["function"])


class QueueMapping(Handler):
    kind = "event source mapping"

    def read(self, ctx, res, props):
        queue = props.get("queue")
        if not isinstance(queue, str):
            return None
        found = ctx.client("lambda").list_event_source_mappings(FunctionName=props["function"],
                                                                EventSourceArn=queue)["EventSourceMappings"]
        if not found:
            return None
        m = found[0]
        return Observed(m["UUID"], {"function": props["function"], "queue": m["EventSourceArn"],
                                    "batch_size": m.get("BatchSize"),
                                    "report_failures": "ReportBatchItemFailures" in (m.get("FunctionResponseTypes") or [])})

    def create(self, ctx, res, props):
        made = ctx.client("lambda").create_event_source_mapping(
            FunctionName=props["function"], EventSourceArn=props["queue"], BatchSize=props["batch_size"],
            FunctionResponseTypes=["ReportBatchItemFailures"] if props["report_failures"] else [], Enabled=True)
        return Observed(made["UUID"], props)

    def update(self, ctx, res, props, observed, changed):
        ctx.client("lambda").update_event_source_mapping(
            UUID=observed.id, BatchSize=props["batch_size"],
            FunctionResponseTypes=["ReportBatchItemFailures"] if props["report_failures"] else [])
        return Observed(observed.id, props)

    def delete(self, ctx, res, observed):
        ctx.client("lambda").delete_event_source_mapping(UUID=observed.id)


HANDLERS = [Function(), FunctionUrl(), QueueMapping()]
