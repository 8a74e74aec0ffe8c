"""AWS's UTC timestamps parsed fast, to exactly what botocore's own parser gives."""
from __future__ import annotations

import pytest
from botocore.utils import parse_timestamp

from vendor.aws import clients, timestamps

SAMPLES = ["2026-12-01T00:00:00Z", "2026-12-01T23:59:59.123Z", "2026-12-01T00:00:00.5Z",
           "2026-12-01T00:00:00.1234567Z", "2026-12-01T00:00:00.9999999Z", "2026-02-28T12:30:00+00:00",
           "2026-12-01T00:00:00.000000+00:00",
           # not AWS's UTC form: botocore's parser answers these
           "2026-12-01T05:00:00-05:00", "2026-12-01T00:00:00", "Tue, 01 Dec 2026 00:00:00 GMT", "1764547200",
           "1764547200.5", 1764547200]


@pytest.mark.parametrize("value", SAMPLES)
def test_the_same_datetime_and_zone_as_botocores_parser(value):
    ours, theirs = timestamps.parse(value), parse_timestamp(value)
    assert ours == theirs and repr(ours) == repr(theirs) and type(ours.tzinfo) is type(theirs.tzinfo)


def test_an_invalid_timestamp_is_botocores_error():
    with pytest.raises(ValueError, match="Invalid timestamp"):
        timestamps.parse("2026-13-45T00:00:00Z")


def test_vends_sessions_parse_with_it():
    factory = clients.new_session(region_name="eu-west-1")._session.get_component("response_parser_factory")
    assert factory._defaults["timestamp_parser"] is timestamps.parse
