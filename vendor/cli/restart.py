"""The rolling restart behind `vend config set|unset --restart`."""
from __future__ import annotations

import click

from vendor.config.loader import ConfigFile
from vendor.deploy.history import DeploymentLocked
from vendor.deploy.restart import restart


def restart_fleet(cf: ConfigFile) -> None:
    from vendor.cli.deploy import rollout_for

    rollout = rollout_for(cf, None, "one-at-a-time", rollback=False)
    click.echo(f"restarting {len(rollout.hosts)} host(s) of {cf.config.slug}, one at a time")
    try:
        result = restart(rollout)
    except DeploymentLocked as e:
        raise click.ClickException(str(e))
    for h in result.hosts:
        click.echo(f"{h.host}: {'restarted' if h.ok else 'Failed at ' + h.message}"
                   + (f" ({h.message})" if h.ok and h.message else ""))
    click.echo(f"restart {result.restart_id}: {'Succeeded' if result.ok else 'Failed: ' + result.message} "
               f"({result.seconds:.1f}s)")
    if not result.ok:
        raise SystemExit(1)
