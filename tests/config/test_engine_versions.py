"""Engine versions: majors per engine, and AWS's own minor upgrades are not changes."""
from __future__ import annotations

import pytest

from vendor.config.engine_versions import major, major_upgrade, matches, satisfies


@pytest.mark.parametrize("engine,version,expected", [
    ("postgres", "16", "16"), ("postgres", "16.9", "16"), ("mysql", "8.0.41", "8.0"), ("mariadb", "10.11", "10.11")])
def test_major(engine, version, expected):
    assert major(engine, version) == expected


@pytest.mark.parametrize("wanted,have,ok", [
    ("16", "16.9", True), ("16.3", "16.9", True), ("16.3", "16.3", True), ("16.9", "16.3", False),
    ("16", "15.12", False), ("17", "16.9", False), ("16", None, False)])
def test_postgres_satisfies(wanted, have, ok):
    assert satisfies("postgres", wanted, have) is ok


def test_mysql_majors_have_two_parts():
    assert satisfies("mysql", "8.0", "8.0.41")
    assert not satisfies("mysql", "8.0", "8.4.5")
    assert matches("mysql", "8.0", "8.0.41") and not matches("mysql", "8.0", "8.4.5")
    assert major_upgrade("mysql", "8.0.41", "8.4") and not major_upgrade("postgres", "16.3", "16.9")
