"""Certificates checked before anything changes: an HTTPS listener takes only an ISSUED ACM
certificate, and browsers accept it only for the names it covers. Without this check apply
stops halfway, in CreateListener, with the load balancer already made."""
from __future__ import annotations

from collections.abc import Sequence

from botocore.exceptions import ClientError

from vendor.aws.base import code

Problem = tuple[str, str]


def covers(name: str, covered: Sequence[str]) -> bool:
    """Whether a certificate for `covered` names serves `name` (a wildcard covers one label)."""
    name = name.lower().rstrip(".")
    for pattern in (c.lower().rstrip(".") for c in covered):
        if pattern == name:
            return True
        if pattern.startswith("*.") and "." in name and name.split(".", 1)[1] == pattern[2:]:
            return True
    return False


def certificate(ctx, arn: str, names: Sequence[str]) -> Problem | None:
    """`None` if `arn` is ISSUED and covers every one of `names`, else (what is wrong, the fix)."""
    try:
        found = ctx.client("acm").describe_certificate(CertificateArn=arn)["Certificate"]
    except ClientError as error:
        if code(error) in ("ResourceNotFoundException", "InvalidArnException"):
            return (f"certificate {arn} does not exist in {ctx.region}",
                    f"request or import it in ACM in {ctx.region} and give its ARN")
        raise
    status = found.get("Status")
    if status != "ISSUED":
        fix = ("add the DNS validation records ACM shows for it and wait until it is ISSUED"
               if status == "PENDING_VALIDATION" else "request a new certificate and give its ARN")
        return f"certificate {arn} is {status}, not ISSUED", fix
    covered = [found.get("DomainName", ""), *found.get("SubjectAlternativeNames", [])]
    missing = [n for n in names if not covers(n, covered)]
    if missing:
        return (f"certificate {arn} covers {', '.join(sorted(set(c for c in covered if c)))}, "
                f"not {', '.join(missing)}", "give a certificate for these names, or add them to it and re-issue")
    return None


def served_names(domain: str | None, hosts: Sequence[str]) -> list[str]:
    """The names an HTTPS listener answers for: the domain and every host without wildcards."""
    names = [domain] if domain else []
    return names + [h for h in hosts if "*" not in h and "?" not in h and h != domain]
