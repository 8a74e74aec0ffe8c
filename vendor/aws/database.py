"""The RDS subnet group and database instance, by name. The master password is generated and kept
by AWS in Secrets Manager (`ManageMasterUserPassword`); vend never sees it."""
from __future__ import annotations

import time

from botocore.exceptions import ClientError

from vendor.aws.base import Handler, missing, tag_list, wait_until
from vendor.config.engine_versions import major_upgrade
from vendor.plan.resources import Observed

MODIFIABLE = {"version": "EngineVersion", "instance_class": "DBInstanceClass", "storage_gb": "AllocatedStorage",
              "multi_az": "MultiAZ", "backup_days": "BackupRetentionPeriod",
              "deletion_protection": "DeletionProtection"}


class DbSubnetGroup(Handler):
    kind = "db subnet group"

    def read(self, ctx, res, props):
        try:
            group = ctx.client("rds").describe_db_subnet_groups(DBSubnetGroupName=res.name)["DBSubnetGroups"][0]
        except ClientError as error:
            if missing(error, "DBSubnetGroupNotFoundFault"):
                return None
            raise
        return Observed(res.name, {"description": group["DBSubnetGroupDescription"],
                                   "subnets": sorted(s["SubnetIdentifier"] for s in group["Subnets"])})

    def create(self, ctx, res, props):
        ctx.client("rds").create_db_subnet_group(DBSubnetGroupName=res.name, DBSubnetGroupDescription=props["description"],
                                                 SubnetIds=list(props["subnets"]), Tags=tag_list(ctx.tags))
        return Observed(res.name, props)

    def update(self, ctx, res, props, observed, changed):
        ctx.client("rds").modify_db_subnet_group(DBSubnetGroupName=res.name, DBSubnetGroupDescription=props["description"],
                                                 SubnetIds=list(props["subnets"]))
        return Observed(res.name, props)

    def delete(self, ctx, res, observed):
        ctx.client("rds").delete_db_subnet_group(DBSubnetGroupName=res.name)


class Database(Handler):
    kind = "database"

    def read(self, ctx, res, props):
        try:
            db = ctx.client("rds").describe_db_instances(DBInstanceIdentifier=res.name)["DBInstances"][0]
        except ClientError as error:
            if missing(error, "DBInstanceNotFound", "DBInstanceNotFoundFault"):
                return None
            raise
        return Observed(res.name, {
            "engine": db["Engine"], "version": db["EngineVersion"], "instance_class": db["DBInstanceClass"],
            "storage_gb": db["AllocatedStorage"], "db_name": db.get("DBName"), "username": db["MasterUsername"],
            "multi_az": db["MultiAZ"], "backup_days": db["BackupRetentionPeriod"],
            "deletion_protection": db.get("DeletionProtection", False),
            "subnet_group": db.get("DBSubnetGroup", {}).get("DBSubnetGroupName"),
            "security_groups": [g["VpcSecurityGroupId"] for g in db.get("VpcSecurityGroups", [])],
            "encrypted": db.get("StorageEncrypted", False), "managed_password": "MasterUserSecret" in db,
            "public": bool(db.get("PubliclyAccessible"))},
            {"arn": db["DBInstanceArn"], "status": db["DBInstanceStatus"],
             "endpoint": db.get("Endpoint", {}).get("Address")})

    def create(self, ctx, res, props):
        ctx.client("rds").create_db_instance(
            DBInstanceIdentifier=res.name, Engine=props["engine"], EngineVersion=props["version"],
            DBInstanceClass=props["instance_class"], AllocatedStorage=props["storage_gb"], DBName=props["db_name"],
            MasterUsername=props["username"], ManageMasterUserPassword=True, MultiAZ=props["multi_az"],
            BackupRetentionPeriod=props["backup_days"], DeletionProtection=props["deletion_protection"],
            DBSubnetGroupName=props["subnet_group"], VpcSecurityGroupIds=list(props["security_groups"]),
            StorageEncrypted=True, PubliclyAccessible=False, CopyTagsToSnapshot=True, Tags=tag_list(ctx.tags))
        return Observed(res.name, props)

    def update(self, ctx, res, props, observed, changed):
        args = {MODIFIABLE[k]: props[k] for k in changed if k in MODIFIABLE}
        if "security_groups" in changed:
            args["VpcSecurityGroupIds"] = list(props["security_groups"])
        if "managed_password" in changed:
            args["ManageMasterUserPassword"] = True
        if "version" in changed:
            args["AllowMajorVersionUpgrade"] = major_upgrade(props["engine"], observed.props["version"], props["version"])
        ctx.client("rds").modify_db_instance(DBInstanceIdentifier=res.name, ApplyImmediately=True, **args)
        return Observed(res.name, props, observed.attrs)

    def delete(self, ctx, res, observed):
        rds = ctx.client("rds")
        if observed.props.get("deletion_protection"):
            rds.modify_db_instance(DBInstanceIdentifier=res.name, DeletionProtection=False, ApplyImmediately=True)
        if res.props.get("final_snapshot", True):  # unknown (database dropped from the config): keep a snapshot
            snapshot = f"{res.name}-final-{time.strftime('%Y%m%d%H%M%S', time.gmtime())}"
            rds.delete_db_instance(DBInstanceIdentifier=res.name, FinalDBSnapshotIdentifier=snapshot,
                                   DeleteAutomatedBackups=False)
        else:
            rds.delete_db_instance(DBInstanceIdentifier=res.name, SkipFinalSnapshot=True, DeleteAutomatedBackups=True)
        wait_until(lambda: self.read(ctx, res, {}) is None, f"{res.key} to be deleted", delay=ctx.delay,
                   timeout=3600)


HANDLERS = [DbSubnetGroup(), Database()]
