"""The approvals service: one handler for the Lambda function (and the sandbox's copy of it).

- Function URL requests (payload format 2.0): `GET /r/TOKEN` shows the confirmation page and
  decides nothing; `POST /r/TOKEN` with the page's form decides (DynamoDB conditional write,
  then PutApprovalResult in the pipeline's own region); `GET /healthz`.
- SQS records (SNS -> SQS, the queue's policy admits only the approval topics) or SNS records
  (SNS -> Lambda) carrying CodePipeline's approval notification: open a request and mail each
  approver their own signed links. The request id derives from the pipeline's token, so a
  notification delivered twice opens (and mails) once.

Needs only the standard library, boto3 and vend's own approval modules (the package vend builds
also carries jinja2 for the pages). `handler(event, context)` is the Lambda entry point.
"""
from __future__ import annotations

import base64
import hashlib
import json
import logging
import os
import re
import time

from vendor.approvals import decisions, keys, link_flow, mailer as mailers, sns, tokens
from vendor.approvals.gate import Gate
from vendor.approvals.model import ApprovalRequest, PipelineRef, Summary
from vendor.approvals.service_config import ServiceConfig
from vendor.approvals.settings import SettingsProblem
from vendor.approvals.store import DuplicateRequest

log = logging.getLogger("vend.approvals")
REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d{1,2}$")
TEXT = {"Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store"}


class Refused(ValueError):
    """Input the service will not act on (the message says why); never retried."""


def request_id_for(pipeline_token: str) -> str:
    return "apr-" + hashlib.sha256(pipeline_token.encode("utf-8")).hexdigest()[:12]


