"""The order of a CodeDeploy in-place deployment on one host, as data. Pure.

Each step says which revision's appspec supplies the scripts: ApplicationStop and the
BlockTraffic hooks come from the LAST SUCCESSFUL revision (and are skipped on a first install),
the rest from the revision being deployed. Builtin steps are done by the engine itself.

Hooks get the environment the agent gives them (`hook_env`): the deployment's five variables and
the revision's (`bundle_env`): where an S3 revision is stored, none for a local one.
"""
from __future__ import annotations

from dataclasses import dataclass

from vendor.deploy.appspec_model import LIFECYCLE_ORDER, RESERVED_EVENTS

FROM_PREVIOUS = ("BeforeBlockTraffic", "AfterBlockTraffic", "ApplicationStop")
TRAFFIC_EVENTS = ("BeforeBlockTraffic", "BlockTraffic", "AfterBlockTraffic",
                  "BeforeAllowTraffic", "AllowTraffic", "AfterAllowTraffic")


@dataclass(frozen=True)
class Step:
    event: str
    builtin: bool  # BlockTraffic, DownloadBundle, Install, AllowTraffic
    previous: bool  # scripts come from the last successful revision


def steps(*, first_install: bool, traffic_control: bool) -> list[Step]:
    out = []
    for event in LIFECYCLE_ORDER:
        if event in TRAFFIC_EVENTS and not traffic_control:
            continue
        previous = event in FROM_PREVIOUS
        if previous and first_install:
            continue
        out.append(Step(event, event in RESERVED_EVENTS, previous))
    return out


@dataclass(frozen=True)
class S3Location:
    """Where a revision is stored, as CodeDeploy's S3Location names it (bucket, key, version, eTag)."""
    bucket: str
    key: str
    version: str | None = None  # of a versioned bucket
    etag: str | None = None  # S3's ETag without its quotes, as CodeDeploy's eTag

    @classmethod
    def put_answer(cls, bucket: str, key: str, answer: dict) -> S3Location:
        """Where S3's PutObject answer (`VersionId`, `ETag`) says the object is."""
        etag = answer.get("ETag")
        return cls(bucket, key, answer.get("VersionId"), etag.strip('"') if etag else None)

    def record(self) -> dict:
        return {"bucket": self.bucket, "key": self.key, "version": self.version, "etag": self.etag}

    @classmethod
    def from_record(cls, record: dict | None) -> S3Location | None:
        """The location a release record kept; None for a record without one (older, or a local revision)."""
        kept = (record or {}).get("location")
        if not isinstance(kept, dict) or not all(isinstance(kept.get(k), str) for k in ("bucket", "key")) \
                or not all(isinstance(kept.get(k), (str, type(None))) for k in ("version", "etag")):
            return None
        return cls(kept["bucket"], kept["key"], kept.get("version"), kept.get("etag"))


def bundle_env(location: S3Location | None) -> dict[str, str]:
    """The revision's variables, as the agent sets them (command_executor.rb get_revision_envs): an
    S3 revision gives BUNDLE_BUCKET, BUNDLE_KEY, BUNDLE_VERSION, BUNDLE_ETAG, each only when it has
    a value; a local revision (None: stored nowhere) gives none."""
    if location is None:
        return {}
    values = {"BUNDLE_BUCKET": location.bucket, "BUNDLE_KEY": location.key, "BUNDLE_VERSION": location.version,
              "BUNDLE_ETAG": location.etag}
    return {name: value for name, value in values.items() if value is not None}


def hook_env(event: str, *, deployment_id: str, application: str, group_name: str, group_id: str,
             location: S3Location | None = None) -> dict[str, str]:
    """The environment CodeDeploy gives every hook script: the deployment's, merged with the revision's."""
    return {"LIFECYCLE_EVENT": event, "DEPLOYMENT_ID": deployment_id, "APPLICATION_NAME": application,
            "DEPLOYMENT_GROUP_NAME": group_name, "DEPLOYMENT_GROUP_ID": group_id, **bundle_env(location)}
