"""The approvals service's stores and identity: the signing key secret, the requests table, the
queue fed by the approval topics, the SES sender, the function's role; and an environment's
subscription of its approval topic to the queue. All but the subscription are shared per
account and region (tagged ManagedBy=vend, Shared=true, Service=approvals).

The key is made here (random, 32 bytes hex) and goes straight into Secrets Manager: it is never
printed, read back or kept anywhere else.
"""
from __future__ import annotations

import json
import secrets

from botocore.exceptions import ClientError

from vendor.aws.base import Handler, missing, tag_list, wait_until
from vendor.aws.iam import Role
from vendor.plan.resources import Observed


def _tags(pairs, key="Key", value="Value") -> dict[str, str]:
    return {t[key]: t[value] for t in pairs or []}


class KeySecret(Handler):
    kind = "approvals key"

    def read(self, ctx, res, props):
        try:
            found = ctx.client("secretsmanager").describe_secret(SecretId=res.name)
        except ClientError as error:
            if missing(error, "ResourceNotFoundException"):
                return None
            raise
        if found.get("DeletedDate"):
            return None
        return Observed(found["ARN"], {"description": found.get("Description", ""), "tags": _tags(found.get("Tags"))},
                        {"arn": found["ARN"]})

    def create(self, ctx, res, props):
        made = ctx.client("secretsmanager").create_secret(
            Name=res.name, Description=props["description"], SecretString=secrets.token_hex(32),
            Tags=tag_list(props["tags"]))
        return Observed(made["ARN"], props, {"arn": made["ARN"]})

    def update(self, ctx, res, props, observed, changed):
        return observed

    def delete(self, ctx, res, observed):
        ctx.client("secretsmanager").delete_secret(SecretId=observed.id, RecoveryWindowInDays=7)


class Table(Handler):
    kind = "approvals table"

    def read(self, ctx, res, props):
        dynamodb = ctx.client("dynamodb")
        try:
            table = dynamodb.describe_table(TableName=res.name)["Table"]
        except ClientError as error:
            if missing(error, "ResourceNotFoundException"):
                return None
            raise
        ttl = dynamodb.describe_time_to_live(TableName=res.name)["TimeToLiveDescription"]
        key = [k["AttributeName"] for k in table["KeySchema"] if k["KeyType"] == "HASH"]
        billing = (table.get("BillingModeSummary") or {}).get("BillingMode", "PROVISIONED")
        return Observed(res.name, {"key": key[0] if key else None, "billing": billing,
                                   "ttl": ttl.get("AttributeName") if ttl.get("TimeToLiveStatus") in ("ENABLED", "ENABLING") else None},
                        {"arn": table["TableArn"]})

    def create(self, ctx, res, props):
        dynamodb = ctx.client("dynamodb")
        dynamodb.create_table(TableName=res.name, BillingMode=props["billing"],
                              AttributeDefinitions=[{"AttributeName": props["key"], "AttributeType": "S"}],
                              KeySchema=[{"AttributeName": props["key"], "KeyType": "HASH"}],
                              SSESpecification={"Enabled": True}, Tags=tag_list(props["tags"]))
        wait_until(lambda: dynamodb.describe_table(TableName=res.name)["Table"]["TableStatus"] == "ACTIVE",
                   f"table {res.name}", delay=ctx.delay)
        return self.update(ctx, res, props, Observed(res.name), {"ttl"})

    def update(self, ctx, res, props, observed, changed):
        if "ttl" in changed:
            ctx.client("dynamodb").update_time_to_live(TableName=res.name, TimeToLiveSpecification={
                "Enabled": True, "AttributeName": props["ttl"]})
        return Observed(res.name, props, observed.attrs)

    def delete(self, ctx, res, observed):
        ctx.client("dynamodb").delete_table(TableName=res.name)


