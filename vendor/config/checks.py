"""Checks across fields that a schema cannot express. Pure: config in, findings out.

A finding is `(path, what is wrong, how to fix)`; the loader turns it into a located Problem.
"""
from __future__ import annotations

import ipaddress
import json

from vendor.config import names
from vendor.config.defaults import is_production
from vendor.config.model import Config
from vendor.config import engine_versions

Finding = tuple[tuple, str, str]

ALB_CONDITION_VALUES = 5  # values across all conditions of one listener rule
ALB_VALUES_PER_CONDITION = 3  # values of one condition (routing/hosts, routing/paths)
ALB_WILDCARDS = 5  # `*` and `?` across all conditions of one listener rule
RESERVED_TAGS = names.OWNERSHIP_TAG_KEYS
MAX_USER_TAGS = 50 - len(RESERVED_TAGS) - 1  # AWS allows 50; vend adds its own and SourceCommit
ENGINE_MAJORS = {
    "postgres": {"12", "13", "14", "15", "16", "17"},
    "mysql": {"5.7", "8.0", "8.4"},
    "mariadb": {"10.5", "10.6", "10.11", "11.4"},
}


def check(config: Config) -> list[Finding]:
    findings: list[Finding] = []
    for part in (_names, _tags, _network, _image, _fleet, _routing, _database, _pipeline):
        findings.extend(part(config))
    return findings


def _names(c: Config) -> list[Finding]:
    out = []
    database = names.resource_names(c)["database"][0]
    if "--" in database:  # RDS: "Can't end with a hyphen or contain two consecutive hyphens"
        key = "customer" if "--" in f"{c.customer}-" else "environment"
        value = getattr(c, key)
        out.append(((key,), f"'{value}' makes the database name '{database}', and RDS identifiers may not "
                    "contain two hyphens in a row", f"use single hyphens: {'-'.join(p for p in value.split('-') if p)}"))
    for resource, (name, limit) in names.resource_names(c).items():
        if len(name) > limit:
            out.append((("customer",), f"the {resource} name '{name}' would be {len(name)} characters, "
                        f"AWS allows {limit}", "shorten customer or environment"))
    return out


def _tags(c: Config) -> list[Finding]:
    out = [(("tags", key), f"tag '{key}' is set by vend itself", "remove it")
           for key in c.tags if key in RESERVED_TAGS]
    if len(c.tags) > MAX_USER_TAGS:
        out.append((("tags",), f"{len(c.tags)} tags, at most {MAX_USER_TAGS} fit beside vend's own",
                    "remove some tags"))
    return out


def _network(c: Config) -> list[Finding]:
    n = c.network
    if n.create and n.vpc_id:
        return [(("network",), "both vpc_id and create are set", "keep vpc_id to use a VPC, or create to make one")]
    if not n.create and not n.vpc_id:
        return [(("network",), "no VPC given", "set vpc_id with its subnets, or create: {cidr: 10.20.0.0/16}")]
    if n.create:
        out = [(("network", key), f"{key} cannot be used with create", "remove it; vend creates the subnets")
               for key in ("public_subnet_ids", "private_subnet_ids") if getattr(n, key)]
        try:
            net = ipaddress.IPv4Network(n.create.cidr)
        except ValueError:
            return out + [(("network", "create", "cidr"), f"'{n.create.cidr}' is not an IPv4 CIDR",
                           "write it as 10.20.0.0/16 with the host bits zero")]
        if not 16 <= net.prefixlen <= 24:
            out.append((("network", "create", "cidr"), f"a /{net.prefixlen} VPC is outside AWS's /16 to /24",
                        "use a prefix length between 16 and 24"))
        elif not net.is_private:
            out.append((("network", "create", "cidr"), f"{net} is not a private range",
                        "use a range inside 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16"))
        return out
    out = []
    for key in ("public_subnet_ids", "private_subnet_ids"):
        ids = getattr(n, key)
        if len(ids) < 2:
            out.append((("network", key), f"{len(ids)} subnet(s) given, at least 2 are needed",
                        "list one subnet per availability zone, at least 2"))
        elif len(set(ids)) != len(ids):
            out.append((("network", key), "a subnet is listed twice", "list each subnet once"))
    return out


def _image(c: Config) -> list[Finding]:
    ami = c.image.base_ami
    if ami.id and (ami.owner or ami.name):
        return [(("image", "base_ami"), "both id and owner/name are set", "keep id, or owner + name")]
    if not ami.id and not (ami.owner and ami.name):
        missing = "name" if ami.owner else "owner" if ami.name else "id"
        return [(("image", "base_ami"), f"base AMI is incomplete: {missing} is missing",
                 "give id, or both owner and name")]
    if c.image.build.vpc_id and not c.image.build.subnet_id:
        return [(("image", "build", "subnet_id"), "a build VPC is given without a subnet",
                 "add the subnet of that VPC the build instance should launch in")]
    return []


