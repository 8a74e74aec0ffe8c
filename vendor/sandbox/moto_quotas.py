"""Service Quotas in the embedded emulator, for the quotas `vend doctor` reads.

moto 5.2.5 knows only the `vpc` service's default quotas and has no GetAWSDefaultServiceQuota.
Added here: that call, and AWS's defaults for EC2-VPC Elastic IPs (ec2 L-0263D0A3, 5) and
Application Load Balancers per Region (elasticloadbalancing L-53DA6B97, 50), from
https://docs.aws.amazon.com/vpc/latest/userguide/amazon-vpc-limits.html and
https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-limits.html
"""
from __future__ import annotations

import json

EXTRA = {
    ("ec2", "L-0263D0A3"): ("EC2-VPC Elastic IPs", 5.0),
    ("elasticloadbalancing", "L-53DA6B97"): ("Application Load Balancers per Region", 50.0),
}


def _quota(backend, service: str, code: str) -> dict:
    if (service, code) in EXTRA:
        name, value = EXTRA[(service, code)]
        found = {"ServiceCode": service, "QuotaCode": code, "QuotaName": name, "Value": value,
                 "Unit": "None", "Adjustable": True, "GlobalQuota": False,
                 "QuotaArn": f"arn:aws:servicequotas:{backend.region_name}::{service}/{code}"}
        return found
    return backend._vend_moto_get(service, code)  # moto's own (vpc), NoSuchResource otherwise


def add_quotas() -> None:
    from moto.servicequotas import models, responses

    backend_cls = models.ServiceQuotasBackend
    if getattr(backend_cls, "_vend_moto_get", None):
        return
    backend_cls._vend_moto_get = backend_cls.get_service_quota
    backend_cls.get_service_quota = lambda self, service_code, quota_code: _quota(self, service_code, quota_code)

    def get_aws_default_service_quota(self):
        params = json.loads(self.body)
        return json.dumps({"Quota": _quota(self.backend, str(params.get("ServiceCode")), str(params.get("QuotaCode")))})

    responses.ServiceQuotasResponse.get_aws_default_service_quota = get_aws_default_service_quota
