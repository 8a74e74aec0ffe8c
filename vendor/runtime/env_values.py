"""The env file of one environment, read from where it lives: config vars (Parameter Store), the
database login (RDS + its managed secret), the artifact bucket, region, customer and environment.

One code path for both worlds; in the sandbox the database answers at the local PostgreSQL server
that stands in for RDS (`endpoint`), with the same user and password.
"""
from __future__ import annotations

from dataclasses import replace

from vendor.aws import clients
from vendor.aws.database_access import login
from vendor.aws.parameters import ConfigVars
from vendor.config.model import Config
from vendor.config.names import base, ownership_tags
from vendor.plan.naming import Facts, artifact_bucket, names
from vendor.runtime import env_file


def account_of(sts) -> str:
    return sts.get_caller_identity()["Account"]


def config_vars(config: Config, account: str) -> ConfigVars:
    n = names(config, Facts(account, config.region, ()))
    return ConfigVars(clients.client("ssm", region=config.region), n.parameters_prefix,
                      ownership_tags(config.customer, config.environment))


def values(config: Config, *, endpoint: tuple[str, int] | None = None) -> dict[str, str]:
    account = account_of(clients.client("sts", region=config.region))
    found = config_vars(config, account).list(values=True)
    database = None
    if config.database is not None:
        database = login(clients.client("rds", region=config.region),
                         clients.client("secretsmanager", region=config.region), base(config))
        if endpoint:
            database = replace(database, host=endpoint[0], port=endpoint[1])
    return env_file.variables(config_vars={v.key: v.value or "" for v in found},
                              secret_names={v.key for v in found if v.secret}, database=database,
                              bucket=artifact_bucket(config, account), region=config.region,
                              customer=config.customer, environment=config.environment)


def text(config: Config, *, endpoint: tuple[str, int] | None = None) -> str:
    return env_file.render(values(config, endpoint=endpoint))
