"""Environment-dependent defaults come from one table and are overridable."""
from __future__ import annotations

from pathlib import Path

from vendor.config.defaults import ENVIRONMENT_DEFAULTS, is_production
from vendor.config.loader import load_config

MINIMAL = (Path(__file__).parent / "minimal.yaml").read_text()


def _load(tmp_path, text):
    path = tmp_path / "c.yaml"
    path.write_text(text)
    return load_config(path).config


def test_production_defaults(tmp_path):
    text = MINIMAL.replace("environment: staging", "environment: production").replace(
        "    repository: shop", "    repository: shop\n  approvers: [ops@example.com]")
    c = _load(tmp_path, text)
    assert (c.database.multi_az, c.database.deletion_protection, c.database.backup_retention_days) == (True, True, 7)
    assert c.pipeline.require_approval is True
    assert c.logs.retention_days == 90


def test_other_environment_defaults(tmp_path):
    c = _load(tmp_path, MINIMAL)
    assert (c.database.multi_az, c.database.deletion_protection, c.database.backup_retention_days) == (False, False, 1)
    assert c.pipeline.require_approval is False
    assert c.fleet.desired == c.fleet.min
    assert c.logs.retention_days == 30


def test_explicit_value_wins_over_environment_default(tmp_path):
    c = _load(tmp_path, MINIMAL.replace('version: "16"', 'version: "16"\n  multi_az: true'))
    assert c.database.multi_az is True


def test_every_default_has_a_production_and_an_other_value():
    assert is_production("production") and is_production("prod") and not is_production("staging")
    for values in ENVIRONMENT_DEFAULTS.values():
        assert len(values) == 2


def test_database_version_defaults_to_a_major_version(tmp_path):
    """16.3, the old default, can no longer be created on RDS; a major version lets AWS pick the minor."""
    c = _load(tmp_path, MINIMAL.replace('  version: "16"\n', ""))
    assert c.database.version == "16"
