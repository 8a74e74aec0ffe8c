"""Batches per strategy, with the minimum-healthy-hosts rule."""
from __future__ import annotations

import pytest

from vendor.plan.rollout import RolloutPlanError, batches

HOSTS = ["h1", "h2", "h3", "h4", "h5"]


def test_one_at_a_time():
    assert batches("one-at-a-time", HOSTS) == [["h1"], ["h2"], ["h3"], ["h4"], ["h5"]]


def test_half_at_a_time_rounds_down():
    assert batches("half-at-a-time", HOSTS) == [["h1", "h2"], ["h3", "h4"], ["h5"]]
    assert batches("half-at-a-time", ["h1"]) == [["h1"]]


def test_all_at_once():
    assert batches("all-at-once", HOSTS) == [HOSTS]


def test_min_healthy_caps_the_batch():
    assert batches("half-at-a-time", HOSTS, min_healthy=4) == [["h1"], ["h2"], ["h3"], ["h4"], ["h5"]]


def test_min_healthy_larger_than_the_fleet_is_refused():
    with pytest.raises(RolloutPlanError) as e:
        batches("one-at-a-time", ["h1", "h2"], min_healthy=2)
    assert str(e.value) == "2 healthy hosts required but the fleet has only 2 (lower the minimum or add hosts)"


def test_no_hosts_no_batches():
    assert batches("one-at-a-time", []) == []


def test_unknown_strategy():
    with pytest.raises(RolloutPlanError) as e:
        batches("canary", HOSTS)
    assert str(e.value) == "unknown strategy 'canary' (use one of one-at-a-time, half-at-a-time, all-at-once)"
