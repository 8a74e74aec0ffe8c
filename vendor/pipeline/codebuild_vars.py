"""The environment variables CodeBuild provides in every build, as the local build knows them.

See "Environment variables in build environments" (CodeBuild User Guide, build-env-ref-env-vars).
Started by CodePipeline: CODEBUILD_INITIATOR is `codepipeline/<pipeline name>`, and
CODEBUILD_RESOLVED_SOURCE_VERSION / CODEBUILD_SOURCE_VERSION carry the source revision (the
commit) when CodePipeline knows it; for a source without one (a plain directory, like an S3
object without versioning) CODEBUILD_RESOLVED_SOURCE_VERSION is not set.
"""
from __future__ import annotations

import time
from pathlib import Path

DEFAULT_IMAGE = "aws/codebuild/standard:7.0"


def builtin_variables(build_id: str, src: Path, context: dict) -> dict[str, str]:
    """context keys (all optional): commit, project, initiator, region, account, number, image."""
    region = str(context.get("region") or "us-east-1")
    account = str(context.get("account") or "000000000000")
    out = {
        "CODEBUILD_BUILD_ID": build_id,
        "CODEBUILD_BUILD_ARN": f"arn:aws:codebuild:{region}:{account}:build/{build_id}",
        "CODEBUILD_BUILD_NUMBER": str(context.get("number") or 1),
        "CODEBUILD_BUILD_IMAGE": str(context.get("image") or DEFAULT_IMAGE),
        "CODEBUILD_BUILD_SUCCEEDING": "1",
        "CODEBUILD_INITIATOR": str(context.get("initiator") or "vend"),
        "CODEBUILD_SRC_DIR": str(src),
        "CODEBUILD_START_TIME": str(int(time.time() * 1000)),
        "CODEBUILD_LOG_PATH": build_id.split(":", 1)[-1],
        "CODEBUILD_LOCAL": "true",
        "AWS_DEFAULT_REGION": region,
        "AWS_REGION": region,
    }
    if context.get("commit"):
        out["CODEBUILD_RESOLVED_SOURCE_VERSION"] = str(context["commit"])
        out["CODEBUILD_SOURCE_VERSION"] = str(context["commit"])
    return out
