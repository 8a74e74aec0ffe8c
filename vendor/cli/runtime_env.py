"""The env file a rollout writes on every host of an environment's fleet (see vendor/runtime)."""
from __future__ import annotations

import click
from botocore.exceptions import BotoCoreError, ClientError

from vendor.aws.database_access import DatabaseNotReady
from vendor.config.loader import ConfigFile
from vendor.deploy.env_file import APP_GROUPS, EnvFile
from vendor.runtime import env_values
from vendor.runtime.env_file import BadVariable
from vendor.sandbox import database
from vendor.state import default_state_dir


def env_file_for(cf: ConfigFile) -> EnvFile:
    """Read now, at every deployment: config vars, the database login (a rotated password is
    picked up), bucket, region. In the sandbox the database is its local PostgreSQL server."""
    c = cf.config
    try:
        text = env_values.text(c, endpoint=database.endpoint(default_state_dir(), c.slug))
    except (DatabaseNotReady, BadVariable) as e:
        raise click.ClickException(f"env file of {c.slug}: {e}") from None
    except (ClientError, BotoCoreError) as e:
        raise click.ClickException(f"env file of {c.slug}: cannot read its parameters or database secret: {e}") from None
    return EnvFile(text, APP_GROUPS.get(c.app.stack, "root"))
