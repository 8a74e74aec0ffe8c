"""The one place boto3 clients are made.

The standard credential chain applies; `AWS_ENDPOINT_URL` (honoured by boto3 itself) points every
client at the embedded emulator in the local world. Nothing here knows which world it is in.
"""
from __future__ import annotations

import boto3
from botocore.config import Config

from vendor.aws import timestamps

RETRIES = Config(retries={"max_attempts": 8, "mode": "standard"})
_chosen: dict[str, str | None] = {"profile": None, "region": None}


def choose(*, profile: str | None = None, region: str | None = None) -> None:
    """The profile and region a command's `--profile`/`--region` chose, for every client made after.
    A region chosen here wins over the one a caller passes (the config's). Raises botocore's
    ProfileNotFound for a profile the AWS config does not have."""
    if profile:
        boto3.session.Session(profile_name=profile)
    _chosen.update(profile=profile, region=region)


def new_session(**kwargs) -> boto3.session.Session:
    """A boto3 session (`kwargs` as boto3's) whose clients parse AWS's timestamps fast (`timestamps.parse`)."""
    made = boto3.session.Session(**kwargs)
    made._session.get_component("response_parser_factory").set_parser_defaults(timestamp_parser=timestamps.parse)
    return made


def session(*, profile: str | None = None, region: str | None = None) -> boto3.session.Session:
    return new_session(profile_name=profile or _chosen["profile"], region_name=_chosen["region"] or region)


def client(service: str, *, profile: str | None = None, region: str | None = None):
    return session(profile=profile, region=region).client(service, config=RETRIES)
