"""Local SSH hosts standing in for an environment's EC2 instances, booted from its baked image.

One host per InService instance of the auto-scaling group, named after the instance id, in the
environment's own prefix and subnet (see environments.py). The hosts outlive the command that
started them; `tear_down` (vend down) removes every process, namespace, link and mount of them.
"""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from vendor.bake.layers import LayerStore
from vendor.sandbox import environments, locks, netns
from vendor.sandbox.environments import Environment
from vendor.sandbox.hosts import LocalHosts
from vendor.sandbox.machine import ssh_banner


# Held from choosing a slot until its hosts run (their bridge marks the slot taken), so two
# `vend up`s with different state dirs on one machine never pick the same slot.
SLOTS_LOCK = (Path("/run/lock") if Path("/run/lock").is_dir() else Path("/tmp")) / "vend-sandbox-slots.lock"
SLOTS_WAIT = 900.0  # another vend up booting its hosts


def hosts_up(state_dir: Path, slug: str, region: str, instance_ids: list[str], ami: str,
             image_user: str | None = None) -> tuple[Environment, bool]:
    """The environment (its record, or a new one in a slot not in use on this machine) with one
    running host per instance; True if they were started now (see bring_up)."""
    with locks.exclusive(SLOTS_LOCK, timeout=SLOTS_WAIT):
        links = set(netns.list_links())
        env = environments.claim(state_dir, slug, region, busy=lambda prefix: f"{prefix}-br" in links)
        return bring_up(state_dir, env, instance_ids, ami, image_user=image_user)


def _local_hosts(env: Environment) -> LocalHosts:
    return LocalHosts(env.prefix, subnet=env.subnet)


def matches(env: Environment, instance_ids: list[str], ami: str) -> bool:
    """The recorded hosts are the instances', from this image, and all of them answer."""
    return (env.ami == ami and sorted(env.hosts) == sorted(instance_ids)
            and all(ssh_banner(h["address"], h["port"]) for h in env.hosts.values()))


def bring_up(state_dir: Path, env: Environment, instance_ids: list[str], ami: str,
             image_user: str | None = None) -> tuple[Environment, bool]:
    """(the environment with its hosts, True if they were started now). Running hosts that match
    are kept; otherwise the old ones are removed and one host per instance boots from `ami`, with
    the image's default user `image_user` (the config's image/ssh_username) as its instances have."""
    if matches(env, instance_ids, ami):
        return env, False
    layers = LayerStore(state_dir)
    hosts = _local_hosts(env)
    hosts.stop_all()
    if env.ami and env.ami != ami:
        layers.unmount(env.ami)
    try:
        started = (hosts.start(names=instance_ids, lower_dir=[layers.mount(ami), "/"], image_user=image_user)
                   if instance_ids else [])
    except BaseException:
        hosts.stop_all()
        raise
    hosts.detach()
    env = replace(env, ami=ami, hosts={h.name: {"address": h.address, "port": h.port, "user": h.user,
                                                 "key_path": str(h.key_path), "known_hosts": str(h.known_hosts)}
                                        for h in started})
    environments.save(state_dir, env)
    return env, True


def tear_down(state_dir: Path, env: Environment) -> None:
    """Stop the environment's hosts, unmount its image and forget it."""
    _local_hosts(env).stop_all()
    if env.ami:
        LayerStore(state_dir).unmount(env.ami)
    environments.remove(state_dir, env.slug)
