"""The approvals service in the sandbox: the Lambda handler, fed from the emulator's queue.

On AWS, Lambda's event source mapping polls the `vend-approvals` queue and invokes the function
with the messages as SQS records. In the sandbox the emulator runs no function code (see
`moto_lambda.py`), so this feed does the mapping's part: it receives the queue's messages in every
region a sandbox environment lives in, hands them to the same handler as SQS records, and deletes
what the handler took (a record it reports as failed stays and comes back, as on AWS). The
handler keeps requests in the sandbox's SQLite store (the local gate and web pages read it),
mails through the sandbox's SMTP catcher and links to the sandbox's approval pages.
"""
from __future__ import annotations

import logging
import os
import threading
from pathlib import Path

from vendor.approvals import lambda_handler
from vendor.aws.endpoint import DUMMY_CREDENTIALS
from vendor.sandbox import emulator, environments

QUEUE = "vend-approvals"
log = logging.getLogger("vend.sandbox.approvals")


def service_env(state_dir: Path, web_url: str, smtp_host: str, smtp_port: int, endpoint: str, region: str) -> dict:
    key, secret = DUMMY_CREDENTIALS
    return {"VEND_STATE_DIR": str(state_dir), "VEND_APPROVALS_PUBLIC_URL": web_url,
            "VEND_APPROVALS_TOPICS": f"arn:aws:sns:{region}:*:vend-*-approvals", "VEND_MAIL_TRANSPORT": "smtp",
            "VEND_SMTP_HOST": smtp_host, "VEND_SMTP_PORT": str(smtp_port), "VEND_SMTP_SECURITY": "none",
            "AWS_ENDPOINT_URL": endpoint, "AWS_ACCESS_KEY_ID": key, "AWS_SECRET_ACCESS_KEY": secret,
            "AWS_DEFAULT_REGION": region,
            # the same signing key and sender as the sandbox's pages and the CLI
            **{k: os.environ[k] for k in ("VEND_APPROVALS_KEY", "VEND_MAIL_FROM") if os.environ.get(k)}}


def feed_once(sqs, service, queue_url: str, queue_arn: str, region: str) -> int:
    """One receive -> handler -> delete round; how many messages the handler took."""
    messages = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=0).get("Messages", [])
    if not messages:
        return 0
    records = [{"messageId": m["MessageId"], "receiptHandle": m["ReceiptHandle"], "body": m["Body"],
                "eventSource": "aws:sqs", "eventSourceARN": queue_arn, "awsRegion": region} for m in messages]
    failed = {f["itemIdentifier"] for f in service({"Records": records})["batchItemFailures"]}
    taken = [m for m in messages if m["MessageId"] not in failed]
    for m in taken:
        sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=m["ReceiptHandle"])
    return len(taken)


class Feed:
    """A daemon thread feeding every sandbox region's queue to the handler, twice a second."""

    def __init__(self, state_dir: Path, web_url: str, smtp_host: str, smtp_port: int, *, interval: float = 0.5):
        self.state_dir, self.web_url, self.smtp = Path(state_dir), web_url, (smtp_host, smtp_port)
        self.interval, self.stopping = interval, threading.Event()
        self.thread = threading.Thread(target=self._run, name="vend-approvals-feed", daemon=True)
        self._services: dict[tuple[str, str], tuple] = {}
        self._link = None

    def start(self) -> "Feed":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        self.thread.join(timeout=10)

    def _run(self) -> None:
        while not self.stopping.wait(self.interval):
            running = emulator.status(self.state_dir)
            if running is None:
                continue
            for region in sorted({e.region for e in environments.load_all(self.state_dir)}):
                try:
                    self.round(running.url, region)
                except Exception:  # noqa: BLE001 - keep feeding; the message stays queued
                    log.exception("approvals feed for %s failed; retrying", region)

    def link_service(self):
        """The handler answering the approval links of the sandbox's pages (see approvals_web.py)."""
        running = emulator.status(self.state_dir)
        if self._link is not None and running is not None:
            return self._link
        envs = environments.load_all(self.state_dir)
        env = service_env(self.state_dir, self.web_url, *self.smtp, running.url if running else "",
                          envs[0].region if envs else "us-east-1")
        if running is None:
            del env["AWS_ENDPOINT_URL"]  # nothing to deliver to: only the local gate's requests exist
        service = lambda_handler.from_env(env)
        if running is not None:
            self._link = service
        return service

    def round(self, endpoint: str, region: str) -> int:
        found = self._services.get((endpoint, region))
        if found is None:
            from vendor.aws import clients

            env = service_env(self.state_dir, self.web_url, *self.smtp, endpoint, region)
            for name in ("AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
                os.environ[name] = env[name]  # this process talks to the emulator alone
            sqs = clients.client("sqs", region=region)
            try:
                url = sqs.get_queue_url(QueueName=QUEUE)["QueueUrl"]
            except sqs.exceptions.QueueDoesNotExist:
                return 0  # no environment here requires approval (yet)
            arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
            service = lambda_handler.from_env({**env, "VEND_APPROVALS_QUEUE_ARN": arn})
            found = self._services[(endpoint, region)] = (sqs, service, url, arn)
        return feed_once(found[0], found[1], found[2], found[3], region)
