"""RDS: what AWS refuses and moto accepts.

moto already refuses identifiers AWS refuses (`--`, a leading digit; InvalidParameterValue).
"""
from __future__ import annotations

from moto.rds.exceptions import RDSClientError

from vendor.sandbox import rds_catalog
from vendor.sandbox.refusals import refuses

CREATE_DB_INSTANCE = "https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBInstance.html"
SUBNET_GROUPS = "https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_VPC.WorkingWithRDSInstanceinaVPC.html#USER_VPC.Subnets"
MIN_ZONES = 2


@refuses("moto.rds.models:RDSBackend.create_db_instance", "InvalidParameterCombination", CREATE_DB_INSTANCE,
         RDSClientError)
def engine_version_orderable(backend, db_kwargs, *args, **kwargs) -> str | None:
    """A database is created only at an engine version RDS still offers."""
    engine, version = db_kwargs.get("engine"), db_kwargs.get("engine_version")
    if version and not rds_catalog.is_orderable(engine, version):
        return f"Cannot find version {version} for {engine}"
    return None


@refuses("moto.rds.models:RDSBackend.create_db_instance", "InvalidParameterCombination", CREATE_DB_INSTANCE,
         RDSClientError)
def instance_class_orderable(backend, db_kwargs, *args, **kwargs) -> str | None:
    """A database is created only with an instance class RDS offers for its engine."""
    engine, version, cls = db_kwargs.get("engine"), db_kwargs.get("engine_version"), db_kwargs.get("db_instance_class")
    if cls and rds_catalog.is_orderable(engine, version) and not rds_catalog.is_orderable(engine, version, cls):
        return (f"RDS does not support creating a DB instance with the following combination: "
                f"DBInstanceClass={cls}, Engine={engine}, EngineVersion={version}.")
    return None


def _zones_missing(subnets) -> str | None:
    zones = sorted({s.availability_zone for s in subnets or []})
    if len(zones) >= MIN_ZONES:
        return None
    return ("The DB subnet group doesn't meet Availability Zone (AZ) coverage requirement. "
            f"Current AZ coverage: {', '.join(zones) or 'none'}. Add subnets to cover at least {MIN_ZONES} AZs.")


@refuses("moto.rds.models:RDSBackend.create_subnet_group", "DBSubnetGroupDoesNotCoverEnoughAZs", SUBNET_GROUPS,
         RDSClientError)
def subnet_group_zones(backend, subnet_name, description, subnets, *args, **kwargs) -> str | None:
    """A DB subnet group covers at least 2 availability zones."""
    return _zones_missing(subnets)


@refuses("moto.rds.models:RDSBackend.modify_db_subnet_group", "DBSubnetGroupDoesNotCoverEnoughAZs", SUBNET_GROUPS,
         RDSClientError)
def modified_subnet_group_zones(backend, subnet_name, description, subnets, *args, **kwargs) -> str | None:
    """A DB subnet group keeps covering at least 2 availability zones."""
    return _zones_missing(subnets)
