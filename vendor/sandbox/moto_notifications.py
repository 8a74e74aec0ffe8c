"""moto keeps a bucket's EventBridge notification setting but GetBucketNotificationConfiguration
leaves it out; AWS returns `EventBridgeConfiguration: {}` when it is on
(https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetBucketNotificationConfiguration.html).
Without it a re-apply would see the setting missing and put it again every time."""
from __future__ import annotations


def keep_eventbridge_notifications() -> None:
    from moto.s3 import responses

    original = responses.S3Response.get_bucket_notification
    if getattr(original, "_vend", False):
        return

    def get_bucket_notification(self):
        config = self.backend.get_bucket_notification_configuration(self.bucket_name)
        if config is None or getattr(config, "event_bridge", None) is None:
            return original(self)

        def entry(item, arn_key: str) -> dict:
            out = {"Id": item.id, arn_key: item.arn, "Events": item.events}
            if item.filters:
                out["Filter"] = {"Key": {"FilterRules": item.filters["S3Key"]["FilterRule"]}}
            return out

        result = {"TopicConfigurations": [entry(t, "TopicArn") for t in config.topic],
                  "QueueConfigurations": [entry(q, "QueueArn") for q in config.queue],
                  "LambdaFunctionConfigurations": [entry(f, "LambdaFunctionArn") for f in config.cloud_function],
                  "EventBridgeConfiguration": {}}
        self.data["Action"] = "GetBucketNotificationConfiguration"
        return self.serialized(responses.ActionResult(result))

    get_bucket_notification._vend = True
    responses.S3Response.get_bucket_notification = get_bucket_notification
