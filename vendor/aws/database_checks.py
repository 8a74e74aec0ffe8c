"""What RDS would refuse halfway through an apply, found before anything changes.

- The engine version must still be orderable (DescribeDBEngineVersions lists what can be created)
  and offered for the instance class (DescribeOrderableDBInstanceOptions). Checked only when the
  database is still to be created or its version would change: a running database at a version
  AWS no longer offers for new databases is fine.
- The subnets of a DB subnet group must cover 2 availability zones.

Each check answers `None` (fine) or `(what is wrong, how to fix)`; `vend plan`/`apply` turn them
into located config problems, `vend doctor` into report lines.
"""
from __future__ import annotations

from botocore.exceptions import ClientError

from vendor.aws.base import missing
from vendor.config.engine_versions import major, matches, satisfies
from vendor.config.model import Database

Problem = tuple[str, str]
MIN_ZONES = 2


def _sort_key(version: str) -> tuple[int, ...]:
    return tuple(int(p) for p in version.split(".") if p.isdigit())


def current_version(ctx, identifier: str) -> str | None:
    try:
        return ctx.client("rds").describe_db_instances(DBInstanceIdentifier=identifier)["DBInstances"][0]["EngineVersion"]
    except ClientError as error:
        if missing(error, "DBInstanceNotFound", "DBInstanceNotFoundFault"):
            return None
        raise


def orderable_versions(ctx, engine: str) -> list[str]:
    """Every version of `engine` RDS can create now, oldest first."""
    pages = ctx.client("rds").get_paginator("describe_db_engine_versions").paginate(Engine=engine)
    found = {v["EngineVersion"] for page in pages for v in page["DBEngineVersions"]}
    return sorted(found, key=_sort_key)


def engine_version(ctx, db: Database, identifier: str) -> Problem | None:
    """Whether RDS can create `db` (skipped while an existing database already satisfies it)."""
    if satisfies(db.engine, db.version, current_version(ctx, identifier)):
        return None
    versions = orderable_versions(ctx, db.engine)
    chosen = [v for v in versions if matches(db.engine, db.version, v)]
    if not chosen:
        wanted = major(db.engine, db.version)
        same = [v for v in versions if major(db.engine, v) == wanted]
        offered = ", ".join(same or versions[-6:]) or "none"
        fix = (f'write the major version (version: "{wanted}") to get the newest minor, or one of the orderable versions'
               if same else "use one of the orderable versions")
        return f"RDS can no longer create {db.engine} {db.version} in {ctx.region} (orderable: {offered})", fix
    newest = chosen[-1]
    options = ctx.client("rds").get_paginator("describe_orderable_db_instance_options").paginate(
        Engine=db.engine, EngineVersion=newest, DBInstanceClass=db.instance_class)
    if not any(page["OrderableDBInstanceOptions"] for page in options):
        return (f"RDS does not offer {db.instance_class} for {db.engine} {newest} in {ctx.region}",
                "choose an instance class listed by: aws rds describe-orderable-db-instance-options "
                f"--engine {db.engine} --engine-version {newest}")
    return None


def subnet_zones(ctx, subnet_ids) -> dict[str, str]:
    """subnet id -> its availability zone, for the subnets that exist."""
    found = ctx.client("ec2").describe_subnets(Filters=[{"Name": "subnet-id", "Values": list(subnet_ids)}])["Subnets"]
    return {s["SubnetId"]: s["AvailabilityZone"] for s in found}


def zone_coverage(zones: dict[str, str], what: str) -> Problem | None:
    covered = sorted(set(zones.values()))
    if len(covered) >= MIN_ZONES or not zones:
        return None
    return (f"the subnets are all in {', '.join(covered)}; {what} must cover at least {MIN_ZONES} availability zones",
            "list subnets in 2 or more availability zones")
