"""A static host list (for hosts outside an auto-scaling group, and for tests), read with line numbers.

    hosts:
      - name: web1
        address: 10.0.1.10
        port: 22                          # optional, 22
        user: ubuntu                      # optional, the config's deploy/ssh/user
        key_file: ~/.ssh/acme.pem         # optional, the config's deploy/ssh/key_file
    target_group_arn: arn:aws:elasticloadbalancing:...   # optional: traffic control
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from vendor.config.source import Document, SourceError, load_yaml
from vendor.ssh import Host

HOST_KEYS = {"name", "address", "port", "user", "key_file"}


@dataclass(frozen=True)
class HostList:
    hosts: list[Host]
    target_group_arn: str | None


def load_hosts(path: str | Path, *, default_user: str, default_key: Path | None) -> HostList:
    doc = load_yaml(path)
    data = doc.data if isinstance(doc.data, dict) else {}
    problems = [] if isinstance(doc.data, dict) else [doc.problem((), "expected a mapping with hosts:", "see vend deploy --help")]
    problems += [doc.problem((k,), f"unknown key '{k}'", "allowed keys: hosts, target_group_arn")
                 for k in data if k not in ("hosts", "target_group_arn")]
    entries = data.get("hosts")
    if not isinstance(entries, list) or not entries:
        problems.append(doc.problem(("hosts",), "no hosts listed", "add hosts: [{name: web1, address: 10.0.1.10}]"))
        entries = []
    hosts, seen = [], set()
    for i, entry in enumerate(entries):
        host = _host(doc, i, entry, default_user, default_key, problems)
        if host and host.name in seen:
            problems.append(doc.problem(("hosts", i, "name"), f"host name '{host.name}' is listed twice", "give each host its own name"))
        elif host:
            seen.add(host.name)
            hosts.append(host)
    if problems:
        raise SourceError(problems)
    return HostList(hosts, data.get("target_group_arn"))


def _host(doc: Document, i: int, entry, user: str, key: Path | None, problems: list) -> Host | None:
    if not isinstance(entry, dict):
        problems.append(doc.problem(("hosts", i), "expected a mapping", "write {name: web1, address: 10.0.1.10}"))
        return None
    before = len(problems)
    problems += [doc.problem(("hosts", i, k), f"unknown key '{k}'", f"allowed keys: {', '.join(sorted(HOST_KEYS))}")
                 for k in entry if k not in HOST_KEYS]
    for k in ("name", "address"):
        if not isinstance(entry.get(k), str) or not entry.get(k):
            problems.append(doc.problem(("hosts", i, k), "required text is missing", f"add {k}:"))
    port = entry.get("port", 22)
    if not isinstance(port, int) or isinstance(port, bool) or not 1 <= port <= 65535:
        problems.append(doc.problem(("hosts", i, "port"), f"{port!r} is not a port number", "use 1 to 65535"))
    key_file = entry.get("key_file") or key
    if key_file is None:
        problems.append(doc.problem(("hosts", i, "key_file"), "no SSH key", "add key_file: here or deploy/ssh/key_file in the config"))
    if len(problems) > before:
        return None
    return Host(entry["name"], entry["address"], port, entry.get("user", user), Path(str(key_file)).expanduser())
