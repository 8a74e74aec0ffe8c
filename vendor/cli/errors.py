"""How user-caused problems leave the CLI: one line each on stderr, exit code 2, no traceback."""
from __future__ import annotations

import functools
import sys

import click

from vendor.config.source import SourceError

USER_ERROR = 2


def report(error: SourceError) -> None:
    for problem in error.problems:
        click.echo(str(problem), err=True)


def user_errors(func):
    """Decorator for commands: a SourceError becomes its problems on stderr and exit 2."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except SourceError as e:
            report(e)
            sys.exit(USER_ERROR)

    return wrapper
