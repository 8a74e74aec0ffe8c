"""ELBv2 (Application Load Balancers): what AWS refuses and moto accepts."""
from __future__ import annotations

from moto.elbv2.exceptions import ELBClientError

from vendor.sandbox.refusals import refuses

RULE_CONDITIONS = "https://docs.aws.amazon.com/elasticloadbalancing/latest/application/rule-condition-types.html"
VALUES_PER_CONDITION = 3


def _values(condition: dict) -> list[str]:
    """A condition's match values, in any of the shapes CreateRule accepts (`Values` or `*Config`)."""
    values = list(condition.get("Values") or condition.get("values") or [])
    for key, config in condition.items():
        if key.endswith("Config") and isinstance(config, dict):
            values += list(config.get("Values") or config.get("values") or [])
    return values


@refuses("moto.elbv2.models:ELBv2Backend.create_rule", "ValidationError", RULE_CONDITIONS, ELBClientError)
def condition_values(backend, listener_arn, conditions, *args, **kwargs) -> str | None:
    """A rule condition takes at most 3 values."""
    for condition in conditions or []:
        values = _values(condition)
        if len(values) > VALUES_PER_CONDITION:
            field = condition.get("Field") or condition.get("field")
            return (f"A rule condition ('{field}') can have at most {VALUES_PER_CONDITION} values; "
                    f"{len(values)} were given")
    return None