class Queue(Handler):
    kind = "approvals queue"

    def read(self, ctx, res, props):
        sqs = ctx.client("sqs")
        try:
            url = sqs.get_queue_url(QueueName=res.name)["QueueUrl"]
        except ClientError as error:
            if missing(error, "AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist"):
                return None
            raise
        a = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
        return Observed(url, {"policy": json.loads(a["Policy"]) if a.get("Policy") else None,
                              "visibility_timeout": int(a.get("VisibilityTimeout", 30)),
                              "retention": int(a.get("MessageRetentionPeriod", 345600)),
                              "encrypted": a.get("SqsManagedSseEnabled") == "true"},
                        {"arn": a["QueueArn"], "url": url})

    def _attributes(self, props, changed) -> dict:
        values = {"policy": ("Policy", json.dumps(props["policy"])),
                  "visibility_timeout": ("VisibilityTimeout", str(props["visibility_timeout"])),
                  "retention": ("MessageRetentionPeriod", str(props["retention"])),
                  "encrypted": ("SqsManagedSseEnabled", "true" if props["encrypted"] else "false")}
        return dict(values[k] for k in changed if k in values)

    def create(self, ctx, res, props):
        url = ctx.client("sqs").create_queue(QueueName=res.name, tags=dict(props["tags"]), Attributes=self._attributes(
            props, ["policy", "visibility_timeout", "retention", "encrypted"]))["QueueUrl"]
        return Observed(url, props, {"url": url})

    def update(self, ctx, res, props, observed, changed):
        ctx.client("sqs").set_queue_attributes(QueueUrl=observed.id, Attributes=self._attributes(props, changed))
        return Observed(observed.id, props, observed.attrs)

    def delete(self, ctx, res, observed):
        ctx.client("sqs").delete_queue(QueueUrl=observed.id)


class SenderIdentity(Handler):
    """The approval mail's sender, verified in SES (AWS mails the address a confirmation link)."""

    kind = "ses identity"

    def read(self, ctx, res, props):
        found = ctx.client("ses").get_identity_verification_attributes(Identities=[res.name])["VerificationAttributes"]
        if res.name not in found:
            return None
        return Observed(res.name, {}, {"status": found[res.name].get("VerificationStatus", "")})

    def create(self, ctx, res, props):
        ses = ctx.client("ses")
        if "@" in res.name:
            ses.verify_email_identity(EmailAddress=res.name)
        else:
            ses.verify_domain_identity(Domain=res.name)
        return Observed(res.name, {})

    def update(self, ctx, res, props, observed, changed):
        return observed

    def delete(self, ctx, res, observed):
        ctx.client("ses").delete_identity(Identity=res.name)


class ServiceRole(Role):
    """The function's role: an IAM role as `iam role`, tagged as shared rather than per stack."""

    kind = "approvals role"

    def read(self, ctx, res, props):
        found = super().read(ctx, res, props)
        if found is None:
            return None
        return Observed(found.id, {**found.props, "tags": props.get("tags")}, found.attrs)

    def create(self, ctx, res, props):
        saved, ctx.tags = ctx.tags, dict(props["tags"])
        try:
            return super().create(ctx, res, props)
        finally:
            ctx.tags = saved


class Subscription(Handler):
    """An environment's approval topic -> the service's queue (SNS envelope, not raw)."""

    kind = "approvals subscription"

    def read(self, ctx, res, props):
        topic, queue = props.get("topic"), props.get("queue")
        if not isinstance(topic, str) or not isinstance(queue, str):
            return None
        sns = ctx.client("sns")
        try:
            pages = list(sns.get_paginator("list_subscriptions_by_topic").paginate(TopicArn=topic))
        except ClientError as error:
            if missing(error, "NotFound"):
                return None
            raise
        for s in (s for page in pages for s in page["Subscriptions"]):
            if s["Protocol"] == "sqs" and s["Endpoint"] == queue:
                return Observed(s["SubscriptionArn"], {"topic": topic, "queue": queue})
        return None

    def create(self, ctx, res, props):
        made = ctx.client("sns").subscribe(TopicArn=props["topic"], Protocol="sqs", Endpoint=props["queue"],
                                           ReturnSubscriptionArn=True)
        return Observed(made["SubscriptionArn"], props)

    def update(self, ctx, res, props, observed, changed):
        self.delete(ctx, res, observed)
        return self.create(ctx, res, props)

    def delete(self, ctx, res, observed):
        ctx.client("sns").unsubscribe(SubscriptionArn=observed.id)


HANDLERS = [KeySecret(), Table(), Queue(), SenderIdentity(), ServiceRole(), Subscription()]

