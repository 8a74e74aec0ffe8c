"""Reads of vendor/aws/observe.py that find more than one match are errors, never "the first"."""
from __future__ import annotations

import pytest

from tests.aws.conftest import Cloud
from vendor.aws.base import StackError
from vendor.aws.observe import shared_certificate


def test_two_shared_certificates_are_an_error_not_the_first(moto_url):
    cloud = Cloud(moto_url)
    region = "sa-east-1"
    one = cloud.certificate("*.one.example", shared=True, region=region)
    ctx = cloud.context(region)
    assert shared_certificate(ctx) == one
    two = cloud.certificate("*.two.example", shared=True, region=region)
    with pytest.raises(StackError) as several:
        shared_certificate(ctx)
    assert str(several.value) == (
        f"2 issued certificates in {region} are tagged ManagedBy=vend, Shared=true ({', '.join(sorted([one, two]))}); "
        "give one with --shared-certificate ARN, or untag the others")