def _fleet(c: Config) -> list[Finding]:
    f = c.fleet
    if f.min > f.max:
        return [(("fleet", "max"), f"max {f.max} is less than min {f.min}", "raise max or lower min")]
    if not f.min <= f.desired <= f.max:
        return [(("fleet", "desired"), f"desired {f.desired} is outside min {f.min} .. max {f.max}",
                 "choose a value between min and max")]
    return []


def _routing(c: Config) -> list[Finding]:
    r, out = c.routing, []
    if not r.hosts and not r.paths:
        out.append((("routing",), "no hosts and no paths: the listener rule would match nothing",
                    "add hosts: [shop.example.com] or paths: [/shop/*]"))
    if len(r.hosts) + len(r.paths) > ALB_CONDITION_VALUES:
        out.append((("routing",), f"{len(r.hosts) + len(r.paths)} host and path values, an ALB rule takes "
                    f"at most {ALB_CONDITION_VALUES}", "use wildcards or fewer values"))
    for key, example in (("hosts", "*.example.com"), ("paths", "/shop/*")):
        values = getattr(r, key)
        if len(values) > ALB_VALUES_PER_CONDITION:
            out.append((("routing", key), f"{len(values)} {key}, an ALB rule condition takes at most "
                        f"{ALB_VALUES_PER_CONDITION} values", f"use a wildcard such as {example}, or fewer {key}"))
    wildcards = sum(v.count("*") + v.count("?") for v in [*r.hosts, *r.paths])
    if wildcards > ALB_WILDCARDS:
        out.append((("routing",), f"{wildcards} wildcards (* or ?) in hosts and paths, an ALB rule takes at most "
                    f"{ALB_WILDCARDS}", "use fewer wildcards"))
    for key in ("hosts", "paths"):
        if len(set(getattr(r, key))) != len(getattr(r, key)):
            out.append((("routing", key), "a value is listed twice", "list each value once"))
    hc = r.health_check
    if hc.timeout_seconds >= hc.interval_seconds:
        out.append((("routing", "health_check", "timeout_seconds"),
                    f"timeout {hc.timeout_seconds}s is not shorter than interval {hc.interval_seconds}s",
                    "make the timeout shorter than the interval"))
    if r.domain and not r.certificate_arn:
        out.append((("routing", "certificate_arn"), "a custom domain needs a certificate",
                    "add the ACM certificate ARN for the domain"))
    if r.certificate_arn and not r.domain:
        out.append((("routing", "domain"), "a certificate is given without a domain", "add domain, or remove certificate_arn"))
    if r.certificate_arn and r.certificate_arn.split(":")[3] != c.region:
        out.append((("routing", "certificate_arn"), f"the certificate is in {r.certificate_arn.split(':')[3]}, "
                    f"the load balancer in {c.region}", f"use a certificate issued in {c.region}"))
    if r.hosted_zone_id and not r.hosts and not r.domain:
        out.append((("routing", "hosted_zone_id"), "a hosted zone is given but no host names to create records for",
                    "add routing/hosts or routing/domain, or remove hosted_zone_id"))
    if len(set(r.shared_load_balancers)) != len(r.shared_load_balancers):
        out.append((("routing", "shared_load_balancers"), "a load balancer is listed twice", "list each once"))
    return out


def _database(c: Config) -> list[Finding]:
    db = c.database
    if db is None:
        return []
    majors = ENGINE_MAJORS[db.engine]
    if engine_versions.major(db.engine, db.version) not in majors:
        return [(("database", "version"), f"{db.engine} {db.version} is not a supported version",
                 f"use a version of {', '.join(sorted(majors))}")]
    if is_production(c.environment) and db.backup_retention_days == 0:
        return [(("database", "backup_retention_days"), "production without backups",
                 "keep backups for 1 to 35 days")]
    return []


CUSTOM_DATA_MAX = 500  # CodePipeline: an approval action's CustomData is at most 500 characters


def _pipeline(c: Config) -> list[Finding]:
    p, out = c.pipeline, []
    if p.require_approval and not p.approvers:
        why = "production requires approval" if is_production(c.environment) else "require_approval is on"
        out.append((("pipeline", "approvers"), f"{why} but no approvers are listed",
                    "add approvers: [ops@example.com]"))
    if len({a.lower() for a in p.approvers}) != len(p.approvers):
        out.append((("pipeline", "approvers"), "an approver is listed twice", "list each email once"))
    custom = len(json.dumps({"customer": c.customer, "environment": c.environment, "approvers": list(p.approvers)},
                            separators=(",", ":")))
    if p.require_approval and custom > CUSTOM_DATA_MAX:
        out.append((("pipeline", "approvers"), f"the approval action's CustomData (customer, environment, approvers "
                    f"as JSON) would be {custom} characters; CodePipeline allows {CUSTOM_DATA_MAX}",
                    "list fewer approvers, e.g. a team address"))
    return out
