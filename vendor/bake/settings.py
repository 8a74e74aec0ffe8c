"""Bake configuration, read from the environment: which builder, where Packer and the state are.

| variable | default |
|---|---|
| VEND_BUILDER | `local` when AWS_ENDPOINT_URL is set (the embedded emulator), else `amazon-ebs` |
| VEND_PACKER | packer |
| VEND_STATE_DIR | $XDG_STATE_HOME/vend or ~/.local/state/vend (local images' layers: images/<ami-id>/) |
| VEND_BAKE_HOSTS_PREFIX, VEND_BAKE_HOSTS_SUBNET | vbake, 10.213.250.0/24 (the local build hosts) |
"""
from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from vendor.state import default_state_dir

BUILDERS = ("amazon-ebs", "local")


class SettingsProblem(Exception):
    pass


@dataclass(frozen=True)
class BakeSettings:
    builder: str
    state_dir: Path
    packer: str = "packer"
    hosts_prefix: str = "vbake"
    hosts_subnet: str = "10.213.250.0/24"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> "BakeSettings":
        env = os.environ if environ is None else environ
        builder = env.get("VEND_BUILDER") or ("local" if env.get("AWS_ENDPOINT_URL") else "amazon-ebs")
        if builder not in BUILDERS:
            raise SettingsProblem(f"VEND_BUILDER={builder!r}: use one of {', '.join(BUILDERS)}")
        return cls(builder=builder, state_dir=default_state_dir(env), packer=env.get("VEND_PACKER") or "packer",
                   hosts_prefix=env.get("VEND_BAKE_HOSTS_PREFIX") or "vbake",
                   hosts_subnet=env.get("VEND_BAKE_HOSTS_SUBNET") or "10.213.250.0/24")
