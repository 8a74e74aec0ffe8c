"""Names, ARNs and tags of one customer environment's resources. Pure.

Every name derives from customer + environment (`vendor.config.names.base`), so a second apply,
a plan and a destroy all find the same resources without a state file.
"""
from __future__ import annotations

from dataclasses import dataclass

from vendor.config.model import Config
from vendor.config.names import MANAGED_BY, base, ownership_tags

SSL_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06"


@dataclass(frozen=True)
class Facts:
    """What planning needs to know about the account besides the config."""

    account: str
    region: str
    zones: tuple[str, ...]  # available zones of the region, sorted
    ami_id: str | None = None  # newest AMI baked for this environment
    partition: str = "aws"
    shared_certificate_arn: str | None = None  # HTTPS certificate for a shared ALB vend must create
    approvals_code: str = ""  # CodeSha256 of the approvals service's Lambda package
    approvals_sender: str = "vend@localhost"  # From: of the approval mail (a verified SES identity)
    app_deployed: bool = False  # CodeDeploy has deployed the app once (the ASG then uses ELB health checks)


@dataclass(frozen=True)
class Names:
    base: str
    bucket: str
    log_group: str
    topic: str
    secrets_prefix: str
    parameters_prefix: str

    def role(self, purpose: str) -> str:
        return f"{self.base}-{purpose}"


def artifact_bucket(config: Config, account: str) -> str:
    return f"{base(config)}-{account}-artifacts"


def names(config: Config, facts: Facts) -> Names:
    b = base(config)
    return Names(b, artifact_bucket(config, facts.account), f"/vend/{config.customer}/{config.environment}",
                 f"{b}-approvals", f"vend/{config.customer}/{config.environment}/",
                 f"/vend/{config.customer}/{config.environment}/")


def arn(facts: Facts, service: str, resource: str, *, regional: bool = True, account: bool = True) -> str:
    region = facts.region if regional else ""
    owner = facts.account if account else ""
    return f"arn:{facts.partition}:{service}:{region}:{owner}:{resource}"


def stack_tags(config: Config) -> dict[str, str]:
    """The user's extra tags plus vend's own; vend's win (the loader refuses reserved keys)."""
    return {**config.tags, **ownership_tags(config.customer, config.environment)}


def shared_tags() -> dict[str, str]:
    return {"ManagedBy": MANAGED_BY, "Shared": "true"}
