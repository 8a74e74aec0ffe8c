"""Target group, application load balancer, its listeners and the environment's listener rule.

The rule is placed by the rule-priority allocator (`vendor.plan.priority`) through
`vendor.aws.listener_rules.ensure_rule`, which retries on `PriorityInUse`.
"""
from __future__ import annotations

from botocore.exceptions import ClientError

from vendor.aws import listener_rules
from vendor.aws.base import Handler, StackError, missing, resource_tags, tag_list, wait_until
from vendor.plan.priority import WantedRule, band_at
from vendor.plan.resources import Observed

HEALTH = {"path": "HealthCheckPath", "interval": "HealthCheckIntervalSeconds", "timeout": "HealthCheckTimeoutSeconds",
          "healthy": "HealthyThresholdCount", "unhealthy": "UnhealthyThresholdCount"}


DEREGISTRATION_DELAY = "deregistration_delay.timeout_seconds"
AWS_DEREGISTRATION_DELAY = 300  # what a new target group gets


def _health_args(health: dict) -> dict:
    args = {HEALTH[k]: v for k, v in health.items() if k in HEALTH}
    return {**args, "HealthCheckProtocol": "HTTP", "HealthCheckEnabled": True, "Matcher": {"HttpCode": health["matcher"]}}


def _set_deregistration_delay(elbv2, arn: str, seconds: int) -> None:
    elbv2.modify_target_group_attributes(TargetGroupArn=arn, Attributes=[
        {"Key": DEREGISTRATION_DELAY, "Value": str(seconds)}])


class TargetGroup(Handler):
    kind = "target group"

    def read(self, ctx, res, props):
        elbv2 = ctx.client("elbv2")
        try:
            tg = elbv2.describe_target_groups(Names=[res.name])["TargetGroups"][0]
        except ClientError as error:
            if missing(error, "TargetGroupNotFound"):
                return None
            raise
        health = {k: tg[v] for k, v in HEALTH.items()}
        health["matcher"] = tg.get("Matcher", {}).get("HttpCode")
        attributes = {a["Key"]: a["Value"] for a in elbv2.describe_target_group_attributes(
            TargetGroupArn=tg["TargetGroupArn"])["Attributes"]}
        return Observed(tg["TargetGroupArn"], {
            "vpc": tg["VpcId"], "port": tg["Port"], "protocol": tg["Protocol"], "health_check": health,
            "deregistration_delay": int(attributes.get(DEREGISTRATION_DELAY, AWS_DEREGISTRATION_DELAY))},
            {"arn": tg["TargetGroupArn"]})

    def create(self, ctx, res, props):
        elbv2 = ctx.client("elbv2")
        tg = elbv2.create_target_group(
            Name=res.name, Protocol=props["protocol"], Port=props["port"], VpcId=props["vpc"], TargetType="instance",
            Tags=tag_list(resource_tags(ctx, res)), **_health_args(props["health_check"]))["TargetGroups"][0]
        if props["deregistration_delay"] != AWS_DEREGISTRATION_DELAY:
            _set_deregistration_delay(elbv2, tg["TargetGroupArn"], props["deregistration_delay"])
        return Observed(tg["TargetGroupArn"], props, {"arn": tg["TargetGroupArn"]})

    def update(self, ctx, res, props, observed, changed):
        elbv2 = ctx.client("elbv2")
        if "health_check" in changed:
            elbv2.modify_target_group(TargetGroupArn=observed.id, **_health_args(props["health_check"]))
        if "deregistration_delay" in changed:
            _set_deregistration_delay(elbv2, observed.id, props["deregistration_delay"])
        return Observed(observed.id, props, observed.attrs)

    def delete(self, ctx, res, observed):
        ctx.client("elbv2").delete_target_group(TargetGroupArn=observed.id)


