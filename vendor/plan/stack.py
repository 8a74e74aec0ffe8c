"""Everything one customer environment needs in AWS, as wanted resources in dependency order. Pure.

`stack(config, facts)` lists the resources; creating them in list order never needs something not
yet created, and deleting them in reverse order never leaves a dependent behind. Resources the
config no longer wants (database removed, dedicated ALB given up, fewer zones) are listed with
`present=False` so apply deletes them; shared load balancers are `shared=True`.
"""
from __future__ import annotations

from vendor.config.defaults import is_production
from vendor.config.model import Config
from vendor.plan import alarms, approvals_service, delivery, policies
from vendor.plan.naming import SSL_POLICY, Facts, Names, arn, names, shared_tags, stack_tags
from vendor.plan.network import ANYWHERE, network
from vendor.plan.priority import band_of
from vendor.plan.resources import Ref, Resource

SG, ROLE, PROFILE = "security group", "iam role", "instance profile"
BUCKET, LOGS, TOPIC = "s3 bucket", "log group", "sns topic"
LB, LISTENER, TG, RULE = "load balancer", "listener", "target group", "listener rule"
LT, ASG, DB_SUBNETS, DB = "launch template", "auto-scaling group", "db subnet group", "database"
DB_PORTS = {"postgres": 5432, "mysql": 3306, "mariadb": 3306}
REDIRECT = {"type": "redirect", "protocol": "HTTPS", "port": "443", "status": "HTTP_301"}
NOT_FOUND = {"type": "fixed-response", "status": "503", "content_type": "text/plain", "body": "host not found"}


def dedicated(config: Config) -> bool:
    """Production with a custom domain gets its own load balancer."""
    return is_production(config.environment) and config.routing.domain is not None


def stack(config: Config, facts: Facts) -> list[Resource]:
    n = names(config, facts)
    net = network(config, facts)
    own = dedicated(config)
    lb_names = [n.base] if own else list(config.routing.shared_load_balancers)
    out = list(net.resources)
    out += _load_balancers(config, facts, n, net, own)
    out += _security_groups(config, n, net, lb_names)
    out += _storage(config, n)
    out += approvals_service.environment(config, facts, n, TOPIC)
    out += _iam(config, facts, n)
    out += _routing(config, n, net, own, lb_names)
    out += _fleet(config, facts, n, net)
    out += _database(config, n, net)
    out += alarms.alarms(config, n, f"{n.base}-dedicated" if own else f"{n.base}-shared")
    out += delivery.delivery(config, facts, n)
    return out


def _load_balancers(config: Config, facts: Facts, n: Names, net, own: bool) -> list[Resource]:
    """The dedicated ALB (or its absence), and each shared ALB, created when missing."""
    out = []
    certificate = config.routing.certificate_arn if own else None
    out += _alb(n.base, net, certificate, present=own, shared=False)
    if not own:
        for name in config.routing.shared_load_balancers:
            out += _alb(name, net, facts.shared_certificate_arn, present=True, shared=True)
    return out


def _alb(name: str, net, certificate: str | None, *, present: bool, shared: bool) -> list[Resource]:
    lb = Ref(LB, name, "arn")
    sg = {"vpc": net.vpc, "description": f"load balancer {name}",
          "ingress": [{"port": 80, "source": ANYWHERE}, {"port": 443, "source": ANYWHERE}]}
    props = [sg,
             {"vpc": net.vpc, "subnets": list(net.public), "security_groups": [Ref(SG, f"{name}-alb")],
              "scheme": "internet-facing"},
             {"load_balancer": lb, "port": 80, "protocol": "HTTP", "certificate": None, "ssl_policy": None,
              "default": REDIRECT},
             {"load_balancer": lb, "port": 443, "protocol": "HTTPS", "certificate": certificate,
              "ssl_policy": SSL_POLICY, "default": NOT_FOUND}]
    if not present:
        props = [{}, {}, {}, {}]
    tags = {**shared_tags(), "Vpc": net.vpc} if shared else None  # a shared ALB serves one VPC: the tag says which
    flags = {"present": present, "shared": shared}
    return [Resource(SG, f"{name}-alb", {**props[0], **({"tags": tags} if tags and present else {})},
                     immutable=("vpc",), unordered=("ingress",), create_only=("tags",), **flags),
            Resource(LB, name, {**props[1], **({"tags": tags} if tags and present else {})},
                     immutable=("vpc", "scheme"), unordered=("subnets",), create_only=("tags",), **flags),
            Resource(LISTENER, f"{name}-http", {**props[2], **({"tags": tags} if tags and present else {})},
                     immutable=("load_balancer",), create_only=("tags",), **flags),
            Resource(LISTENER, f"{name}-https", {**props[3], **({"tags": tags} if tags and present else {})},
                     immutable=("load_balancer",), create_only=("tags",), **flags)]


