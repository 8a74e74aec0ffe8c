"""Certificates on load balancer listeners (ACM): what AWS refuses and moto accepts.

moto puts any certificate ARN on an HTTPS listener; AWS takes only a certificate ACM has ISSUED
(one still PENDING_VALIDATION, or FAILED, EXPIRED, REVOKED, is refused with UnsupportedCertificate).
The rules sit on the ELBv2 calls that attach certificates, so they answer with ELBv2's errors.
"""
from __future__ import annotations

from moto.elbv2.exceptions import ELBClientError

from vendor.sandbox.refusals import refuses

CREATE_LISTENER = "https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_CreateListener.html"
ADD_CERTIFICATES = "https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_AddListenerCertificates.html"
MODIFY_LISTENER = "https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_ModifyListener.html"


def _not_issued(backend, arns) -> str | None:
    from moto.acm.exceptions import CertificateNotFound
    from moto.acm.models import acm_backends

    acm = acm_backends[backend.account_id][backend.region_name]
    for arn in arns:
        if not arn or ":acm:" not in arn:
            continue
        try:
            status = acm.get_certificate(arn).status
        except CertificateNotFound:
            continue  # moto answers for a missing certificate itself
        if status != "ISSUED":
            return (f"The certificate '{arn}' must have a fully-qualified domain name, a supported signature, "
                    f"and a supported key size. (its status is {status}; only an ISSUED certificate can be used)")
    return None


def _arns(certificates) -> list[str]:
    return [c.get("CertificateArn") or c.get("certificate_arn") for c in certificates or [] if isinstance(c, dict)]


@refuses("moto.elbv2.models:ELBv2Backend.create_listener", "UnsupportedCertificate", CREATE_LISTENER, ELBClientError)
def listener_certificate_issued(backend, load_balancer_arn=None, protocol=None, port=None, ssl_policy=None,
                                certificate=None, *args, **kwargs) -> str | None:
    """An HTTPS listener takes only an ISSUED certificate."""
    return _not_issued(backend, [certificate])


@refuses("moto.elbv2.models:ELBv2Backend.add_listener_certificates", "UnsupportedCertificate", ADD_CERTIFICATES,
         ELBClientError)
def extra_certificates_issued(backend, arn, certificates, *args, **kwargs) -> str | None:
    """Extra (SNI) listener certificates must be ISSUED."""
    return _not_issued(backend, _arns(certificates))


@refuses("moto.elbv2.models:ELBv2Backend.modify_listener", "UnsupportedCertificate", MODIFY_LISTENER, ELBClientError)
def modified_listener_certificate_issued(backend, arn, port=None, protocol=None, ssl_policy=None, certificates=None,
                                         *args, **kwargs) -> str | None:
    """A listener's certificate can be changed only to an ISSUED one."""
    return _not_issued(backend, _arns(certificates))
