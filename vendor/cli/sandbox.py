"""`vend sandbox start|stop|status`: the embedded AWS emulator, and everything `vend up` runs."""
from __future__ import annotations

import sys

import click

from vendor.sandbox import emulator, environments, services
from vendor.sandbox.machine import ssh_banner
from vendor.state import default_state_dir


@click.group()
def sandbox() -> None:
    """The embedded sandbox: the AWS emulator vend uses when no AWS credentials or endpoint are
    configured, and the local hosts and services of `vend up`.

    \b
    Example:
      vend sandbox start
      vend sandbox status
    """


@sandbox.command()
def start() -> None:
    """Start the emulator (or report the running one); later vend commands use it.

    \b
    Example:
      vend sandbox start
    """
    try:
        running, started = emulator.start(default_state_dir())
    except emulator.EmulatorError as e:
        click.echo(f"error: {e}", err=True)
        sys.exit(1)
    click.echo(f"{'started' if started else 'already running:'} AWS emulator at {running.url} (pid {running.pid})")


@sandbox.command()
def stop() -> None:
    """Stop everything: every environment's local hosts, the services and the emulator.

    Everything in the emulator is gone; use `vend down CONFIG` to take out one environment.

    \b
    Example:
      vend sandbox stop
    """
    from vendor.cli.up import stop_sandbox

    stop_sandbox(default_state_dir())
    click.echo("the sandbox is stopped")


@sandbox.command()
def status() -> None:
    """Show what runs: the emulator, the services and their URLs, each environment's hosts.

    Exit 3 when the emulator does not run.

    \b
    Example:
      vend sandbox status
    """
    state = default_state_dir()
    running = emulator.status(state)
    click.echo(f"AWS emulator   {running.url} (pid {running.pid})" if running else "AWS emulator   not running")
    svc = services.status(state)
    if svc:
        click.echo(f"services       pid {svc.pid}: front door {svc.front_door}, approval pages {svc.web}/, "
                   f"mail catcher smtp://127.0.0.1:{svc.smtp_port}")
    else:
        click.echo("services       not running")
    for env in environments.load_all(state):
        click.echo(f"{env.slug}: image {env.ami}, hosts {env.prefix} in {env.subnet}")
        for iid, h in sorted(env.hosts.items()):
            state_of = "up" if ssh_banner(h["address"], h["port"]) else "NOT ANSWERING"
            click.echo(f"  {iid}  {h['address']}  {state_of}")
    if running is None:
        sys.exit(3)
