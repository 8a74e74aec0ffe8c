"""Which AWS a command talks to.

1. `AWS_ENDPOINT_URL` is set: that endpoint (boto3 honours it natively), with the standard chain.
2. A profile is given or the standard chain finds credentials: AWS itself.
3. Neither: the embedded emulator (started if needed), with dummy credentials for it alone.
"""
from __future__ import annotations

import os
from collections.abc import Callable, Mapping

import boto3

from vendor.aws.stack_ops import Target

DUMMY_CREDENTIALS = ("vend-sandbox", "vend-sandbox-secret")


def has_credentials(profile: str | None = None) -> bool:
    return boto3.session.Session(profile_name=profile).get_credentials() is not None


def resolve_target(profile: str | None, start_emulator: Callable[[], str], *,
                   environ: Mapping[str, str] | None = None,
                   credentials: Callable[[str | None], bool] = has_credentials) -> Target:
    env = os.environ if environ is None else environ
    if env.get("AWS_ENDPOINT_URL"):
        return Target(profile=profile, label=f"endpoint {env['AWS_ENDPOINT_URL']}")
    if profile or credentials(profile):
        return Target(profile=profile, label=f"AWS (profile {profile})" if profile else "AWS")
    url = start_emulator()
    return Target(endpoint_url=url, credentials=DUMMY_CREDENTIALS, label=f"embedded AWS emulator at {url}")
