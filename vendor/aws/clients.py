"""The one place boto3 clients are made.

The standard credential chain applies; `AWS_ENDPOINT_URL` (honoured by boto3 itself) points every
client at the embedded emulator in the local world. Nothing here knows which world it is in.
"""
from __future__ import annotations

import boto3
from botocore.config import Config

RETRIES = Config(retries={"max_attempts": 8, "mode": "standard"})


def session(*, profile: str | None = None, region: str | None = None) -> boto3.session.Session:
    return boto3.session.Session(profile_name=profile, region_name=region)


def client(service: str, *, profile: str | None = None, region: str | None = None):
    return session(profile=profile, region=region).client(service, config=RETRIES)
