"""Thin wrappers around `ip` for namespaces, veths and the bridge (all bounded in time)."""
from __future__ import annotations

import ipaddress
import json
import os
import signal
import subprocess
import time

IP_TIMEOUT = 10.0


class NetnsError(RuntimeError):
    """An `ip` command failed."""


def ip(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    try:
        done = subprocess.run(
            ["ip", *args], capture_output=True, text=True, timeout=IP_TIMEOUT, check=False
        )
    except subprocess.TimeoutExpired as e:
        raise NetnsError(f"ip {' '.join(args)} did not finish in {IP_TIMEOUT:g}s") from e
    if check and done.returncode != 0:
        raise NetnsError(f"ip {' '.join(args)} failed: {done.stderr.strip()}")
    return done


def _json(*args: str) -> list[dict]:
    out = ip("-j", *args).stdout.strip()
    return json.loads(out) if out else []


def list_netns() -> list[str]:
    return [entry["name"] for entry in _json("netns", "list")]


def list_links() -> list[str]:
    return [entry["ifname"] for entry in _json("link", "show")]


def routes_overlapping(subnet: ipaddress.IPv4Network) -> list[str]:
    """Routes of the root namespace whose destination overlaps `subnet` (default route excluded)."""
    found = []
    for route in _json("-4", "route", "show"):
        dst = route.get("dst", "")
        if dst == "default":
            continue
        network = ipaddress.IPv4Network(dst if "/" in dst else f"{dst}/32", strict=False)
        if network.overlaps(subnet):
            found.append(f"{dst} dev {route.get('dev', '?')}")
    return found


def create_bridge(name: str, address: str, prefixlen: int) -> None:
    ip("link", "add", name, "type", "bridge")
    ip("addr", "add", f"{address}/{prefixlen}", "dev", name)
    ip("link", "set", name, "up")


def create_netns(
    netns: str, veth: str, bridge: str, address: str, prefixlen: int, gateway: str
) -> None:
    """A namespace whose eth0 is one end of a veth pair; the other end is on `bridge`; the
    subnet (with the `gateway`, the machine's bridge address) is all it reaches."""
    peer = f"{veth}p"
    ip("netns", "add", netns)
    ip("link", "add", veth, "type", "veth", "peer", "name", peer)
    ip("link", "set", peer, "netns", netns)
    ip("link", "set", veth, "master", bridge, "up")
    ip("-n", netns, "link", "set", peer, "name", "eth0")
    ip("-n", netns, "addr", "add", f"{address}/{prefixlen}", "dev", "eth0")
    ip("-n", netns, "link", "set", "eth0", "up")
    ip("-n", netns, "link", "set", "lo", "up")
    # No internet (the machine does not forward): anything beyond the subnet fails at once
    # ("No route to host") instead of hanging until a TCP or resolver timeout.
    ip("-n", netns, "route", "add", "unreachable", "default")


def netns_pids(netns: str) -> list[int]:
    done = ip("netns", "pids", netns, check=False)
    return [int(p) for p in done.stdout.split()] if done.returncode == 0 else []


def kill_netns_processes(netns: str, timeout: float = 5.0) -> None:
    """SIGKILL every process in the namespace until none is left (or raise after `timeout`)."""
    deadline = time.monotonic() + timeout
    while pids := netns_pids(netns):
        if time.monotonic() > deadline:
            raise NetnsError(
                f"processes {pids} in namespace {netns} survived SIGKILL for {timeout:g}s"
            )
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        time.sleep(0.02)


def delete_netns(netns: str) -> None:
    if netns in list_netns():
        ip("netns", "del", netns)


def delete_link(name: str) -> None:
    if name in list_links():
        ip("link", "del", name, check=False)  # a veth may vanish with its namespace meanwhile
