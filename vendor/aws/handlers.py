"""Every resource kind of a stack and the handler that reads and changes it."""
from __future__ import annotations

from vendor.aws import (alarms, approvals_service, compute, database, dns, events, iam, load_balancing, network,
                        pipeline_resources, security_groups, serverless, storage)
from vendor.aws.base import Handler

HANDLERS: dict[str, Handler] = {h.kind: h for module in (network, security_groups, storage, iam, load_balancing,
                                                          compute, database, pipeline_resources, alarms,
                                                          approvals_service, serverless, dns, events)
                                for h in module.HANDLERS}


def handler(kind: str) -> Handler:
    return HANDLERS[kind]
