"""The emulator creates stand-ins under the ids a config names.

A config may name what the customer already has in AWS: a VPC and subnets (`network/vpc_id`,
`network/*_subnet_ids`), an ACM certificate (`routing/certificate_arn`). moto makes up its own
ids, so in the emulator (only there) these creations take the id asked for:

- EC2 CreateVpc / CreateSubnet tagged `vend:sandbox-id=<id>` get that id (AWS has no such tag;
  the tag stays on the resource, so the stand-in is recognisable as one).
- ACM ImportCertificate with a CertificateArn this account and region do not have yet creates
  the certificate under that ARN (AWS only re-imports existing ones).

`allow_named_ids()` is idempotent; `vendor.sandbox.emulator.relax_moto` applies it.
"""
from __future__ import annotations

import threading

from vendor.config.names import SANDBOX_ID_TAG as ID_TAG
_asked = threading.local()  # the moto server answers each request on its own thread


def _find(tags) -> str | None:
    """The value of ID_TAG in moto's tag shapes: [{Key, Value}], TagSpecifications, {type: {k: v}}."""
    if isinstance(tags, dict):
        if tags.get("Key") == ID_TAG:
            return tags.get("Value")
        if ID_TAG in tags and isinstance(tags[ID_TAG], str):
            return tags[ID_TAG]
        tags = list(tags.values())
    if isinstance(tags, list):
        return next((v for v in (_find(t) for t in tags) if v), None)
    return None


def _named(make_id):
    def new_id() -> str:
        asked = getattr(_asked, "id", None)
        _asked.id = None
        return asked or make_id()
    return new_id


def _taking_id(create):
    def wrapper(self, *args, **kwargs):
        _asked.id = _find(kwargs.get("tags"))
        try:
            return create(self, *args, **kwargs)
        finally:
            _asked.id = None
    return wrapper


def allow_named_ids() -> None:
    from moto.acm import models as acm
    from moto.ec2.models import subnets, vpcs

    if getattr(vpcs, "_vend_named_ids", False):
        return
    vpcs.random_vpc_id = _named(vpcs.random_vpc_id)
    subnets.random_subnet_id = _named(subnets.random_subnet_id)
    vpcs.VPCBackend.create_vpc = _taking_id(vpcs.VPCBackend.create_vpc)
    subnets.SubnetBackend.create_subnet = _taking_id(subnets.SubnetBackend.create_subnet)

    reimport = acm.AWSCertificateManagerBackend.import_certificate

    def import_certificate(self, certificate, private_key, chain, arn, tags):
        prefix = f":acm:{self.region_name}:{self.account_id}:certificate/"
        if arn is not None and arn not in self._certificates and prefix in arn:
            self._certificates[arn] = acm.CertBundle(self.account_id, certificate, private_key, chain=chain,
                                                     region=self.region_name, arn=arn)
            if tags:
                self.add_tags_to_certificate(arn, tags)
            return arn
        return reimport(self, certificate, private_key, chain, arn, tags)

    acm.AWSCertificateManagerBackend.import_certificate = import_certificate
    vpcs._vend_named_ids = True
