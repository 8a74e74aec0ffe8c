"""Which Packer a builder needs. Pure.

amazon-ebs needs Packer 1.8.1 or newer: older Packer logs in with RSA/SHA-1 signatures, which the
OpenSSH of Ubuntu 22.04 and later refuses ("ssh: unable to authenticate"); since 1.7 the Amazon
builder is a plugin that `packer init` installs. The local builder (an SSH host on this machine)
works with Debian's Packer 1.6.6.
"""
from __future__ import annotations

MINIMUM = {"amazon-ebs": (1, 8, 1), "local": (1, 6, 0)}
PLUGINS_FROM = (1, 7, 0)  # Packer with plugins outside its binary: `packer init` is needed
INSTALL = "https://developer.hashicorp.com/packer/install"


def parse(version: str) -> tuple[int, ...]:
    return tuple(int(p) for p in version.split(".")[:3] if p.isdigit())


def shown(version: tuple[int, ...]) -> str:
    return ".".join(map(str, version))


def problem(builder: str, version: str) -> str | None:
    """Why Packer `version` cannot bake with `builder`, with the fix; None if it can."""
    needed = MINIMUM.get(builder, (0,))
    if parse(version) >= needed:
        return None
    return (f"Packer {version} cannot bake with the {builder} builder: it needs Packer {shown(needed)} or newer "
            "(older Packer cannot log in to Ubuntu 22.04 and later: RSA/SHA-1 SSH signatures are refused). "
            f"Install a current Packer ({INSTALL}) and point VEND_PACKER at it, or bake with VEND_BUILDER=local")


def needs_init(builder: str, version: str) -> bool:
    """Whether `packer init` must install the builder's plugin first."""
    return builder == "amazon-ebs" and parse(version) >= PLUGINS_FROM
