"""The stack commands' common start: an AWS context for a config, the facts, the wanted resources."""
from __future__ import annotations

import os
from dataclasses import dataclass, replace

from vendor.approvals import package
from vendor.aws.calls import CallCounter
from vendor.aws.clients import new_session
from vendor.aws.context import AwsContext
from vendor.aws.observe import facts as read_facts
from vendor.config.loader import ConfigFile
from vendor.plan.naming import Facts, stack_tags
from vendor.plan.network import NetworkPlanError
from vendor.plan.resources import Resource
from vendor.plan.stack import stack
from vendor.aws.base import StackError


@dataclass(frozen=True)
class Target:
    """Where AWS is: the standard chain (endpoint None), or an endpoint with its own credentials."""

    endpoint_url: str | None = None
    profile: str | None = None
    credentials: tuple[str, str] | None = None  # only ever the emulator's dummy pair
    label: str = "AWS"


def context(target: Target, region: str, counter: CallCounter | None = None) -> AwsContext:
    if target.credentials:
        key, secret = target.credentials
        session = new_session(aws_access_key_id=key, aws_secret_access_key=secret, region_name=region)
    else:
        session = new_session(profile_name=target.profile, region_name=region)
    return AwsContext(session, endpoint_url=target.endpoint_url, counter=counter)


@dataclass(frozen=True)
class Stack:
    facts: Facts
    resources: list[Resource]


def load_stack(ctx: AwsContext, cf: ConfigFile, *, shared_certificate: str | None = None,
               ami_id: str | None = None) -> Stack:
    """`ami_id`: the AMI to launch (a release's); default the environment's newest."""
    ctx.tags = stack_tags(cf.config)
    sender = os.environ.get("VEND_MAIL_FROM") or Facts.approvals_sender
    if cf.config.pipeline.require_approval and sender == Facts.approvals_sender and not (
            ctx.endpoint_url or os.environ.get("AWS_ENDPOINT_URL")):
        raise StackError(f"{cf.path}: pipeline/require_approval: the approvals service mails from VEND_MAIL_FROM, "
                         "which is not set; set it to an address of yours SES may verify "
                         "(e.g. VEND_MAIL_FROM=approvals@example.com) and run again")
    found = read_facts(ctx, cf, shared_certificate_arn=shared_certificate)
    if ami_id is not None:
        found = replace(found, ami_id=ami_id)
    found = replace(found, approvals_code=package.code_sha256(), approvals_sender=sender)
    try:
        return Stack(found, stack(cf.config, found))
    except NetworkPlanError as error:
        raise StackError(f"{cf.path}: {error}") from None
