"""Read what AWS has for a stack: the account facts planning needs, and each wanted resource.

Resources are read in dependency order, so a reader that needs another resource's id (a listener
needs its load balancer's ARN) finds it resolved from what was read before it.
"""
from __future__ import annotations

from collections.abc import Sequence

from botocore.exceptions import ClientError

from vendor.aws import certificate_checks, database_checks
from vendor.aws.base import StackError, code, missing
from vendor.config.names import MANAGED_BY, base
from vendor.aws.handlers import handler
from vendor.config.loader import ConfigFile
from vendor.config.source import SourceError, load_yaml
from vendor.plan.naming import Facts
from vendor.plan.resources import Observed, Resource, resolve
from vendor.plan.stack import dedicated


def zones(ctx) -> tuple[str, ...]:
    found = ctx.client("ec2").describe_availability_zones(
        Filters=[{"Name": "state", "Values": ["available"]}, {"Name": "zone-type", "Values": ["availability-zone"]}])
    return tuple(sorted(z["ZoneName"] for z in found["AvailabilityZones"]))


def newest_ami(ctx, customer: str, environment: str) -> str | None:
    filters = [{"Name": "tag:ManagedBy", "Values": ["vend"]}, {"Name": "tag:Customer", "Values": [customer]},
               {"Name": "tag:Environment", "Values": [environment]}, {"Name": "state", "Values": ["available"]}]
    images = ctx.client("ec2").describe_images(Owners=["self"], Filters=filters)["Images"]
    return max(images, key=lambda i: (i.get("CreationDate", ""), i["ImageId"]))["ImageId"] if images else None


def shared_certificate(ctx) -> str | None:
    """The issued ACM certificate tagged ManagedBy=vend and Shared=true, for a shared ALB vend
    creates; None if there is none, an error if there are several (never "the first")."""
    acm, found = ctx.client("acm"), []
    for page in acm.get_paginator("list_certificates").paginate(CertificateStatuses=["ISSUED"]):
        for summary in page["CertificateSummaryList"]:
            tags = {t["Key"]: t.get("Value") for t in acm.list_tags_for_certificate(
                CertificateArn=summary["CertificateArn"])["Tags"]}
            if tags.get("ManagedBy") == MANAGED_BY and tags.get("Shared") == "true":
                found.append(summary["CertificateArn"])
    if len(found) > 1:
        raise StackError(f"{len(found)} issued certificates in {ctx.region} are tagged ManagedBy=vend, Shared=true "
                         f"({', '.join(sorted(found))}); give one with --shared-certificate ARN, or untag the others")
    return found[0] if found else None


def _missing_load_balancers(ctx, names: Sequence[str]) -> list[str]:
    out = []
    for name in names:
        try:
            ctx.client("elbv2").describe_load_balancers(Names=[name])
        except ClientError as error:
            if code(error) != "LoadBalancerNotFound":
                raise
            out.append(name)
    return out


def check_network(ctx, cf: ConfigFile) -> None:
    """A given VPC and its subnets must exist, and the subnets must be in that VPC."""
    n = cf.config.network
    if n.create is not None:
        return
    ec2, problems, doc = ctx.client("ec2"), [], None

    def problem(path, message, hint):
        nonlocal doc
        doc = doc or load_yaml(cf.path)
        problems.append(doc.problem(path, message, hint))

    vpcs = ec2.describe_vpcs(Filters=[{"Name": "vpc-id", "Values": [n.vpc_id]}])["Vpcs"]
    if not vpcs:
        problem(("network", "vpc_id"), f"VPC {n.vpc_id} does not exist in {ctx.region}",
                "give the id of an existing VPC in this region, or use network/create")
    for key in ("public_subnet_ids", "private_subnet_ids"):
        ids = getattr(n, key)
        subnets = ec2.describe_subnets(Filters=[{"Name": "subnet-id", "Values": list(ids)}])["Subnets"]
        found = {s["SubnetId"]: s["VpcId"] for s in subnets}
        what = ("the load balancer" if key == "public_subnet_ids"
                else "the database's subnet group" if cf.config.database else None)
        short = what and database_checks.zone_coverage({s["SubnetId"]: s["AvailabilityZone"] for s in subnets}, what)
        if short:
            problem(("network", key), *short)
        for i, subnet in enumerate(ids):
            if subnet not in found:
                problem(("network", key, i), f"subnet {subnet} does not exist in {ctx.region}",
                        "give the id of an existing subnet")
            elif vpcs and found[subnet] != n.vpc_id:
                problem(("network", key, i), f"subnet {subnet} is in {found[subnet]}, not in {n.vpc_id}",
                        "list subnets of network/vpc_id only")
    if problems:
        raise SourceError(problems)


def check_database(ctx, cf: ConfigFile) -> None:
    """The database's engine version and instance class must be orderable (see database_checks)."""
    db = cf.config.database
    found = db and database_checks.engine_version(ctx, db, base(cf.config))
    if found:
        raise SourceError([load_yaml(cf.path).problem(("database", "version"), *found)])


def check_certificate(ctx, cf: ConfigFile) -> None:
    """A dedicated ALB's certificate must be ISSUED and cover the domain and hosts."""
    r = cf.config.routing
    found = dedicated(cf.config) and certificate_checks.certificate(
        ctx, r.certificate_arn, certificate_checks.served_names(r.domain, r.hosts))
    if found:
        raise SourceError([load_yaml(cf.path).problem(("routing", "certificate_arn"), *found)])


def check_shared_certificate(ctx, arn: str) -> None:
    """A certificate given for a shared ALB vend creates must be ISSUED."""
    found = certificate_checks.certificate(ctx, arn, [])
    if found:
        raise StackError(f"--shared-certificate: {found[0]} ({found[1]})")


def facts(ctx, cf: ConfigFile, *, shared_certificate_arn: str | None = None) -> Facts:
    config = cf.config
    check_network(ctx, cf)
    check_database(ctx, cf)
    check_certificate(ctx, cf)
    certificate = shared_certificate_arn
    missing_shared = not dedicated(config) and _missing_load_balancers(ctx, config.routing.shared_load_balancers)
    if certificate is not None and missing_shared:
        check_shared_certificate(ctx, certificate)
    if certificate is None and missing_shared:
        certificate = shared_certificate(ctx)
    return Facts(ctx.account, ctx.region, zones(ctx), newest_ami(ctx, config.customer, config.environment),
                 ctx.partition, certificate, app_deployed(ctx, base(config)))


def app_deployed(ctx, group: str) -> bool:
    """Whether CodeDeploy has deployed to the environment's group (named like it) successfully."""
    try:
        found = ctx.client("codedeploy").list_deployments(applicationName=group, deploymentGroupName=group,
                                                          includeOnlyStatuses=["Succeeded"])
    except ClientError as error:
        if missing(error, "ApplicationDoesNotExistException", "DeploymentGroupDoesNotExistException"):
            return False
        raise
    return bool(found.get("deployments"))


def observe(ctx, resources: Sequence[Resource]) -> dict[str, Observed | None]:
    found: dict[str, Observed | None] = {}
    known: dict[str, Observed] = {}
    for res in resources:
        observed = handler(res.kind).read(ctx, res, resolve(dict(res.props), known))
        found[res.key] = observed
        if observed is not None:
            known[res.key] = observed
    return found