class LoadBalancer(Handler):
    kind = "load balancer"

    def read(self, ctx, res, props):
        try:
            lb = ctx.client("elbv2").describe_load_balancers(Names=[res.name])["LoadBalancers"][0]
        except ClientError as error:
            if missing(error, "LoadBalancerNotFound"):
                return None
            raise
        groups = lb.get("SecurityGroups", [])
        return Observed(lb["LoadBalancerArn"], {
            "vpc": lb["VpcId"], "subnets": sorted(z["SubnetId"] for z in lb.get("AvailabilityZones", [])),
            "security_groups": groups, "scheme": lb["Scheme"]},
            {"arn": lb["LoadBalancerArn"], "security_group": groups[0] if groups else None, "dns": lb["DNSName"]})

    def create(self, ctx, res, props):
        lb = ctx.client("elbv2").create_load_balancer(
            Name=res.name, Subnets=list(props["subnets"]), SecurityGroups=list(props["security_groups"]),
            Scheme=props["scheme"], Type="application", IpAddressType="ipv4",
            Tags=tag_list(resource_tags(ctx, res, props)))["LoadBalancers"][0]
        return Observed(lb["LoadBalancerArn"], props, {"arn": lb["LoadBalancerArn"],
                                                       "security_group": props["security_groups"][0]})

    def update(self, ctx, res, props, observed, changed):
        elbv2 = ctx.client("elbv2")
        if "subnets" in changed:
            elbv2.set_subnets(LoadBalancerArn=observed.id, Subnets=list(props["subnets"]))
        if "security_groups" in changed:
            elbv2.set_security_groups(LoadBalancerArn=observed.id, SecurityGroups=list(props["security_groups"]))
        return Observed(observed.id, props, observed.attrs)

    def delete(self, ctx, res, observed):
        elbv2 = ctx.client("elbv2")
        elbv2.delete_load_balancer(LoadBalancerArn=observed.id)
        wait_until(lambda: self.read(ctx, res, {}) is None, f"{res.key} to be deleted", delay=ctx.delay)


def _default(actions: list[dict]) -> dict | None:
    for a in actions:
        if a["Type"] == "redirect":
            c = a["RedirectConfig"]
            return {"type": "redirect", "protocol": c.get("Protocol"), "port": c.get("Port"), "status": c.get("StatusCode")}
        if a["Type"] == "fixed-response":
            c = a["FixedResponseConfig"]
            return {"type": "fixed-response", "status": c.get("StatusCode"), "content_type": c.get("ContentType"),
                    "body": c.get("MessageBody")}
    return None


def _actions(default: dict) -> list[dict]:
    if default["type"] == "redirect":
        return [{"Type": "redirect", "RedirectConfig": {"Protocol": default["protocol"], "Port": default["port"],
                                                        "StatusCode": default["status"]}}]
    return [{"Type": "fixed-response", "FixedResponseConfig": {
        "StatusCode": default["status"], "ContentType": default["content_type"], "MessageBody": default["body"]}}]


class Listener(Handler):
    """Found by port on its load balancer (the load balancer's name is in the resource's name)."""

    kind = "listener"

    def read(self, ctx, res, props):
        lb = props.get("load_balancer")
        if not isinstance(lb, str):
            return None
        listeners = ctx.client("elbv2").describe_listeners(LoadBalancerArn=lb)["Listeners"]
        found = [l for l in listeners if l["Port"] == props["port"]]
        if not found:
            return None
        l = found[0]
        certificates = [c["CertificateArn"] for c in l.get("Certificates", [])]
        return Observed(l["ListenerArn"], {"load_balancer": l["LoadBalancerArn"], "port": l["Port"],
                                           "protocol": l["Protocol"], "certificate": certificates[0] if certificates else None,
                                           "ssl_policy": l.get("SslPolicy") if l["Protocol"] == "HTTPS" else None, "default": _default(l["DefaultActions"])},
                        {"arn": l["ListenerArn"]})

    def _settings(self, props) -> dict:
        extra = {"Certificates": [{"CertificateArn": props["certificate"]}], "SslPolicy": props["ssl_policy"]} \
            if props["protocol"] == "HTTPS" else {}
        return {"Protocol": props["protocol"], "Port": props["port"], "DefaultActions": _actions(props["default"]), **extra}

    def create(self, ctx, res, props):
        if props["protocol"] == "HTTPS" and not props["certificate"]:
            raise StackError(f"{res.key} needs a certificate and none is known: tag an issued ACM certificate "
                             "with ManagedBy=vend and Shared=true, or pass --shared-certificate ARN")
        listener = ctx.client("elbv2").create_listener(LoadBalancerArn=props["load_balancer"], **self._settings(props),
                                                       Tags=tag_list(resource_tags(ctx, res, props)))["Listeners"][0]
        return Observed(listener["ListenerArn"], props, {"arn": listener["ListenerArn"]})

    def update(self, ctx, res, props, observed, changed):
        ctx.client("elbv2").modify_listener(ListenerArn=observed.id, **self._settings(props))
        return Observed(observed.id, props, observed.attrs)

    def delete(self, ctx, res, observed):
        ctx.client("elbv2").delete_listener(ListenerArn=observed.id)


