"""ELBv2 (Application Load Balancers): what AWS refuses and moto accepts."""
from __future__ import annotations

from moto.elbv2.exceptions import ELBClientError

from vendor.sandbox.refusals import refuses

RULE_CONDITIONS = "https://docs.aws.amazon.com/elasticloadbalancing/latest/application/rule-condition-types.html"
QUOTAS = "https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-limits.html"
CREATE_RULE = "https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_CreateRule.html"
SNI_CERTIFICATES = "https://docs.aws.amazon.com/elasticloadbalancing/latest/application/https-listener-certificates.html"
VALUES_PER_CONDITION = 3
VALUES_PER_RULE = 5
WILDCARDS_PER_RULE = 5
CERTIFICATES_PER_LOAD_BALANCER = 25  # besides the default certificates

CREATE = "moto.elbv2.models:ELBv2Backend.create_rule"
MODIFY = "moto.elbv2.models:ELBv2Backend.modify_rule"


def _values(condition: dict) -> list[str]:
    """A condition's match values, in any of the shapes CreateRule accepts (`Values` or `*Config`)."""
    values = list(condition.get("Values") or condition.get("values") or [])
    for key, config in condition.items():
        if key.endswith("Config") and isinstance(config, dict):
            values += list(config.get("Values") or config.get("values") or [])
    return values


def _field(condition: dict) -> str:
    return condition.get("Field") or condition.get("field") or "?"


def _per_condition(conditions) -> str | None:
    for condition in conditions or []:
        values = _values(condition)
        if len(values) > VALUES_PER_CONDITION:
            return (f"A rule condition ('{_field(condition)}') can have at most {VALUES_PER_CONDITION} values; "
                    f"{len(values)} were given")
    return None


def _per_rule(conditions) -> str | None:
    count = sum(len(_values(c)) for c in conditions or [])
    if count > VALUES_PER_RULE:
        return f"A rule can have at most {VALUES_PER_RULE} condition values in all; {count} were given"
    return None


def _wildcards(conditions) -> str | None:
    count = sum(v.count("*") + v.count("?") for c in conditions or [] for v in _values(c))
    if count > WILDCARDS_PER_RULE:
        return f"A rule can have at most {WILDCARDS_PER_RULE} wildcards; {count} were given"
    return None


@refuses(CREATE, "ValidationError", RULE_CONDITIONS, ELBClientError)
def condition_values(backend, listener_arn, conditions, *args, **kwargs) -> str | None:
    """A rule condition takes at most 3 values."""
    return _per_condition(conditions)


@refuses(MODIFY, "ValidationError", RULE_CONDITIONS, ELBClientError)
def condition_values_modified(backend, rule_arn, conditions, *args, **kwargs) -> str | None:
    """A modified rule condition takes at most 3 values."""
    return _per_condition(conditions)


@refuses(CREATE, "ValidationError", QUOTAS, ELBClientError)
def rule_values(backend, listener_arn, conditions, *args, **kwargs) -> str | None:
    """A rule takes at most 5 condition values in all (match evaluations per rule)."""
    return _per_rule(conditions)


@refuses(MODIFY, "ValidationError", QUOTAS, ELBClientError)
def rule_values_modified(backend, rule_arn, conditions, *args, **kwargs) -> str | None:
    """A modified rule takes at most 5 condition values in all."""
    return _per_rule(conditions)


@refuses(CREATE, "ValidationError", QUOTAS, ELBClientError)
def rule_wildcards(backend, listener_arn, conditions, *args, **kwargs) -> str | None:
    """A rule takes at most 5 wildcards (* or ?) in its conditions."""
    return _wildcards(conditions)


@refuses(MODIFY, "ValidationError", QUOTAS, ELBClientError)
def rule_wildcards_modified(backend, rule_arn, conditions, *args, **kwargs) -> str | None:
    """A modified rule takes at most 5 wildcards (* or ?) in its conditions."""
    return _wildcards(conditions)


def _target_groups(actions) -> list[str]:
    out = []
    for action in actions or []:
        arn = action.get("TargetGroupArn") or action.get("target_group_arn")
        if arn:
            out.append(arn)
        config = action.get("ForwardConfig") or action.get("forward_config") or {}
        out += [t.get("TargetGroupArn") for t in config.get("TargetGroups") or [] if t.get("TargetGroupArn")]
    return out


def _other_vpc(backend, listener_arn: str, actions) -> str | None:
    listener = next(iter(backend.describe_listeners(None, [listener_arn])), None)
    balancer = backend.load_balancers.get(listener.load_balancer_arn) if listener else None
    if balancer is None:
        return None  # moto answers ListenerNotFound itself
    for arn in _target_groups(actions):
        group = backend.target_groups.get(arn)
        if group is not None and group.vpc_id != balancer.vpc_id:
            return (f"The target group '{arn}' is in VPC '{group.vpc_id}', the load balancer "
                    f"'{balancer.name}' in VPC '{balancer.vpc_id}': a listener rule can only forward to a "
                    "target group in the load balancer's VPC")
    return None


@refuses(CREATE, "InvalidConfigurationRequest", CREATE_RULE, ELBClientError)
def target_group_vpc(backend, listener_arn, conditions, priority=None, actions=None, *args, **kwargs) -> str | None:
    """A listener rule cannot forward to a target group in another VPC."""
    return _other_vpc(backend, listener_arn, actions if actions is not None else kwargs.get("actions"))


@refuses(MODIFY, "InvalidConfigurationRequest", CREATE_RULE, ELBClientError)
def target_group_vpc_modified(backend, rule_arn, conditions=None, actions=None, *args, **kwargs) -> str | None:
    """A modified listener rule cannot forward to a target group in another VPC."""
    rule = next(iter(backend.describe_rules(listener_arn=None, rule_arns=[rule_arn])), None)
    return _other_vpc(backend, rule.listener_arn, actions) if rule is not None else None


@refuses("moto.elbv2.models:ELBv2Backend.add_listener_certificates", "TooManyCertificates", QUOTAS, ELBClientError)
def certificates_per_load_balancer(backend, arn, certificates, *args, **kwargs) -> str | None:
    """A load balancer takes at most 25 certificates besides its listeners' default ones (SNI)."""
    listener = next(iter(backend.describe_listeners(None, [arn])), None)
    balancer = backend.load_balancers.get(listener.load_balancer_arn) if listener else None
    if balancer is None:
        return None
    extra = {c for l in balancer.listeners.values() for c in l.certificates[1:]}
    extra |= {c["CertificateArn"] for c in certificates or []} - set(listener.certificates)
    if len(extra) > CERTIFICATES_PER_LOAD_BALANCER:
        return (f"You've reached the limit on the number of certificates per load balancer: "
                f"{len(extra)} besides the default ones, at most {CERTIFICATES_PER_LOAD_BALANCER}")
    return None
