"""Environment-dependent defaults: the one place where production differs from the rest."""
from __future__ import annotations

from vendor.config.model import Config

PRODUCTION_NAMES = frozenset({"production", "prod"})

# field path -> (production value, value elsewhere); used where the config leaves the field unset
ENVIRONMENT_DEFAULTS: dict[tuple[str, str], tuple[object, object]] = {
    ("database", "backup_retention_days"): (7, 1),
    ("database", "multi_az"): (True, False),
    ("database", "deletion_protection"): (True, False),
    ("pipeline", "require_approval"): (True, False),
    ("logs", "retention_days"): (90, 30),
}


def is_production(environment: str) -> bool:
    return environment in PRODUCTION_NAMES


def resolve(config: Config) -> Config:
    """The config with every environment-dependent default filled in (and `fleet.desired`)."""
    pick = 0 if is_production(config.environment) else 1
    updates: dict[str, object] = {}
    for (section, key), values in ENVIRONMENT_DEFAULTS.items():
        part = getattr(config, section)
        if part is not None and getattr(part, key) is None:
            changed = updates.get(section, part)
            updates[section] = changed.model_copy(update={key: values[pick]})
    if config.fleet.desired is None:
        updates["fleet"] = config.fleet.model_copy(update={"desired": config.fleet.min})
    return config.model_copy(update=updates)
