"""The order of a CodeDeploy in-place deployment on one host, as data. Pure.

Each step says which revision's appspec supplies the scripts: ApplicationStop and the
BlockTraffic hooks come from the LAST SUCCESSFUL revision (and are skipped on a first install),
the rest from the revision being deployed. Builtin steps are done by the engine itself.
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


def hook_env(event: str, *, deployment_id: str, application: str, group_name: str, group_id: str) -> dict[str, str]:
    """The environment CodeDeploy gives every hook script."""
    return {"LIFECYCLE_EVENT": event, "DEPLOYMENT_ID": deployment_id, "APPLICATION_NAME": application,
            "DEPLOYMENT_GROUP_NAME": group_name, "DEPLOYMENT_GROUP_ID": group_id}
