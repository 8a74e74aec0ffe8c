"""Which approval gate a local pipeline run uses.

While the sandbox runs (its services and emulator, and this command talks to that emulator) and
the environment's approval topic is subscribed to the approvals service's queue, the runner asks
as CodePipeline does: it publishes the approval notification to the topic and the service's
handler opens the request and mails the links (`TopicGate`). Otherwise (no sandbox, or an
environment applied before the service existed) the gate opens the request itself.
"""
from __future__ import annotations

import os

from botocore.exceptions import BotoCoreError, ClientError

from vendor.approvals.gate import Gate
from vendor.aws import clients
from vendor.aws.approval_topic import TopicGate
from vendor.config.model import Config
from vendor.plan.approvals_service import SERVICE
from vendor.plan.naming import Facts, arn, names
from vendor.sandbox import emulator, services
from vendor.state import default_state_dir


def approval_gate(config: Config, gate: Gate):
    """`gate` itself, or a TopicGate around it while the sandbox's approvals service can take the
    environment's notifications."""
    state = default_state_dir()
    running = emulator.status(state)
    if not config.pipeline.require_approval or services.status(state) is None or running is None \
            or os.environ.get("AWS_ENDPOINT_URL") != running.url:
        return gate
    sns = clients.client("sns", region=config.region)
    try:
        account = clients.client("sts", region=config.region).get_caller_identity()["Account"]
        facts = Facts(account, config.region, ())
        topic = arn(facts, "sns", names(config, facts).topic)
        subscriptions = sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]
    except (BotoCoreError, ClientError):  # no topic (yet), or the emulator is going away: the gate asks itself
        return gate
    if not any(s["Protocol"] == "sqs" and s["Endpoint"] == arn(facts, "sqs", SERVICE) for s in subscriptions):
        return gate
    return TopicGate(gate, sns, topic, names(config, facts).base)
