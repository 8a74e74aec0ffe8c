"""Packer's manifest post-processor output: which artifact the last run produced.

The manifest accumulates one entry per build and run; the entries of the last run carry its
`last_run_uuid`. For amazon-ebs the `artifact_id` is `region:ami-id` (one pair per region,
comma separated, when the AMI is copied to more regions).
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

AMI_ID = re.compile(r"^ami-[0-9a-f]{8,17}$")


class ManifestError(Exception):
    pass


@dataclass(frozen=True)
class ManifestBuild:
    name: str
    builder_type: str
    artifact_id: str
    run_uuid: str
    custom_data: dict = field(default_factory=dict)

    def amis(self) -> dict[str, str]:
        """region -> AMI id, from `eu-west-1:ami-0abc,us-east-1:ami-0def`."""
        found = {}
        for pair in self.artifact_id.split(","):
            region, sep, ami = pair.strip().partition(":")
            if not sep or not region or not AMI_ID.match(ami):
                raise ManifestError(f"artifact_id {self.artifact_id!r} of build {self.name!r} is not REGION:AMI-ID")
            found[region] = ami
        return found

    def ami(self, region: str) -> str:
        amis = self.amis()
        if region not in amis:
            raise ManifestError(f"the build made no AMI in {region} (artifact_id {self.artifact_id!r})")
        return amis[region]


def last_run(path: Path) -> list[ManifestBuild]:
    """The builds of the last Packer run recorded in the manifest at `path`."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ManifestError(f"{path} is missing: Packer's manifest post-processor did not run") from None
    except json.JSONDecodeError as e:
        raise ManifestError(f"{path} is not JSON: {e}") from None
    run = data.get("last_run_uuid")
    builds = [ManifestBuild(name=b.get("name", ""), builder_type=b.get("builder_type", ""),
                            artifact_id=b.get("artifact_id", ""), run_uuid=b.get("packer_run_uuid", ""),
                            custom_data=b.get("custom_data") or {})
              for b in data.get("builds", []) if b.get("packer_run_uuid") == run]
    if not run or not builds:
        raise ManifestError(f"{path} records no build of the last run")
    return builds


def only_build(path: Path) -> ManifestBuild:
    builds = last_run(path)
    if len(builds) != 1:
        raise ManifestError(f"{path}: expected one build in the last run, found {len(builds)}")
    return builds[0]
