"""A CodeBuild build's log lines, read from CloudWatch Logs as they arrive."""
from __future__ import annotations

from botocore.exceptions import BotoCoreError, ClientError

from vendor.aws import clients


class BuildLogs:
    """`new_lines(build_id)` returns the lines logged since the last call for that build (none
    while CodeBuild has not said where it logs, or when the log cannot be read)."""

    def __init__(self, codebuild=None, logs=None, *, region: str | None = None):
        self._codebuild, self._logs, self.region = codebuild, logs, region
        self._tokens: dict[str, str] = {}

    def new_lines(self, build_id: str) -> list[str]:
        try:
            self._codebuild = self._codebuild or clients.client("codebuild", region=self.region)
            self._logs = self._logs or clients.client("logs", region=self.region)
            builds = self._codebuild.batch_get_builds(ids=[build_id]).get("builds", [])
            where = (builds[0].get("logs") or {}) if builds else {}
            if not where.get("groupName") or not where.get("streamName"):
                return []
            lines: list[str] = []
            while True:
                token = self._tokens.get(build_id)
                page = self._logs.get_log_events(logGroupName=where["groupName"], logStreamName=where["streamName"],
                                                 startFromHead=True, **({"nextToken": token} if token else {}))
                lines += [e["message"].rstrip("\n") for e in page.get("events", [])]
                self._tokens[build_id] = page.get("nextForwardToken", token)
                if not page.get("events") or page.get("nextForwardToken") == token:
                    return lines
        except (ClientError, BotoCoreError):
            return []  # the log is a convenience: the stage's status still says how the build went
