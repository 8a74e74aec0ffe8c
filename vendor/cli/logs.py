"""`vend logs`: the app's and the hooks' logs of an environment, host-prefixed.

Where the instances are decides where the logs are read: the sandbox's local hosts over SSH, or
the environment's CloudWatch Logs group on AWS (shipped there by the agent baked into the image).
"""
from __future__ import annotations

import fnmatch
import re
import threading
import time
from pathlib import Path

import click
from botocore.exceptions import BotoCoreError, ClientError

from vendor.aws import clients
from vendor.aws.fleet import NoSuchGroup, fleet
from vendor.aws.log_events import events
from vendor.cli.errors import user_errors
from vendor.config.loader import ConfigFile, load_config
from vendor.config.names import base
from vendor.runtime import log_sources
from vendor.sandbox.environments import hosts_by_instance
from vendor.ssh import SSHError, connect, run
from vendor.state import default_state_dir

FOLLOW_POLL = 2.0
FOLLOW_HOURS = 24  # a follow ends by itself after a day at most


def _group_id(cf: ConfigFile) -> str:
    from vendor.cli.deploy import _group

    return _group(cf).group_id


def _fleet(cf: ConfigFile):
    c = cf.config
    try:
        found = fleet(clients.client("autoscaling", region=c.region), clients.client("ec2", region=c.region),
                      base(c), user=c.deploy.ssh.user, key_path=Path("/dev/null"))
    except NoSuchGroup as e:
        raise click.ClickException(str(e))
    local = hosts_by_instance(default_state_dir())
    return [(iid, local.get(iid)) for iid in sorted(found.instance_ids.values())]


def _read_host(host, sources, cutoff: float | None) -> list[str]:
    lines = []
    with connect(host) as conn:
        for source in sources:
            result = run(conn, ["sh", "-c", 'for f in $1; do [ -r "$f" ] && cat "$f"; done; exit 0', "-", source.path],
                         timeout=60)
            text = result.stdout.splitlines()
            if cutoff is not None:
                text = log_sources.since_filter(text, cutoff)
            lines += [f"{host.name} {source.label} | {line}" for line in text]
    return lines


class _Labels:
    """Lines of `tail -F` over several files, each prefixed with its host and source as without
    --follow: tail names the file a run of lines comes from (`==> path <==`), matched against the
    sources' globs."""

    HEADER = re.compile(r"^==> (.+) <==$")

    def __init__(self, host: str, sources):
        self.host, self.sources = host, list(sources)
        self.label = self.sources[0].label if len(self.sources) == 1 else "-"

    def line(self, text: str) -> str | None:
        found = self.HEADER.match(text)
        if found:
            self.label = next((s.label for s in self.sources if fnmatch.fnmatchcase(found.group(1), s.path)), "-")
            return None
        if not text:
            return None  # tail's blank line before a file's name
        return f"{self.host} {self.label} | {text}"


def _follow_host(host, sources, stop: threading.Event) -> None:
    paths = " ".join(s.path for s in sources)
    labels = _Labels(host.name, sources)

    def out(stream, line):
        shown = labels.line(line)
        if shown is not None and not stop.is_set():
            click.echo(shown)

    with connect(host) as conn:
        run(conn, ["sh", "-c", 'exec tail -n 0 -F $1 2>/dev/null', "-", paths], timeout=FOLLOW_HOURS * 3600,
            on_output=out)


def _local(cf: ConfigFile, hosts, sources, since: int | None, follow: bool) -> None:
    cutoff = log_sources.now() - since if since else None
    for _, host in hosts:
        try:
            for line in _read_host(host, sources, cutoff):
                click.echo(line)
        except SSHError as e:
            click.echo(f"{host.name} | cannot read its logs: {e}", err=True)
    if follow:
        stop = threading.Event()
        threads = [threading.Thread(target=_follow_host, args=(h, sources, stop), daemon=True) for _, h in hosts]
        for t in threads:
            t.start()
        try:
            while any(t.is_alive() for t in threads):
                time.sleep(0.2)
        except KeyboardInterrupt:
            stop.set()


def _cloudwatch(cf: ConfigFile, host: str | None, deployment: str | None, since: int | None, follow: bool) -> None:
    c = cf.config
    logs = clients.client("logs", region=c.region)
    group = f"/vend/{c.customer}/{c.environment}"
    start = int((log_sources.now() - (since or 3600)) * 1000)
    prefix = f"{host}/" if host else None
    pattern = f'"{deployment}"' if deployment else None
    seen = set()
    for _ in range(int(FOLLOW_HOURS * 3600 / FOLLOW_POLL) if follow else 1):
        try:
            found = events(logs, group, start_ms=start, stream_prefix=prefix, pattern=pattern)
        except (ClientError, BotoCoreError) as e:
            raise click.ClickException(f"cannot read the log group {group}: {e}") from None
        for e in found:
            key = (e.stream, e.timestamp, e.message)
            if key not in seen:
                seen.add(key)
                instance, _, source = e.stream.partition("/")
                click.echo(f"{instance} {source or '-'} | {e.message.rstrip()}")
        if found:
            start = found[-1].timestamp
        if follow:
            time.sleep(FOLLOW_POLL)


@click.command()
@click.argument("config", type=click.Path(dir_okay=False))
@click.option("--follow", "-f", is_flag=True, help="Keep printing new lines as they come (Ctrl-C ends).")
@click.option("--since", help="Only lines from this long ago: 30s, 10m, 2h, 1d.")
@click.option("--deployment", help="Only the hook logs of this deployment (d-..., as vend releases shows).")
@click.option("--host", help="Only this instance (i-...).")
@user_errors
def logs(config: str, follow: bool, since: str | None, deployment: str | None, host: str | None) -> None:
    """Show the app's and the deployment hooks' logs, each line prefixed with its host and source.

    In the sandbox they are read from the local hosts; on AWS from the environment's CloudWatch
    Logs group /vend/<customer>/<environment> (retention from the config's logs/retention_days).

    \b
    Example:
      vend logs configs/acme-staging.yaml --since 10m
      vend logs configs/acme-staging.yaml --deployment d-3F2A9C1B04DE --host i-0abc1234def567890
      vend logs configs/acme-staging.yaml --follow
    """
    cf = load_config(config)
    try:
        seconds = log_sources.parse_since(since) if since else None
    except ValueError as e:
        raise click.BadParameter(str(e), param_hint="--since")
    if deployment is not None and not deployment.replace("-", "").isalnum():
        raise click.BadParameter(f"{deployment!r} is not a deployment id (see vend releases)", param_hint="--deployment")
    hosts = _fleet(cf)
    if host:
        hosts = [(iid, h) for iid, h in hosts if iid == host]
        if not hosts:
            raise click.ClickException(f"{host} is not an instance of {cf.config.slug}")
    if hosts and all(h is not None for _, h in hosts):
        sources = log_sources.sources(cf.config.app.stack, cf.config.customer, _group_id(cf), deployment)
        _local(cf, hosts, sources, seconds, follow)
    else:
        _cloudwatch(cf, host, deployment, seconds, follow)


COMMANDS = [logs]