def _security_groups(config: Config, n: Names, net, lb_names: list[str]) -> list[Resource]:
    port = config.routing.port
    app = [{"port": port, "source": Ref(LB, name, "security_group")} for name in lb_names]
    out = [Resource(SG, f"{n.base}-app", {"vpc": net.vpc, "description": f"instances of {n.base}",
                                          "ingress": app}, immutable=("vpc",), unordered=("ingress",))]
    db = config.database
    props = ({"vpc": net.vpc, "description": f"database of {n.base}",
              "ingress": [{"port": DB_PORTS[db.engine], "source": Ref(SG, f"{n.base}-app")}]} if db else {})
    out.append(Resource(SG, f"{n.base}-db", props, present=db is not None, immutable=("vpc",),
                        unordered=("ingress",)))
    return out


def _storage(config: Config, n: Names) -> list[Resource]:
    approvals = bool(config.pipeline.require_approval)
    return [
        Resource(BUCKET, n.bucket, {"versioning": "Enabled", "encryption": "AES256", "public_access_blocked": True,
                                    "ownership": "BucketOwnerEnforced", "tags": stack_tags(config),
                                    "eventbridge": True}),  # uploads of the source zip start the pipeline
        Resource(LOGS, n.log_group, {"retention_days": config.logs.retention_days}),
        # approvers get vend's mail from the approvals service, never AWS's own email subscriptions
        Resource(TOPIC, n.topic, {"subscriptions": []} if approvals else {},
                 present=approvals, unordered=("subscriptions",)),
    ]


def _iam(config: Config, facts: Facts, n: Names) -> list[Resource]:
    roles = [("instance", "ec2.amazonaws.com", policies.instance),
             ("codebuild", "codebuild.amazonaws.com", policies.codebuild),
             ("codedeploy", "codedeploy.amazonaws.com", policies.codedeploy),
             ("codepipeline", "codepipeline.amazonaws.com", policies.codepipeline)]
    out = [Resource(ROLE, n.role(purpose), {"path": "/vend/", "trust": policies.trust(service, facts.account),
                                            "policy": policy(config, facts, n)}, immutable=("path",))
           for purpose, service, policy in roles]
    out.append(Resource(PROFILE, n.role("instance"), {"path": "/vend/", "role": n.role("instance")},
                        immutable=("path",)))
    rule = delivery.triggered_by_rule(config)  # EventBridge starts the pipeline with this role
    out.append(Resource(ROLE, n.role("events"), {"path": "/vend/", "trust": policies.trust("events.amazonaws.com", facts.account),
                                                 "policy": policies.events(config, facts, n)} if rule else {},
                        present=rule, immutable=("path",)))
    return out