class ListenerRule(Handler):
    kind = "listener rule"

    def _wanted(self, ctx, props) -> WantedRule:
        tg = props.get("target_group")
        return WantedRule(ctx.tags["Customer"], ctx.tags["Environment"], tuple(props.get("hosts", ())),
                          tuple(props.get("paths", ())), tg if isinstance(tg, str) else None,
                          props.get("certificate"))

    def read(self, ctx, res, props):
        elbv2, me = ctx.client("elbv2"), (ctx.tags["Customer"], ctx.tags["Environment"])
        tg = props.get("target_group")
        attached = listener_rules.attached_load_balancers(elbv2, tg) if isinstance(tg, str) else set()
        own = []
        for name in self._attached_first(elbv2, props.get("load_balancers") or (), attached):
            try:
                (shared,) = listener_rules.read_shared(elbv2, [name], attached=attached, once=ctx.once)
            except listener_rules.ListenerRulesError:
                continue  # no such load balancer (yet), or no HTTPS listener: no rule there
            own += [(name, rule, shared.certificates) for rule in shared.rules if rule.owner == me]
        if len(own) > 1:  # never "the first": which one is the environment's is for a person to say
            where = ", ".join(f"priority {rule.priority} on {name} ({rule.rule_arn})" for name, rule, _ in own)
            raise StackError(f"customer {me[0]} environment {me[1]} has {len(own)} vend listener rules: {where}; "
                             "delete all but one of them, then apply again")
        if not own:
            return None
        name, rule, attached_certificates = own[0]
        certificate = rule.tag(listener_rules.CERTIFICATE_TAG)
        return Observed(rule.rule_arn, {
            "load_balancers": props["load_balancers"], "hosts": list(rule.hosts), "paths": list(rule.paths),
            "target_group": rule.target_group_arns[0] if len(rule.target_group_arns) == 1 else None,
            "band": band_at(rule.priority).name,
            "certificate": certificate if certificate in attached_certificates else None},
            {"arn": rule.rule_arn, "priority": rule.priority, "load_balancer": name, "certificate": certificate})

    @staticmethod
    def _attached_first(elbv2, names, attached: set[str]) -> list[str]:
        """The load balancers to look on, those the target group is attached to first: the rule
        is there, so the others are not read at all."""
        if not attached:
            return list(names)
        found = {lb["LoadBalancerName"] for lb in elbv2.describe_load_balancers(
            LoadBalancerArns=sorted(attached))["LoadBalancers"]}
        return [n for n in names if n in found] + [n for n in names if n not in found]

    def create(self, ctx, res, props):
        result = listener_rules.ensure_rule(ctx.client("elbv2"), self._wanted(ctx, props), props["load_balancers"],
                                            tags=ctx.tags)
        return Observed(result.rule_arn, props, {"arn": result.rule_arn, "priority": result.priority,
                                                 "load_balancer": result.load_balancer})

    def update(self, ctx, res, props, observed, changed):
        result = self.create(ctx, res, props)
        old = observed.attrs.get("certificate")
        if old and old != props.get("certificate") and observed.attrs.get("load_balancer"):
            elbv2 = ctx.client("elbv2")
            if props.get("certificate") is None:
                elbv2.remove_tags(ResourceArns=[observed.id], TagKeys=[listener_rules.CERTIFICATE_TAG])
            listener_rules.release_certificate(elbv2, observed.attrs["load_balancer"], old, leaving_rule=observed.id)
        return result

    def delete(self, ctx, res, observed):
        elbv2 = ctx.client("elbv2")
        elbv2.delete_rule(RuleArn=observed.id)
        certificate, lb = observed.attrs.get("certificate"), observed.attrs.get("load_balancer")
        if certificate and lb:
            listener_rules.release_certificate(elbv2, lb, certificate, leaving_rule=observed.id)


HANDLERS = [TargetGroup(), LoadBalancer(), Listener(), ListenerRule()]
