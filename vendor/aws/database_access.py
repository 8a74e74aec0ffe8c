"""Where an environment's database is and how to log in: the RDS instance's endpoint and the
master user's secret that RDS keeps in Secrets Manager (`ManageMasterUserPassword`).

Read at every deployment, so a rotated password reaches the env file with the next deploy.
"""
from __future__ import annotations

import json
from dataclasses import dataclass

from botocore.exceptions import ClientError

from vendor.runtime.env_file import DatabaseAccess


class DatabaseNotReady(RuntimeError):
    pass


@dataclass(frozen=True)
class DatabaseLogin(DatabaseAccess):
    """What the env file needs, and the secret the password was read from."""
    secret_arn: str


def master_secret(rds, identifier: str) -> tuple[dict, str]:
    """(the DB instance description, its master user secret ARN); None when there is no such instance."""
    try:
        db = rds.describe_db_instances(DBInstanceIdentifier=identifier)["DBInstances"][0]
    except ClientError as error:
        if error.response["Error"]["Code"] in ("DBInstanceNotFound", "DBInstanceNotFoundFault"):
            raise DatabaseNotReady(f"database {identifier} does not exist (vend apply creates it)") from None
        raise
    arn = (db.get("MasterUserSecret") or {}).get("SecretArn")
    if not arn:
        raise DatabaseNotReady(f"database {identifier} has no managed master password "
                               "(ManageMasterUserPassword): vend apply turns it on")
    return db, arn


def login(rds, secretsmanager, identifier: str) -> DatabaseLogin:
    db, arn = master_secret(rds, identifier)
    endpoint = db.get("Endpoint") or {}
    if not endpoint.get("Address"):
        raise DatabaseNotReady(f"database {identifier} has no endpoint yet (status {db.get('DBInstanceStatus')})")
    secret = json.loads(secretsmanager.get_secret_value(SecretId=arn)["SecretString"])
    return DatabaseLogin(db["Engine"], endpoint["Address"], int(endpoint["Port"]), db.get("DBName") or "",
                         db["MasterUsername"], secret["password"], arn)  # the secret's user is the master user
