"""`vend doctor`'s checks that read AWS: each answers ok, what is wrong and the fix, or why it
does not apply. They only read (Describe/Get/List); nothing is created or changed.

Checks of one config: credentials and account, the build network (default VPC or the configured
build subnet), the certificate of a dedicated ALB, the database's engine version and instance
class, zone coverage of the subnets, the CodeConnections connection, the SES sender. Checks of all
configs of a region: service quotas against what the configs would add.
"""
from __future__ import annotations

from collections.abc import Sequence
from botocore.exceptions import BotoCoreError, ClientError

from vendor.aws import certificate_checks, database_checks
from vendor.aws.base import code
from vendor.config.model import Config
from vendor.config.names import base
from vendor.plan import quotas
from vendor.plan.preflight import Finding, fail, ok, skip
from vendor.plan.stack import dedicated


def _refused(error: Exception) -> str:
    if isinstance(error, ClientError):
        message = str(error.response.get("Error", {}).get("Message", "")).strip().splitlines()
        shown = message and not message[0].startswith("<")  # not an HTML error page
        return f"{error.operation_name}: {code(error)}" + (f": {message[0][:200]}" if shown else "")
    return str(error)


def credentials(ctx) -> Finding:
    try:
        who = ctx.client("sts").get_caller_identity()
    except (BotoCoreError, ClientError) as error:
        return fail("credentials", f"no usable AWS credentials ({_refused(error)})",
                    "aws configure (or aws sso login), or pass --profile")
    return ok("credentials", f"account {who['Account']} as {who['Arn']}, region {ctx.region}")


def build_network(ctx, c: Config) -> Finding:
    """Packer launches the build instance in the configured subnet, else in the default VPC."""
    ec2, build = ctx.client("ec2"), c.image.build
    if build.subnet_id:
        found = ec2.describe_subnets(Filters=[{"Name": "subnet-id", "Values": [build.subnet_id]}])["Subnets"]
        if not found:
            return fail("build network", f"build subnet {build.subnet_id} does not exist in {ctx.region}",
                        "set image/build/subnet_id to a subnet of this region")
        if build.vpc_id and found[0]["VpcId"] != build.vpc_id:
            return fail("build network", f"build subnet {build.subnet_id} is in {found[0]['VpcId']}, not {build.vpc_id}",
                        "give the subnet's own VPC in image/build/vpc_id")
        return ok("build network", f"build subnet {build.subnet_id} ({found[0]['AvailabilityZone']})")
    defaults = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"]
    if not defaults:
        return fail("build network", f"{ctx.region} has no default VPC, where Packer launches the build instance",
                    "set image/build/subnet_id (and vpc_id) to a subnet Packer can reach over SSH")
    return ok("build network", f"default VPC {defaults[0]['VpcId']}")


def certificate(ctx, c: Config) -> Finding:
    r = c.routing
    if not dedicated(c):
        return skip("certificate", "no dedicated load balancer (shared ALBs carry their own certificate)")
    names = certificate_checks.served_names(r.domain, r.hosts)
    found = certificate_checks.certificate(ctx, r.certificate_arn, names)
    if found:
        return fail("certificate", *found)
    return ok("certificate", f"{r.certificate_arn} is ISSUED and covers {', '.join(names)}")


def database(ctx, c: Config) -> Finding:
    db = c.database
    if db is None:
        return skip("database", "no database in the config")
    found = database_checks.engine_version(ctx, db, base(c))
    if found:
        return fail("database", *found)
    return ok("database", f"{db.engine} {db.version} on {db.instance_class} can be created (or runs) in {ctx.region}")


def zones(ctx, c: Config) -> Finding:
    n = c.network
    if n.create is not None:
        available = ctx.client("ec2").describe_availability_zones(
            Filters=[{"Name": "state", "Values": ["available"]}, {"Name": "zone-type", "Values": ["availability-zone"]}])
        count = len(available["AvailabilityZones"])
        if count < n.create.az_count:
            return fail("zones", f"{ctx.region} has {count} available zones, network/create/az_count wants "
                        f"{n.create.az_count}", f"set az_count to {count} or less")
        return ok("zones", f"{n.create.az_count} of {count} zones for the new VPC")
    problems, fixes = [], []
    for key, what in (("public_subnet_ids", "the load balancer"), ("private_subnet_ids", "the database's subnet group")):
        ids = getattr(n, key)
        found = database_checks.subnet_zones(ctx, ids)
        absent = [i for i in ids if i not in found]
        if absent:
            problems.append(f"network/{key}: {', '.join(absent)} not found in {ctx.region}")
            fixes.append("give existing subnets")
        short = (key == "public_subnet_ids" or c.database) and database_checks.zone_coverage(found, what)
        if short:
            problems.append(f"network/{key}: {short[0]}")
            fixes.append(short[1])
    if problems:
        return fail("zones", "; ".join(problems), "; ".join(dict.fromkeys(fixes)))
    return ok("zones", "the subnets cover 2 or more availability zones")


