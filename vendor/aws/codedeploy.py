"""CodeDeploy deployments: create one from a revision in S3, read its status and its instances'
lifecycle events, list a deployment group's history.

The only part of deploying that talks to CodeDeploy; results are plain dataclasses and errors
leave as `DeployError` with the AWS error code, so callers need not know botocore.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from botocore.exceptions import BotoCoreError, ClientError

from vendor.aws import clients

TARGETS_PER_CALL = 25  # BatchGetDeploymentTargets: at most 25 target ids
DEPLOYMENTS_PER_CALL = 25  # BatchGetDeployments: at most 25 deployment ids
FINISHED = ("Succeeded", "Failed", "Stopped")


class DeployError(Exception):
    def __init__(self, code: str, message: str):
        self.code = code
        super().__init__(f"{code}: {message}" if code else message)


@dataclass(frozen=True)
class S3Revision:
    bucket: str
    key: str
    bundle_type: str = "zip"
    version: str | None = None
    etag: str | None = None  # without quotes; CodeDeploy checks the object, the agent sets BUNDLE_ETAG

    def request(self) -> dict:
        location = {"bucket": self.bucket, "key": self.key, "bundleType": self.bundle_type}
        if self.version:
            location["version"] = self.version
        if self.etag:
            location["eTag"] = self.etag
        return {"revisionType": "S3", "s3Location": location}


@dataclass(frozen=True)
class DeploymentInfo:
    id: str
    status: str  # Created | Queued | InProgress | Baking | Succeeded | Failed | Stopped | Ready
    revision: S3Revision | None
    overview: dict = field(default_factory=dict)  # Pending, InProgress, Succeeded, Failed, Skipped
    error: str = ""
    creator: str = ""
    description: str = ""
    created: datetime | None = None

    @property
    def finished(self) -> bool:
        return self.status in FINISHED


@dataclass(frozen=True)
class LifecycleEvent:
    name: str
    status: str  # Pending | InProgress | Succeeded | Failed | Skipped | Unknown
    message: str = ""  # diagnostics: error code, script, message
    log_tail: str = ""


@dataclass(frozen=True)
class InstanceTarget:
    id: str  # the instance id
    status: str
    events: tuple[LifecycleEvent, ...] = ()


class CodeDeploy:
    def __init__(self, client=None, *, region: str | None = None):
        self._client, self.region = client, region

    @property
    def client(self):
        if self._client is None:
            self._client = clients.client("codedeploy", region=self.region)
        return self._client

    def create(self, application: str, group: str, revision: S3Revision, description: str) -> str:
        return self._call("create_deployment", applicationName=application, deploymentGroupName=group,
                          revision=revision.request(), description=description[:100])["deploymentId"]

    def deployment(self, deployment_id: str) -> DeploymentInfo:
        return _info(self._call("get_deployment", deploymentId=deployment_id)["deploymentInfo"])

    def instances(self, deployment_id: str) -> list[InstanceTarget]:
        ids, token = [], None
        while True:
            page = self._call("list_deployment_targets", deploymentId=deployment_id,
                              **({"nextToken": token} if token else {}))
            ids += page.get("targetIds", [])
            token = page.get("nextToken")
            if not token:
                break
        found = []
        for i in range(0, len(ids), TARGETS_PER_CALL):
            batch = self._call("batch_get_deployment_targets", deploymentId=deployment_id,
                               targetIds=ids[i:i + TARGETS_PER_CALL])
            found += [_target(t["instanceTarget"]) for t in batch.get("deploymentTargets", [])
                      if t.get("instanceTarget")]
        return sorted(found, key=lambda t: t.id)

    def history(self, application: str, group: str) -> list[DeploymentInfo]:
        """The group's deployments, oldest first."""
        ids, token = [], None
        while True:
            page = self._call("list_deployments", applicationName=application, deploymentGroupName=group,
                              **({"nextToken": token} if token else {}))
            ids += page.get("deployments", [])
            token = page.get("nextToken")
            if not token:
                break
        infos = []
        for i in range(0, len(ids), DEPLOYMENTS_PER_CALL):
            batch = self._call("batch_get_deployments", deploymentIds=ids[i:i + DEPLOYMENTS_PER_CALL])
            infos += [_info(d) for d in batch.get("deploymentsInfo", [])]
        return sorted(infos, key=lambda d: (d.created or datetime.min, d.id))

    def group_id(self, application: str, group: str) -> str | None:
        """The deployment group's id (the agent gives it to hooks as DEPLOYMENT_GROUP_ID and keeps
        the group's revisions under it), or None when the group does not exist."""
        try:
            info = self._call("get_deployment_group", applicationName=application, deploymentGroupName=group)
        except DeployError as e:
            if e.code in ("DeploymentGroupDoesNotExistException", "ApplicationDoesNotExistException"):
                return None
            raise
        return info["deploymentGroupInfo"]["deploymentGroupId"]

    def _call(self, method: str, **kwargs) -> dict:
        try:
            return getattr(self.client, method)(**kwargs)
        except ClientError as e:
            err = e.response.get("Error", {})
            raise DeployError(err.get("Code", "ClientError"), err.get("Message", str(e))) from e
        except BotoCoreError as e:
            raise DeployError(type(e).__name__, str(e)) from e


def _info(d: dict) -> DeploymentInfo:
    location = (d.get("revision") or {}).get("s3Location")
    revision = (S3Revision(location["bucket"], location["key"], location.get("bundleType", "zip"),
                           location.get("version"), location.get("eTag")) if location and location.get("key") else None)
    error = d.get("errorInformation") or {}
    created = d.get("createTime")
    return DeploymentInfo(d["deploymentId"], d.get("status", "Unknown"), revision,
                          dict(d.get("deploymentOverview") or {}),
                          f"{error.get('code', '')}: {error.get('message', '')}".strip(": ") if error else "",
                          d.get("creator", ""), d.get("description") or "",
                          created if isinstance(created, datetime) else None)


def _target(t: dict) -> InstanceTarget:
    events = []
    for e in t.get("lifecycleEvents", []):
        diag = e.get("diagnostics") or {}
        message = " ".join(x for x in (diag.get("errorCode", ""), diag.get("scriptName", ""),
                                       diag.get("message", "")) if x)
        events.append(LifecycleEvent(e["lifecycleEventName"], e.get("status", "Unknown"), message,
                                     diag.get("logTail", "")))
    return InstanceTarget(t.get("targetId", ""), t.get("status", "Unknown"), tuple(events))