def _routing(config: Config, n: Names, net, own: bool, lb_names: list[str]) -> list[Resource]:
    r, hc = config.routing, config.routing.health_check
    health = {"path": hc.path, "interval": hc.interval_seconds, "timeout": hc.timeout_seconds,
              "healthy": hc.healthy_threshold, "unhealthy": hc.unhealthy_threshold, "matcher": hc.matcher}
    rule = {"load_balancers": lb_names, "hosts": list(r.hosts), "paths": list(r.paths),
            "target_group": Ref(TG, n.base, "arn"), "band": band_of(r.hosts, r.paths).name}
    # on a shared ALB the customer's certificate is served by SNI; a dedicated ALB has it as default
    shared_rule = {**rule, "certificate": r.certificate_arn}
    return [
        Resource(TG, n.base, {"vpc": net.vpc, "port": r.port, "protocol": "HTTP", "health_check": health,
                              "deregistration_delay": r.deregistration_delay_seconds},
                 immutable=("vpc", "port", "protocol")),
        Resource(RULE, f"{n.base}-dedicated", rule if own else {"load_balancers": [n.base]}, present=own),
        Resource(RULE, f"{n.base}-shared", shared_rule if not own else {"load_balancers": list(r.shared_load_balancers)},
                 present=not own),
        _alias_records(config, n, own),
    ]


def _alias_records(config: Config, n: Names, own: bool) -> Resource:
    """A records in the config's hosted zone for its hosts and domain, aliases of the load balancer
    the environment's rule is on (a shared ALB may be any of the listed ones)."""
    r = config.routing
    names = sorted({h.lower() for h in r.hosts} | ({r.domain} if r.domain else set()))
    rule = f"{n.base}-dedicated" if own else f"{n.base}-shared"
    props = {"zone": r.hosted_zone_id, "names": names, "load_balancer": Ref(RULE, rule, "load_balancer")}
    return Resource("dns records", n.base, props if r.hosted_zone_id else {}, present=bool(r.hosted_zone_id),
                    unordered=("names",))


def health_check_type(facts: Facts) -> str:
    """EC2 until CodeDeploy has deployed the app once, ELB after. The baked image serves no health
    path, so ELB health checks before the first deployment would replace every instance after the
    grace period, over and over; once a revision is deployed (and the deployment group gives it
    to every instance the group launches), the load balancer's view decides."""
    return "ELB" if facts.app_deployed else "EC2"


def _fleet(config: Config, facts: Facts, n: Names, net) -> list[Resource]:
    f, image = config.fleet, config.image
    template = {"image": facts.ami_id, "instance_type": f.instance_type,
                "profile": arn(facts, "iam", f"instance-profile/vend/{n.role('instance')}", regional=False),
                "security_groups": [Ref(SG, f"{n.base}-app")], "metadata_tokens": "required",
                "root_device": image.root_device, "volume_gb": image.volume_size_gb, "volume_type": "gp3",
                "encrypted": True, "kms_key": image.kms_key_id, "tags": stack_tags(config)}
    group = {"launch_template": Ref(LT, n.base), "version": Ref(LT, n.base, "version"), "min": f.min,
             "max": f.max, "desired": f.desired, "subnets": list(net.private),
             "target_groups": [Ref(TG, n.base, "arn")], "health_check_type": health_check_type(facts),
             "grace_seconds": config.deploy.health_check_grace_seconds, "cpu_target": f.cpu_target}
    return [Resource(LT, n.base, template, renewed=("version",)),
            Resource(ASG, n.base, group, create_only=("desired",), unordered=("subnets",))]


def _database(config: Config, n: Names, net) -> list[Resource]:
    db = config.database
    if db is None:
        return [Resource(DB_SUBNETS, n.base, present=False), Resource(DB, n.base, present=False)]
    settings = {"engine": db.engine, "version": db.version, "instance_class": db.instance_class,
                "storage_gb": db.storage_gb, "db_name": db.name, "username": db.master_username,
                "multi_az": db.multi_az, "backup_days": db.backup_retention_days,
                "deletion_protection": db.deletion_protection, "subnet_group": n.base,
                "security_groups": [Ref(SG, f"{n.base}-db")], "encrypted": True, "managed_password": True,
                "public": False, "final_snapshot": is_production(config.environment)}
    return [Resource(DB_SUBNETS, n.base, {"description": f"private subnets of {n.base}",
                                          "subnets": list(net.private)}, unordered=("subnets",)),
            Resource(DB, n.base, settings, create_only=("final_snapshot",), versions=("version",),
                     immutable=("engine", "db_name", "username", "encrypted", "subnet_group"))]
