"""`vend up`'s database step: the environment's PostgreSQL server where its RDS instance is said to be,
logged in with the password RDS keeps in the emulator's Secrets Manager."""
from __future__ import annotations

from pathlib import Path

import click

from vendor.aws import clients
from vendor.aws.database_access import DatabaseNotReady, login
from vendor.config.loader import ConfigFile
from vendor.config.names import base
from vendor.sandbox import database
from vendor.sandbox.environments import Environment
from vendor.sandbox.layout import Naming, check_subnet


def start_database(state: Path, cf: ConfigFile, env: Environment) -> None:
    c = cf.config
    if c.database is None:
        database.stop(state, c.slug)
        return
    try:
        found = login(clients.client("rds", region=c.region), clients.client("secretsmanager", region=c.region), base(c))
        server, started = database.ensure(state, c.slug, env.prefix, Naming(env.prefix, check_subnet(env.subnet)).gateway,
                                          env.subnet, found)
    except (DatabaseNotReady, database.DatabaseServerError) as e:
        raise click.ClickException(f"database of {c.slug}: {e}") from None
    click.echo(f"  PostgreSQL for {found.host} {'started' if started else 'running'} at "
               f"{server.address}:{server.port} (database {found.name}, user {found.user}, password from {found.secret_arn})")
