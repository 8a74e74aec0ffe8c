"""ACM certificates the stack needs: make sure they exist (the sandbox imports stand-ins)."""
from __future__ import annotations

from botocore.exceptions import ClientError

from vendor.aws.observe import shared_certificate
from vendor.config.names import MANAGED_BY

NOT_FOUND = "ResourceNotFoundException"


def exists(acm, arn: str) -> bool:
    try:
        acm.describe_certificate(CertificateArn=arn)
    except ClientError as e:
        if e.response.get("Error", {}).get("Code") == NOT_FOUND:
            return False
        raise
    return True


def import_at(acm, arn: str, pem: tuple[bytes, bytes]) -> bool:
    """Import certificate `pem` (cert, key) under `arn` unless that ARN exists; True if imported.

    Only the embedded emulator creates a certificate under a given new ARN (see
    vendor.sandbox.emulator.relax_moto); AWS refuses it, as it should."""
    if exists(acm, arn):
        return False
    cert, key = pem
    acm.import_certificate(CertificateArn=arn, Certificate=cert, PrivateKey=key)
    return True


def ensure_shared(ctx, pem: tuple[bytes, bytes]) -> tuple[str, bool]:
    """(ARN of an issued certificate tagged ManagedBy=vend, Shared=true, True if imported now)."""
    found = shared_certificate(ctx)
    if found:
        return found, False
    cert, key = pem
    arn = ctx.client("acm").import_certificate(
        Certificate=cert, PrivateKey=key,
        Tags=[{"Key": "ManagedBy", "Value": MANAGED_BY}, {"Key": "Shared", "Value": "true"}])["CertificateArn"]
    return arn, True
