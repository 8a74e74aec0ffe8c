"""Where a bake runs, as configuration: the build target the CLI picks from settings.

A target supplies the template's source block, names the base image, runs a build session
(variables for Packer, then turning the finished build into an AMI) and knows whether an AMI's
content is still there. `amazon.AmazonTarget` builds on EC2; `local.LocalTarget` on a local host.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Protocol

from vendor.aws.images import Ami
from vendor.bake.images import Provenance
from vendor.config.model import Config
from vendor.render.packer import BuildSource

Say = Callable[[str], None]


class BakeError(Exception):
    """A bake cannot go on; the message says what to fix."""


@dataclass(frozen=True)
class BaseImage:
    id: str
    name: str


@dataclass(frozen=True)
class Finished:
    """A completed Packer build, to be turned into a tagged AMI."""

    manifest: Path
    name: str
    description: str
    tags: Mapping[str, str]


class BuildSession(Protocol):
    variables: Sequence[tuple[str, str]]  # extra `-var` values for validate and build

    def finish(self, build: Finished) -> Ami: ...


class BuildTarget(Protocol):
    builder: str  # recorded in the Builder tag and part of the bake key

    def source(self, config: Config) -> BuildSource: ...

    def base_image(self, config: Config) -> BaseImage: ...

    def session(self, config: Config, provenance: Provenance, say: Say) -> AbstractContextManager[BuildSession]: ...

    def missing_content(self, amis: Sequence[Ami]) -> set[str]: ...

    def forget(self, ami_id: str) -> None: ...
