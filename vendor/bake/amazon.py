"""Bake on EC2: Packer's amazon-ebs source, the AMI id from the manifest's `region:ami-id`."""
from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

from vendor.aws import images as ec2_images
from vendor.aws.images import Ami
from vendor.bake.images import Provenance
from vendor.bake.manifest import only_build
from vendor.bake.target import BakeError, BaseImage, Finished, Say
from vendor.config.model import Config
from vendor.render.hcl import Raw, attributes, string
from vendor.render.packer import BuildSource, amazon_ebs

# the bake key goes into the AMI description, which EC2 sets at creation: an AMI left by a bake
# that was killed before Packer tagged it is still found by its key; the commit's time, author
# and subject follow it (vendor.bake.images.description)
DESCRIPTION_SUFFIX = " (bake key ${var.bake_key})${var.commit_details}"
VARIABLES = (
    ("bake_key", attributes([("type", Raw("string")), ("default", "none"),
                             ("description", "vend's hash of everything that goes into the image.")], 2)),
    ("commit_details", attributes([("type", Raw("string")), ("default", ""),
                                   ("description", "Time, author and subject of the source commit.")], 2)),
    ("provenance", attributes([("type", Raw("map(string)")), ("default", {}),
                               ("description", "vend's provenance tags, added to the AMI's and snapshots' tags.")], 2)),
)


def provenance_source(config: Config) -> BuildSource:
    return amazon_ebs(config, description=DESCRIPTION_SUFFIX, tags="merge(local.tags, var.provenance)",
                      variables=VARIABLES)


def hcl_map(values: dict[str, str]) -> str:
    """A map(string) value for `-var name=VALUE`. Packer parses it as an HCL expression, so keys
    and values are escaped HCL strings: a tag's `${...}` or `%{...}` stays text, never evaluated."""
    return "{" + ", ".join(f"{string(k)} = {string(v)}" for k, v in values.items()) + "}"


@dataclass
class AmazonSession:
    ec2: object
    region: str
    variables: Sequence[tuple[str, str]] = field(default_factory=list)

    def finish(self, build: Finished) -> Ami:
        ami_id = only_build(build.manifest).ami(self.region)
        ami = ec2_images.get_image(self.ec2, ami_id)
        if ami is None:
            raise BakeError(f"the manifest names {ami_id}, which does not exist in {self.region}")
        ec2_images.tag(self.ec2, ami, build.tags)
        return ec2_images.get_image(self.ec2, ami_id)


class AmazonTarget:
    builder = "amazon-ebs"

    def __init__(self, ec2):
        self.ec2 = ec2

    def source(self, config: Config) -> BuildSource:
        return provenance_source(config)

    def base_image(self, config: Config) -> BaseImage:
        try:
            ami = ec2_images.resolve_base(self.ec2, config.image.base_ami)
        except ec2_images.ImageError as e:
            raise BakeError(str(e)) from None
        return BaseImage(ami.id, ami.name)

    @contextmanager
    def session(self, config: Config, provenance: Provenance, say: Say) -> Iterator[AmazonSession]:
        tags = provenance.tags(config.tags)
        yield AmazonSession(self.ec2, config.region, [("bake_key", provenance.bake_key),
                                                      ("commit_details", provenance.description_details()),
                                                      ("provenance", hcl_map(tags))])

    def missing_content(self, amis: Sequence[Ami]) -> set[str]:
        return set()  # an EC2 AMI carries its content (its snapshots)

    def forget(self, ami_id: str) -> None:
        pass