def _text(value, what: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise Refused(f"{what} must be a non-empty string")
    return value.strip()


class ApprovalService:
    def __init__(self, config: ServiceConfig, store, signer: tokens.Signer, mailer, pipelines,
                 public_url, *, clock=time.time):
        self.config, self.store, self.signer, self.mailer = config, store, signer, mailer
        self.pipelines, self._public_url, self.clock = pipelines, public_url, clock
        self.decider = decisions.Decider(store, signer, pipelines, clock=clock)

    def __call__(self, event, context=None):
        if not isinstance(event, dict):
            raise Refused("the event is not a JSON object")
        if isinstance(event.get("requestContext"), dict) and isinstance(event["requestContext"].get("http"), dict):
            return self.http(event)
        if isinstance(event.get("Records"), list):
            return self.records(event["Records"])
        raise Refused("neither a Function URL request nor SQS/SNS records")

    # -- the links -------------------------------------------------------------------------

    def http(self, event: dict) -> dict:
        http = event["requestContext"]["http"]
        method, path = str(http.get("method", "")).upper(), str(event.get("rawPath") or http.get("path") or "")
        if path == "/healthz" and method in ("GET", "HEAD"):
            return {"statusCode": 200, "headers": TEXT, "body": "ok\n"}
        token = link_flow.token_of(path)
        if token is None:
            return {"statusCode": 404, "headers": TEXT, "body": "not found\n"}
        if method not in ("GET", "HEAD", "POST"):
            return {"statusCode": 405, "headers": {**TEXT, "Allow": "GET, HEAD, POST"}, "body": "method not allowed\n"}
        form = None
        if method == "POST":
            try:
                form = link_flow.parse_form(self._body(event))
            except link_flow.FormProblem as e:
                return {"statusCode": 400, "headers": TEXT, "body": f"{e}\n"}
        status, html = link_flow.answer(self.decider, method, token, form, str(http.get("sourceIp") or "unknown"))
        return {"statusCode": status, "headers": {"Content-Type": "text/html; charset=utf-8",
                                                  **link_flow.SECURITY_HEADERS},
                "body": "" if method == "HEAD" else html}

    @staticmethod
    def _body(event: dict) -> bytes:
        body = event.get("body") or ""
        if not isinstance(body, str):
            raise link_flow.FormProblem("the form is not understood")
        if event.get("isBase64Encoded"):
            try:
                return base64.b64decode(body, validate=True)
            except ValueError:
                raise link_flow.FormProblem("the form is not understood") from None
        return body.encode("utf-8")

    # -- the notifications -----------------------------------------------------------------

    def records(self, records: list) -> dict:
        """Open a request per notification; SQS retries only the records listed as failures."""
        failures = []
        for record in records:
            ident = record.get("messageId", "") if isinstance(record, dict) else ""
            try:
                request = self.notification(*self._unwrap(record))
                log.info("opened %s for %s/%s", request.id, request.customer, request.environment)
            except Refused as e:
                log.warning("notification %s refused: %s", ident or "-", e)
            except DuplicateRequest as e:
                log.info("notification %s delivered again: %s", ident or "-", e)
            except mailers.MailError as e:
                log.error("notification %s: %s (approve in the console or with vend approvals)", ident or "-", e)
            except Exception:  # noqa: BLE001 - AWS or code trouble: let SQS deliver it again
                log.exception("notification %s failed; it will be retried", ident or "-")
                if ident:
                    failures.append({"itemIdentifier": ident})
        return {"batchItemFailures": failures}

    def _unwrap(self, record) -> tuple[str, str]:
        """(topic ARN, message) of one SQS or SNS record, type-checked."""
        if not isinstance(record, dict):
            raise Refused("the record is not an object")
        source = record.get("eventSource") or record.get("EventSource")
        if source == "aws:sqs":
            if self.config.queue_arn and record.get("eventSourceARN") != self.config.queue_arn:
                raise Refused(f"the record comes from {record.get('eventSourceARN')!r}, not the approvals queue")
            try:
                envelope = json.loads(_text(record.get("body"), "the SQS body"))
            except json.JSONDecodeError:
                raise Refused("the SQS body is not an SNS envelope (JSON)") from None
        elif source == "aws:sns":
            envelope = record.get("Sns")
        else:
            raise Refused(f"records from {source!r} are not taken")
        if not isinstance(envelope, dict) or envelope.get("Type") != "Notification":
            raise Refused("not an SNS notification envelope")
        return _text(envelope.get("TopicArn"), "TopicArn"), _text(envelope.get("Message"), "the SNS message")

    def notification(self, topic: str, message: str) -> ApprovalRequest:
        if not self.config.trusts_topic(topic):
            raise Refused(f"topic {topic} is not an approval topic of vend")
        try:
            n = sns.parse(message)
            region = json.loads(message).get("region")
        except (sns.NotificationProblem, AttributeError) as e:
            raise Refused(f"not a CodePipeline approval notification: {e}") from None
        if not isinstance(region, str) or not REGION.match(region):
            raise Refused(f"the notification's region {region!r} is not an AWS region")
        custom = n.custom or {}
        customer, environment = _text(custom.get("customer"), "customData.customer"), \
            _text(custom.get("environment"), "customData.environment")
        approvers = custom.get("approvers")
        if not isinstance(approvers, list) or not approvers or not all(isinstance(a, str) for a in approvers):
            raise Refused("customData.approvers must be a non-empty list of email addresses")
        p = n.pipeline
        ref = PipelineRef(p.pipeline, p.stage, p.action, p.token, region)
        gate = Gate(self.store, self.signer, self.mailer, base_url=self.config.link_base(self._public_url()),
                    sender=self.config.settings.mail_from, clock=self.clock)
        try:
            return gate.request(customer=customer, environment=environment, approvers=approvers,
                                summary=self.summary(ref, custom), expires_at=n.expires_at, pipeline=ref,
                                request_id=request_id_for(p.token))
        except ValueError as e:  # bad approvers, already past its time
            raise Refused(str(e)) from None

    def summary(self, ref: PipelineRef, custom: dict) -> Summary:
        """What is being approved: `customData.summary` when the notification carries one (the
        sandbox's runner and `vend release` know it), else the execution's source revision and
        the build's result read from CodePipeline (nothing when it cannot be read: the mail says
        'not known')."""
        details = custom.get("details_url") if isinstance(custom.get("details_url"), str) else ""
        given = custom.get("summary")
        if isinstance(given, dict):
            return _summary(given)
        try:
            found = self.pipelines.execution_summary(ref.pipeline, ref.stage, region=ref.region)
        except Exception as e:  # noqa: BLE001 - the approval must still be asked for
            log.warning("no execution details for %s: %s", ref.pipeline, e)
            return Summary(details_url=details)
        return Summary(revision=found.revision, commit=found.commit, build=found.build, details_url=details)


def _summary(given: dict) -> Summary:
    """A Summary from notification data, type-checked field by field."""
    values = {}
    for name, default in Summary.__dataclass_fields__.items():
        value = given.get(name)
        if value is None:
            continue
        if isinstance(default.default, str):
            if not isinstance(value, str):
                raise Refused(f"customData.summary.{name} must be a string")
            values[name] = value
        else:
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise Refused(f"customData.summary.{name} must be a list of strings")
            values[name] = tuple(value)
    return Summary(**values)


# -- the Lambda entry point ------------------------------------------------------------------

def from_env(environ=None, *, pipelines=None) -> ApprovalService:
    """The service as the Lambda function (or the sandbox) is configured; SettingsProblem when not."""
    from vendor.approvals.store import Store
    from vendor.approvals.dynamo_store import DynamoStore
    from vendor.aws import clients
    from vendor.aws.codepipeline import PipelineApprovals

    env = os.environ if environ is None else environ
    config = ServiceConfig.from_env(env)
    store = DynamoStore(clients.client("dynamodb"), config.table) if config.table else Store(config.settings.db_path)
    if config.key_secret:
        key = clients.client("secretsmanager").get_secret_value(SecretId=config.key_secret)["SecretString"]
        if len(key) < keys.MIN_LEN:
            raise SettingsProblem(f"the signing key in {config.key_secret} is shorter than {keys.MIN_LEN} characters")
        signer = tokens.Signer(key.encode("utf-8"))
    else:
        signer = tokens.Signer(keys.load_key(config.settings.state_dir, env))

    def public_url() -> str:
        if config.settings.public_url:
            return config.settings.public_url
        name = env.get("AWS_LAMBDA_FUNCTION_NAME", "")
        if not name:
            raise SettingsProblem("VEND_APPROVALS_PUBLIC_URL is not set and this is not a Lambda function")
        return clients.client("lambda").get_function_url_config(FunctionName=name)["FunctionUrl"]

    return ApprovalService(config, store, signer, mailers.from_settings(config.settings),
                          pipelines or PipelineApprovals(),
                           public_url)


_service: ApprovalService | None = None


def handler(event, context):
    global _service
    if _service is None:
        logging.getLogger().setLevel(logging.INFO)
        _service = from_env()
    try:
        return _service(event, context)
    except Refused as e:
        log.warning("event refused: %s", e)
        return {"statusCode": 400, "headers": TEXT, "body": "bad request\n"}
