"""Route 53 alias records (A) for an environment's host names, pointing at the load balancer its
listener rule is on. Records carry no tags: they are found by name and type in the config's
hosted zone, and only the names the config lists are ever written or deleted."""
from __future__ import annotations

from vendor.aws.base import Handler
from vendor.plan.resources import Observed


def _alias(elbv2, load_balancer: str) -> dict:
    lb = elbv2.describe_load_balancers(Names=[load_balancer])["LoadBalancers"][0]
    return {"HostedZoneId": lb["CanonicalHostedZoneId"], "DNSName": lb["DNSName"], "EvaluateTargetHealth": False}


def _fqdn(name: str) -> str:
    return name.lower().rstrip(".") + "."


def _change(action: str, name: str, alias: dict) -> dict:
    return {"Action": action, "ResourceRecordSet": {"Name": _fqdn(name), "Type": "A", "AliasTarget": alias}}


class AliasRecords(Handler):
    kind = "dns records"

    def _found(self, ctx, zone: str, names) -> dict[str, dict]:
        """name -> AliasTarget of the A alias records among `names` that exist."""
        route53, out = ctx.client("route53"), {}
        for name in names:
            sets = route53.list_resource_record_sets(HostedZoneId=zone, StartRecordName=_fqdn(name),
                                                     StartRecordType="A", MaxItems="1")["ResourceRecordSets"]
            found = [r for r in sets if r["Name"].replace("\\052", "*") == _fqdn(name) and r["Type"] == "A"
                     and "AliasTarget" in r]
            if found:
                out[name] = found[0]["AliasTarget"]
        return out

    def read(self, ctx, res, props):
        zone, names = props.get("zone"), props.get("names") or []
        if not zone:
            return None
        found = self._found(ctx, zone, names)
        if not found:
            return None
        lb = props.get("load_balancer")
        alias = _alias(ctx.client("elbv2"), lb) if isinstance(lb, str) else None
        pointing = {n: (lb if alias and _fqdn(a["DNSName"]) == _fqdn(alias["DNSName"]) else a["DNSName"])
                    for n, a in found.items()}
        targets = sorted(set(pointing.values()))
        return Observed(zone, {"zone": zone, "names": sorted(found), "load_balancer": targets[0] if len(targets) == 1
                               else targets}, {"names": sorted(found)})

    def create(self, ctx, res, props):
        alias = _alias(ctx.client("elbv2"), props["load_balancer"])
        ctx.client("route53").change_resource_record_sets(HostedZoneId=props["zone"], ChangeBatch={
            "Comment": f"vend: {res.name}", "Changes": [_change("UPSERT", n, alias) for n in props["names"]]})
        return Observed(props["zone"], props, {"names": list(props["names"])})

    def update(self, ctx, res, props, observed, changed):
        return self.create(ctx, res, props)

    def delete(self, ctx, res, observed):
        found = self._found(ctx, observed.id, observed.attrs.get("names", []))
        if found:
            ctx.client("route53").change_resource_record_sets(HostedZoneId=observed.id, ChangeBatch={
                "Comment": f"vend: {res.name}", "Changes": [_change("DELETE", n, a) for n, a in found.items()]})


HANDLERS = [AliasRecords()]
