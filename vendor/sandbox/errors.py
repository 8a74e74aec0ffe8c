"""Errors of the local hosts sandbox."""
from __future__ import annotations


class LocalHostsError(RuntimeError):
    """Local hosts cannot be set up, started or stopped."""


class HostsBusy(LocalHostsError):
    """Another live process holds the same prefix."""


class SubnetInUse(LocalHostsError):
    """The subnet is already routed on this machine (by something else)."""
