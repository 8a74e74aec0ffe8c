"""The bake key: one hash of everything that goes into an image, and the config hash.

Same key, same image: a re-bake with an identical key reuses the AMI. The key covers the
rendered Packer inputs (template, var file, vend's and the customer's scripts and files, with
their modes), the base image actually built from, the Packer version and the builder. It leaves
out the source commit and the time: a commit that changes nothing in this image does not force
a new one (the reused AMI keeps the commit it was baked at in its tags).
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from pathlib import Path

from vendor.config.model import Config
from vendor.render.outputs import Copy, Output, Text

SCHEME = "vend-bake-key/1"


def config_hash(config: Config) -> str:
    """sha256 of the config's values (not its text: comments and layout do not count)."""
    canonical = json.dumps(config.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def bake_key(outputs: Iterable[Output], inputs: Mapping[str, str]) -> str:
    """`outputs`: the rendered Packer files; `inputs`: base image, Packer version, builder, ..."""
    digest = hashlib.sha256()

    def field(*parts: str | bytes) -> None:
        for part in parts:
            data = part if isinstance(part, bytes) else part.encode()
            digest.update(len(data).to_bytes(8, "big") + data)

    field(SCHEME)
    for name in sorted(inputs):
        field("input", name, inputs[name])
    for out in sorted(outputs, key=lambda o: o.path):
        for rel, mode, data in _files(out):
            field("file", rel, mode, data)
    return digest.hexdigest()


def _files(out: Output) -> list[tuple[str, str, bytes]]:
    mode = "755" if out.executable else "644"
    if isinstance(out, Text):
        return [(out.path, mode, out.content.encode("utf-8"))]
    assert isinstance(out, Copy)
    source = Path(out.source)
    if not source.is_dir():
        return [(out.path, mode, source.read_bytes())]
    return [(f"{out.path}/{p.relative_to(source).as_posix()}", mode, p.read_bytes())
            for p in sorted(source.rglob("*")) if p.is_file()]
