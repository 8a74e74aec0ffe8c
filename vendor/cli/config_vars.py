"""`vend config list|get|set|unset`: the app's config vars, in Parameter Store, per environment.

Values are never printed, except by `vend config get KEY --reveal`. Every change is recorded in the
environment's audit log (names and versions, never values). A change reaches the app with the next
deployment, or at once with `--restart` (a rolling ApplicationStop/ApplicationStart).
"""
from __future__ import annotations

import contextlib
import getpass

import click
from botocore.exceptions import BotoCoreError, ClientError

from vendor.aws import clients
from vendor.cli.errors import user_errors
from vendor.config.loader import load_config
from vendor.runtime import env_values
from vendor.runtime.env_file import BadVariable, check_key, check_value, parse_assignment

CONFIG = click.argument("config", type=click.Path(dir_okay=False))
RESTART = click.option("--restart", is_flag=True,
                       help="Restart the app on every host, one at a time, so the change takes effect now.")


def _store(cf):
    try:
        sts = clients.client("sts", region=cf.config.region)
        return env_values.config_vars(cf.config, env_values.account_of(sts))
    except (ClientError, BotoCoreError) as e:
        raise click.ClickException(f"cannot reach Parameter Store for {cf.config.slug}: {e}") from None


@contextlib.contextmanager
def _parameter_store(cf):
    """AWS refusing a read or a change (access denied, throttled) is one line, not a traceback."""
    try:
        yield
    except (ClientError, BotoCoreError) as e:
        raise click.ClickException(f"Parameter Store of {cf.config.slug}: {e}") from None


def _audit(cf, event: str, **fields) -> None:
    from vendor.cli.deploy import group_state

    group_state(cf).audit(event, who=getpass.getuser(), **fields)


def _bad(e: BadVariable):
    raise click.BadParameter(str(e), param_hint="KEY=VALUE")


@click.group("config")
def config_group() -> None:
    """The app's config vars (Heroku-style), kept in SSM Parameter Store per environment.

    Every instance gets them in its env file (/etc/vend/app.env) at the next deployment, with
    DATABASE_URL, DB_HOST, DB_PORT, DB_NAME, DB_USER, DB_PASSWORD, VEND_BUCKET, AWS_REGION,
    VEND_CUSTOMER and VEND_ENVIRONMENT.

    \b
    Example:
      vend config set configs/acme-staging.yaml FEATURE_X=on
      vend config set configs/acme-staging.yaml PAYMENT_KEY --secret     # asks for the value
      vend config list configs/acme-staging.yaml
    """


@config_group.command("list")
@CONFIG
@user_errors
def list_vars(config: str) -> None:
    """List the config vars: name, plain or secret, version, last change. Never their values.

    \b
    Example:
      vend config list configs/acme-staging.yaml
    """
    cf = load_config(config)
    with _parameter_store(cf):
        found = _store(cf).list()
    if not found:
        click.echo(f"no config vars for {cf.config.slug} (vend config set {config} KEY=VALUE)")
    for v in found:
        click.echo(f"{v.key:<32} {'secret' if v.secret else 'plain':<7} v{v.version:<4} {v.modified}")


@config_group.command("get")
@CONFIG
@click.argument("key")
@click.option("--reveal", is_flag=True, help="Print the value (decrypted for secrets).")
@user_errors
def get_var(config: str, key: str, reveal: bool) -> None:
    """Show one config var; its value only with --reveal.

    \b
    Example:
      vend config get configs/acme-staging.yaml FEATURE_X --reveal
    """
    cf = load_config(config)
    try:
        check_key(key)
    except BadVariable as e:
        raise click.BadParameter(str(e), param_hint="KEY")
    with _parameter_store(cf):
        found = _store(cf).get(key, reveal=reveal)
    if found is None:
        raise click.ClickException(f"{key} is not set for {cf.config.slug} (see vend config list {config})")
    if reveal:
        _audit(cf, "config-reveal", key=key, version=found.version)
        click.echo(found.value)
    else:
        click.echo(f"{found.key} {'secret' if found.secret else 'plain'} v{found.version} {found.modified} "
                   f"(value hidden: add --reveal)")


def _assignments(pairs: tuple[str, ...], secret: bool) -> list[tuple[str, str]]:
    out = []
    for text in pairs:
        try:
            if "=" not in text and secret:  # the value is asked for, never in the shell's history
                key = check_key(text)
                out.append((key, check_value(key, click.prompt(f"value of {key}", hide_input=True))))
            else:
                out.append(parse_assignment(text))
        except BadVariable as e:
            _bad(e)
    return out


@config_group.command("set")
@CONFIG
@click.argument("pairs", nargs=-1, required=True, metavar="KEY=VALUE...")
@click.option("--secret", is_flag=True, help="Store as SecureString; `KEY` alone asks for the value.")
@RESTART
@user_errors
def set_vars(config: str, pairs: tuple[str, ...], secret: bool, restart: bool) -> None:
    """Set config vars. They reach the app with the next deployment (or now, with --restart).

    \b
    Example:
      vend config set configs/acme-staging.yaml FEATURE_X=on GREETING=hello --restart
      vend config set configs/acme-staging.yaml PAYMENT_KEY --secret
    """
    cf = load_config(config)
    assignments = _assignments(pairs, secret)
    store = _store(cf)
    for key, value in assignments:
        with _parameter_store(cf):
            version = store.set(key, value, secret=secret)
        _audit(cf, "config-set", key=key, secret=secret, version=version)
        click.echo(f"set {key} ({'secret' if secret else 'plain'}, v{version})")
    _after_change(cf, restart)


@config_group.command("unset")
@CONFIG
@click.argument("keys", nargs=-1, required=True, metavar="KEY...")
@RESTART
@user_errors
def unset_vars(config: str, keys: tuple[str, ...], restart: bool) -> None:
    """Remove config vars.

    \b
    Example:
      vend config unset configs/acme-staging.yaml FEATURE_X
    """
    cf = load_config(config)
    store = _store(cf)
    for key in keys:
        try:
            check_key(key)
        except BadVariable as e:
            raise click.BadParameter(str(e), param_hint="KEY")
        with _parameter_store(cf):
            removed = store.unset(key)
        if removed:
            _audit(cf, "config-unset", key=key)
        click.echo(f"unset {key}" if removed else f"{key} was not set")
    _after_change(cf, restart)


def _after_change(cf, restart: bool) -> None:
    if not restart:
        click.echo("takes effect with the next deployment (or run again with --restart)")
        return
    from vendor.cli.restart import restart_fleet

    restart_fleet(cf)


COMMANDS = [config_group]
