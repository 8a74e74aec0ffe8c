"""The sandbox's customer environments: which local host stands in for which EC2 instance.

`vend up` records each environment it brings up in `<state dir>/sandbox/<slug>.json`:

    {"slug": "acme-production", "region": "eu-west-1", "slot": 0, "ami": "ami-...",
     "hosts": {"i-0abc...": {"address": "10.214.0.2", "port": 22, "user": "root",
                             "key_path": ".../id_ed25519", "known_hosts": ".../known_hosts"}}}

Each environment's hosts have their own prefix and subnet (its slot), so bringing one
environment up or down never touches another's. The rollout (`vend push`, `vend deploy`) reaches
an instance through its local host, and the front door sends its traffic there.
"""
from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from vendor.ssh.host import Host
from vendor.state import private_dir

DIR = "sandbox"
SLOTS = 64


@dataclass(frozen=True)
class Environment:
    slug: str
    region: str
    slot: int
    ami: str = ""
    hosts: dict[str, dict] = field(default_factory=dict)  # instance id -> how to reach its host

    @property
    def prefix(self) -> str:
        return prefix_of(self.slot)

    @property
    def subnet(self) -> str:
        return f"10.214.{self.slot}.0/24"

    def host(self, instance_id: str) -> Host:
        h = self.hosts[instance_id]
        return Host(instance_id, h["address"], h["port"], h["user"], Path(h["key_path"]), Path(h["known_hosts"]))


def prefix_of(slot: int) -> str:
    return f"vu{slot}"


def _dir(state_dir: Path) -> Path:
    return Path(state_dir) / DIR


def load(state_dir: Path, slug: str) -> Environment | None:
    try:
        return Environment(**json.loads((_dir(state_dir) / f"{slug}.json").read_text()))
    except (OSError, ValueError, TypeError):
        return None


def load_all(state_dir: Path) -> list[Environment]:
    found = (load(state_dir, p.stem) for p in sorted(_dir(state_dir).glob("*.json")))
    return [e for e in found if e is not None]


def save(state_dir: Path, env: Environment) -> None:
    path = private_dir(_dir(state_dir)) / f"{env.slug}.json"
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(asdict(env), indent=2))
    tmp.replace(path)


def remove(state_dir: Path, slug: str) -> None:
    (_dir(state_dir) / f"{slug}.json").unlink(missing_ok=True)


def claim(state_dir: Path, slug: str, region: str, busy: Callable[[str], bool] = lambda prefix: False) -> Environment:
    """The environment's record, or a new one in the first slot no other environment holds;
    `busy(prefix)` tells a slot in use elsewhere (another state dir's sandbox on this machine)."""
    existing = load(state_dir, slug)
    if existing:
        return existing
    taken = {e.slot for e in load_all(state_dir)}
    free = next((n for n in range(SLOTS) if n not in taken and not busy(prefix_of(n))), None)
    if free is None:
        raise RuntimeError(f"all {SLOTS} sandbox environment slots are taken: vend down one first")
    return Environment(slug, region, free)


def hosts_by_instance(state_dir: Path) -> dict[str, Host]:
    """Every instance id the sandbox stands in for, with its local host."""
    return {iid: env.host(iid) for env in load_all(state_dir) for iid in env.hosts}
