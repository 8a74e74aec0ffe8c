"""Typed model of a CodeDeploy appspec for EC2/on-premises Linux hosts.

Built only by `vendor.deploy.appspec_check` after validation, so every instance is valid:
paths are normalised, defaults are filled in, and hooks are in lifecycle order.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

# Lifecycle events of an EC2/on-premises deployment, in the order CodeDeploy runs them.
# The reserved ones are run by the agent itself and cannot have scripts.
LIFECYCLE_ORDER = (
    "BeforeBlockTraffic", "BlockTraffic", "AfterBlockTraffic",
    "ApplicationStop", "DownloadBundle", "BeforeInstall", "Install", "AfterInstall",
    "ApplicationStart", "ValidateService",
    "BeforeAllowTraffic", "AllowTraffic", "AfterAllowTraffic",
)
RESERVED_EVENTS = ("BlockTraffic", "DownloadBundle", "Install", "AllowTraffic")
HOOK_EVENTS = tuple(e for e in LIFECYCLE_ORDER if e not in RESERVED_EVENTS)

FILE_EXISTS_BEHAVIORS = ("DISALLOW", "OVERWRITE", "RETAIN")
DEFAULT_FILE_EXISTS_BEHAVIOR = "DISALLOW"

DEFAULT_TIMEOUT = 3600  # seconds, per script, as in CodeDeploy
MAX_EVENT_TIMEOUT = 3600  # seconds, all scripts of one event together

WHOLE_REVISION = "."  # FileMapping.source for `source: /`


@dataclass(frozen=True)
class FileMapping:
    """Copy `source` (relative to the revision root; "." = whole revision) to `destination`."""

    source: str
    destination: str

    @property
    def whole_revision(self) -> bool:
        return self.source == WHOLE_REVISION


@dataclass(frozen=True)
class SELinuxContext:
    type: str
    name: str | None = None  # the SELinux user; the agent reads it from `name`
    range: str | None = None


@dataclass(frozen=True)
class Permission:
    """Ownership/mode/ACL/SELinux settings for installed files under `object` (a host path)."""

    object: str
    pattern: str = "**"
    except_: tuple[str, ...] = ()  # `except` in the file
    owner: str | None = None
    group: str | None = None
    mode: str | None = None  # octal digits as text, e.g. "755" or "2775"
    acls: tuple[str, ...] = ()
    context: SELinuxContext | None = None
    type: tuple[str, ...] = ("file", "directory")


@dataclass(frozen=True)
class HookScript:
    """A script of a lifecycle event; `location` is relative to the revision root."""

    location: str
    timeout: int = DEFAULT_TIMEOUT
    runas: str | None = None
    sudo: bool = False  # the agent runs `sudo SCRIPT`, or `sudo su RUNAS -c SCRIPT` with runas


@dataclass(frozen=True)
class AppSpec:
    """A valid appspec. `hooks` maps event -> scripts, in lifecycle order (read-only)."""

    file: str
    files: tuple[FileMapping, ...] = ()
    permissions: tuple[Permission, ...] = ()
    hooks: Mapping[str, tuple[HookScript, ...]] = field(default_factory=dict)
    file_exists_behavior: str = DEFAULT_FILE_EXISTS_BEHAVIOR
    version: str = "0.0"
    os: str = "linux"
    # what the agent ignores, as "FILE:LINE path: message (hint)" lines; not part of the value
    warnings: tuple[str, ...] = field(default=(), compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "hooks", ordered_hooks(self.hooks))

    def scripts(self, event: str) -> tuple[HookScript, ...]:
        """Scripts of `event` (empty when the appspec has none)."""
        return self.hooks.get(event, ())


def ordered_hooks(hooks: Mapping[str, tuple[HookScript, ...]]) -> Mapping[str, tuple[HookScript, ...]]:
    """Read-only mapping with the events of `hooks` in lifecycle order."""
    unknown = sorted(set(hooks) - set(HOOK_EVENTS))
    if unknown:
        raise ValueError(f"not lifecycle events that can have scripts: {', '.join(unknown)}")
    return MappingProxyType({e: hooks[e] for e in LIFECYCLE_ORDER if e in hooks})