def connection(ctx, c: Config) -> Finding:
    arn = c.pipeline.source.connection_arn
    if not arn:
        return skip("connection", "the source needs no CodeConnections connection")
    try:
        found = ctx.client("codeconnections").get_connection(ConnectionArn=arn)["Connection"]
    except ClientError as error:
        return fail("connection", f"cannot read {arn} ({_refused(error)})",
                    "check the ARN and that it is in this account and region")
    status = found.get("ConnectionStatus")
    if status != "AVAILABLE":
        return fail("connection", f"connection {found.get('ConnectionName', arn)} is {status}, not AVAILABLE",
                    "complete the handshake in the console: Developer Tools > Settings > Connections > Update pending connection")
    return ok("connection", f"{found.get('ConnectionName', arn)} ({found.get('ProviderType')}) is AVAILABLE")


def ses_sender(ctx, sender: str) -> Finding:
    """The approval mails' sender must be verified (the address or its domain) and SES out of its sandbox."""
    domain = sender.rpartition("@")[2]
    found = ctx.client("ses").get_identity_verification_attributes(Identities=[sender, domain])["VerificationAttributes"]
    verified = [i for i in (sender, domain) if found.get(i, {}).get("VerificationStatus") == "Success"]
    if not verified:
        return fail("ses sender", f"{sender} is not verified in SES in {ctx.region}",
                    f"verify the address or the domain {domain} in SES (aws sesv2 create-email-identity)")
    try:
        account = ctx.client("sesv2").get_account()
    except ClientError as error:
        return fail("ses sender", f"cannot read the SES account ({_refused(error)})", "allow ses:GetAccount")
    if not account.get("ProductionAccessEnabled"):
        return fail("ses sender", f"{sender} is verified, but SES in {ctx.region} is in its sandbox: "
                    "mail reaches only verified recipients", "request production access for SES in this region")
    return ok("ses sender", f"{verified[0]} is verified; SES has production access")


def _limit(ctx, quota: quotas.Quota) -> tuple[int, str]:
    """The applied value; AWS's default where none is applied (GetServiceQuota: NoSuchResourceException)."""
    client = ctx.client("service-quotas")
    try:
        return int(client.get_service_quota(ServiceCode=quota.service, QuotaCode=quota.code)["Quota"]["Value"]), ""
    except ClientError as error:
        if code(error) != "NoSuchResourceException":
            raise
    found = client.get_aws_default_service_quota(ServiceCode=quota.service, QuotaCode=quota.code)
    return int(found["Quota"]["Value"]), " (AWS's default)"


def _in_use(ctx, key: str) -> int:
    ec2 = ctx.client("ec2")
    if key == "vpcs":
        return len(ec2.describe_vpcs()["Vpcs"])
    if key == "elastic_ips":
        return len(ec2.describe_addresses(Filters=[{"Name": "domain", "Values": ["vpc"]}])["Addresses"])
    if key == "nat_gateways":
        live = ec2.describe_nat_gateways(Filters=[{"Name": "state", "Values": ["pending", "available"]}])["NatGateways"]
        subnets = [n["SubnetId"] for n in live]
        zones = {} if not subnets else {s["SubnetId"]: s["AvailabilityZone"] for s in ec2.describe_subnets(
            Filters=[{"Name": "subnet-id", "Values": subnets}])["Subnets"]}
        per_zone: dict[str, int] = {}
        for s in subnets:
            per_zone[zones.get(s, "?")] = per_zone.get(zones.get(s, "?"), 0) + 1
        return max(per_zone.values(), default=0)
    pages = ctx.client("elbv2").get_paginator("describe_load_balancers").paginate()
    return sum(1 for page in pages for lb in page["LoadBalancers"] if lb.get("Type") == "application")


def _existing_networks(ctx, bases: Sequence[str]) -> set[str]:
    if not bases:
        return set()
    found = ctx.client("ec2").describe_vpcs(Filters=[{"Name": "tag:Name", "Values": list(bases)},
                                                     {"Name": "tag:ManagedBy", "Values": ["vend"]}])["Vpcs"]
    return {t["Value"] for v in found for t in v.get("Tags", []) if t["Key"] == "Name"}


def _existing_load_balancers(ctx, names: Sequence[str]) -> set[str]:
    out = set()
    for name in names:
        try:
            ctx.client("elbv2").describe_load_balancers(Names=[name])
            out.add(name)
        except ClientError as error:
            if code(error) != "LoadBalancerNotFound":
                raise
    return out


def service_quotas(ctx, configs: Sequence[Config]) -> list[Finding]:
    """Each quota: what is in use plus what the configs would add, against the account's limit."""
    wanted = quotas.wants(configs, base)
    new_networks = len(set(wanted.created_networks) - _existing_networks(ctx, wanted.created_networks))
    new = {"vpcs": new_networks, "elastic_ips": new_networks, "nat_gateways": new_networks,
           "load_balancers": len(set(wanted.load_balancers) - _existing_load_balancers(ctx, wanted.load_balancers))}
    out = []
    for quota in quotas.QUOTAS:
        try:
            limit, note = _limit(ctx, quota)
        except ClientError as error:
            out.append(fail(f"quota {quota.key}", f"cannot read {quota.name} ({_refused(error)})",
                            "allow servicequotas:GetServiceQuota"))
            continue
        fits, standing = quotas.needed(quota.key, _in_use(ctx, quota.key), new[quota.key], limit)
        detail = f"{quota.name}: {standing}{note}"
        out.append(ok(f"quota {quota.key}", detail) if fits else fail(
            f"quota {quota.key}", detail, f"request an increase of {quota.code} in Service Quotas ({quota.service}), "
            "or use an existing VPC (network/vpc_id)"))
    return out
