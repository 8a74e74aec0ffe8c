"""The emulator runs no Lambda code: a queue's event source mapping leaves its messages queued.

moto would run a function for every message sent to a mapped queue, in a Docker container pulled
from the internet; here nothing may leave the machine and the sandbox has its own runner for the
one function vend makes, the approvals service: the sandbox services receive the queue's messages
and hand them to the same handler as SQS records (`vendor.sandbox.approvals_feed`). So a mapped
queue's messages stay visible, exactly as while the Lambda service is slow to poll.
`leave_queues_to_the_sandbox()` is idempotent.
"""
from __future__ import annotations


def leave_queues_to_the_sandbox() -> None:
    from moto.awslambda.models import LambdaBackend

    if getattr(LambdaBackend, "_vend_no_sqs_invoke", False):
        return

    def send_sqs_batch(self, function_arn, messages, queue_arn) -> bool:
        return False  # moto makes the received messages visible again

    LambdaBackend.send_sqs_batch = send_sqs_batch
    LambdaBackend._vend_no_sqs_invoke = True
