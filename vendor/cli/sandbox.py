"""`vend sandbox start|stop|status`: the embedded AWS emulator (a moto server on 127.0.0.1)."""
from __future__ import annotations

import sys

import click

from vendor.sandbox import emulator
from vendor.state import default_state_dir


@click.group()
def sandbox() -> None:
    """The embedded AWS emulator that vend uses when no AWS credentials or endpoint are configured.

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
    """Stop the emulator; everything in it is gone.

    \b
    Example:
      vend sandbox stop
    """
    stopped = emulator.stop(default_state_dir())
    click.echo(f"stopped AWS emulator at {stopped.url} (pid {stopped.pid})" if stopped else "no AWS emulator running")


@sandbox.command()
def status() -> None:
    """Say whether the emulator runs, and where. Exit 3 when it does not.

    \b
    Example:
      vend sandbox status
    """
    running = emulator.status(default_state_dir())
    if running is None:
        click.echo("no AWS emulator running")
        sys.exit(3)
    click.echo(f"AWS emulator running at {running.url} (pid {running.pid})")
