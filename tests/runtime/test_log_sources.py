"""`--since` and the log files per stack."""
from __future__ import annotations

import calendar

import pytest

from vendor.runtime.log_sources import parse_since, since_filter, sources, stamp

T = calendar.timegm((2026, 12, 1, 14, 0, 0, 0, 0, 0))


def test_since_units():
    assert [parse_since(s) for s in ("30s", "10m", "2h", "1d")] == [30, 600, 7200, 86400]
    with pytest.raises(ValueError) as e:
        parse_since("ten minutes")
    assert str(e.value) == "'ten minutes': write a number and a unit, e.g. 30s, 10m, 2h or 1d"


def test_stamps_of_the_logs_vend_reads():
    assert stamp("[2026-12-01T14:00:00Z] ApplicationStart /x/start.sh") == T
    assert stamp('10.0.0.1 - - [01/Dec/2026:14:00:00 +0000] "GET / HTTP/1.1" 200 5') == T  # Apache
    assert stamp('127.0.0.1 - - [01/Dec/2026 14:00:00] "GET /health HTTP/1.1" 200 3') == T  # wsgiref
    assert stamp("started shop-app") is None


def test_lines_without_a_time_follow_the_line_before():
    lines = ["[2026-12-01T13:00:00Z] BeforeInstall a.sh", "old output",
             "[2026-12-01T14:00:00Z] ApplicationStart b.sh", "new output"]
    assert since_filter(lines, T - 60) == lines[2:]
    assert since_filter(lines, T - 7200) == lines


def test_a_deployment_id_selects_its_hook_log_alone():
    assert [(s.label, s.path) for s in sources("php-apache", "acme", "g-1", "d-ABC")] == [
        ("deploy", "/opt/codedeploy-agent/deployment-root/g-1/d-ABC/logs/scripts.log")]
    assert [s.label for s in sources("python", "acme", "g-1", None)] == ["app", "deploy"]
