"""The instance refresh's minimum healthy percentage follows the deploy strategy and fleet size."""
from pathlib import Path

import pytest

from vendor.plan.refresh import RefreshPolicy, refresh_policy
from vendor.config.loader import load_config

CONFIGS = Path(__file__).parents[2] / "configs"


def test_acme_production_replaces_one_of_three_at_a_time():
    config = load_config(CONFIGS / "acme-production.yaml").config  # one-at-a-time, desired 3, grace 120
    assert refresh_policy(config) == RefreshPolicy(replace=True, min_healthy_percentage=66, warmup_seconds=120)


@pytest.mark.parametrize("strategy, size, healthy", [
    ("one-at-a-time", 1, 0), ("one-at-a-time", 2, 50), ("one-at-a-time", 10, 90),
    ("half-at-a-time", 4, 50), ("all-at-once", 4, 0),
])
def test_strategies(strategy, size, healthy):
    config = load_config(CONFIGS / "acme-production.yaml").config
    config = config.model_copy(update={
        "deploy": config.deploy.model_copy(update={"strategy": strategy}),
        "fleet": config.fleet.model_copy(update={"desired": size, "min": size}),
    })
    assert refresh_policy(config).min_healthy_percentage == healthy


def test_instances_can_be_left_alone():
    config = load_config(CONFIGS / "acme-production.yaml").config
    assert refresh_policy(config, replace=False).replace is False
