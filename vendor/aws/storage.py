"""The artifact bucket (versioned, encrypted, private, sending its events to EventBridge), the log
group and the approvals topic."""
from __future__ import annotations

from botocore.exceptions import ClientError

from vendor.aws.base import Handler, StackError, code, missing, tag_list
from vendor.plan.resources import Observed

BLOCK_ALL = {"BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True,
             "RestrictPublicBuckets": True}
PENDING = "PendingConfirmation"


def _get(call, *absent: str, default=None):
    try:
        return call()
    except ClientError as error:
        if missing(error, *absent):
            return default
        raise


class Bucket(Handler):
    kind = "s3 bucket"

    def read(self, ctx, res, props):
        s3 = ctx.client("s3")
        try:
            s3.head_bucket(Bucket=res.name, ExpectedBucketOwner=ctx.account)
        except ClientError as error:
            if code(error) in ("404", "NoSuchBucket"):
                return None
            if code(error) == "403":
                raise StackError(f"bucket {res.name} exists but belongs to another account; "
                                 "delete it there or ask AWS support") from None
            raise
        versioning = s3.get_bucket_versioning(Bucket=res.name).get("Status")
        rules = _get(lambda: s3.get_bucket_encryption(Bucket=res.name)["ServerSideEncryptionConfiguration"]["Rules"],
                     "ServerSideEncryptionConfigurationNotFoundError", default=[])
        encryption = rules[0]["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] if rules else None
        block = _get(lambda: s3.get_public_access_block(Bucket=res.name)["PublicAccessBlockConfiguration"],
                     "NoSuchPublicAccessBlockConfiguration", default={})
        ownership = _get(lambda: s3.get_bucket_ownership_controls(Bucket=res.name)["OwnershipControls"]["Rules"][0]
                         ["ObjectOwnership"], "OwnershipControlsNotFoundError", default=None)
        tags = _get(lambda: s3.get_bucket_tagging(Bucket=res.name)["TagSet"], "NoSuchTagSet", default=[])
        notifications = s3.get_bucket_notification_configuration(Bucket=res.name)
        return Observed(res.name, {"versioning": versioning, "encryption": encryption,
                                   "public_access_blocked": block == BLOCK_ALL, "ownership": ownership,
                                   "tags": {t["Key"]: t["Value"] for t in tags},
                                   "eventbridge": "EventBridgeConfiguration" in notifications},
                        {"arn": f"arn:{ctx.partition}:s3:::{res.name}"})

    def create(self, ctx, res, props):
        s3 = ctx.client("s3")
        extra = {} if ctx.region == "us-east-1" else {"CreateBucketConfiguration": {"LocationConstraint": ctx.region}}
        s3.create_bucket(Bucket=res.name, ObjectOwnership=props["ownership"], **extra)
        return self.update(ctx, res, props, Observed(res.name), {"public_access_blocked", "encryption",
                                                                 "versioning", "tags", "eventbridge"})

    def update(self, ctx, res, props, observed, changed):
        s3 = ctx.client("s3")
        if "public_access_blocked" in changed:
            s3.put_public_access_block(Bucket=res.name, PublicAccessBlockConfiguration=BLOCK_ALL)
        if "ownership" in changed:
            s3.put_bucket_ownership_controls(Bucket=res.name, OwnershipControls={
                "Rules": [{"ObjectOwnership": props["ownership"]}]})
        if "encryption" in changed:
            s3.put_bucket_encryption(Bucket=res.name, ServerSideEncryptionConfiguration={"Rules": [
                {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": props["encryption"]}}]})
        if "versioning" in changed:
            s3.put_bucket_versioning(Bucket=res.name, VersioningConfiguration={"Status": props["versioning"]})
        if "tags" in changed:
            s3.put_bucket_tagging(Bucket=res.name, Tagging={"TagSet": tag_list(props["tags"])})
        if "eventbridge" in changed:
            _send_to_eventbridge(s3, res.name, props["eventbridge"])
        return Observed(res.name, props)

    def delete(self, ctx, res, observed):
        s3 = ctx.client("s3")
        for page in s3.get_paginator("list_object_versions").paginate(Bucket=res.name):
            doomed = [{"Key": v["Key"], "VersionId": v["VersionId"]}
                      for v in page.get("Versions", []) + page.get("DeleteMarkers", [])]
            if doomed:
                s3.delete_objects(Bucket=res.name, Delete={"Objects": doomed, "Quiet": True})
        s3.delete_bucket(Bucket=res.name)


def _send_to_eventbridge(s3, bucket: str, on: bool) -> None:
    """Turn the bucket's EventBridge notifications on or off, keeping any other notifications."""
    current = s3.get_bucket_notification_configuration(Bucket=bucket)
    current.pop("ResponseMetadata", None)
    current.pop("EventBridgeConfiguration", None)
    if on:
        current["EventBridgeConfiguration"] = {}
    s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration=current)


class LogGroup(Handler):
    kind = "log group"

    def read(self, ctx, res, props):
        groups = ctx.client("logs").describe_log_groups(logGroupNamePrefix=res.name)["logGroups"]
        found = [g for g in groups if g["logGroupName"] == res.name]
        if not found:
            return None
        return Observed(res.name, {"retention_days": found[0].get("retentionInDays")})

    def create(self, ctx, res, props):
        ctx.client("logs").create_log_group(logGroupName=res.name, tags=dict(ctx.tags))
        return self.update(ctx, res, props, Observed(res.name), {"retention_days"})

    def update(self, ctx, res, props, observed, changed):
        ctx.client("logs").put_retention_policy(logGroupName=res.name, retentionInDays=props["retention_days"])
        return Observed(res.name, props)

    def delete(self, ctx, res, observed):
        ctx.client("logs").delete_log_group(logGroupName=res.name)


class Topic(Handler):
    """Email subscriptions still waiting for confirmation cannot be removed; AWS drops them after
    3 days. Unwanted pending ones are therefore not reported as differences."""

    kind = "sns topic"

    def read(self, ctx, res, props):
        sns = ctx.client("sns")
        topic = f"arn:{ctx.partition}:sns:{ctx.region}:{ctx.account}:{res.name}"
        if _get(lambda: sns.get_topic_attributes(TopicArn=topic), "NotFound") is None:
            return None
        subscriptions = [s for page in sns.get_paginator("list_subscriptions_by_topic").paginate(TopicArn=topic)
                         for s in page["Subscriptions"] if s["Protocol"] == "email"]
        wanted = set(props.get("subscriptions", []))
        shown = sorted({s["Endpoint"] for s in subscriptions if s["SubscriptionArn"] != PENDING or s["Endpoint"] in wanted})
        confirmed = {s["Endpoint"]: s["SubscriptionArn"] for s in subscriptions if s["SubscriptionArn"] != PENDING}
        return Observed(topic, {"subscriptions": shown}, {"arn": topic, "confirmed": confirmed})

    def create(self, ctx, res, props):
        topic = ctx.client("sns").create_topic(Name=res.name, Tags=tag_list(ctx.tags))["TopicArn"]
        return self.update(ctx, res, props, Observed(topic, {"subscriptions": []}, {"arn": topic}), {"subscriptions"})

    def update(self, ctx, res, props, observed, changed):
        sns = ctx.client("sns")
        for email in sorted(set(props["subscriptions"]) - set(observed.props.get("subscriptions", []))):
            sns.subscribe(TopicArn=observed.id, Protocol="email", Endpoint=email)
        for email, subscription in observed.attrs.get("confirmed", {}).items():
            if email not in props["subscriptions"]:
                sns.unsubscribe(SubscriptionArn=subscription)
        return Observed(observed.id, props, {"arn": observed.id})

    def delete(self, ctx, res, observed):
        ctx.client("sns").delete_topic(TopicArn=observed.id)


HANDLERS = [Bucket(), LogGroup(), Topic()]
