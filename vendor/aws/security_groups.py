"""Security groups, found by Name tag. Ingress rules are TCP ports from a CIDR or another group;
egress stays AWS's default (all outbound)."""
from __future__ import annotations

from botocore.exceptions import ClientError

from vendor.aws.base import Handler, StackError, ec2_filters, ec2_tag_spec, missing, wait_until
from vendor.plan.resources import Observed


def _permission(rule: dict) -> dict:
    permission = {"IpProtocol": "tcp", "FromPort": rule["port"], "ToPort": rule["port"]}
    if str(rule["source"]).startswith("sg-"):
        permission["UserIdGroupPairs"] = [{"GroupId": rule["source"]}]
    else:
        permission["IpRanges"] = [{"CidrIp": rule["source"]}]
    return permission


def _rules(permissions: list[dict]) -> list[dict]:
    out = []
    for p in permissions:
        if p.get("IpProtocol") != "tcp" or p.get("FromPort") != p.get("ToPort"):
            out.append({"port": f"{p.get('IpProtocol')} {p.get('FromPort')}-{p.get('ToPort')}", "source": "?"})
            continue
        out += [{"port": p["FromPort"], "source": r["CidrIp"]} for r in p.get("IpRanges", [])]
        out += [{"port": p["FromPort"], "source": g["GroupId"]} for g in p.get("UserIdGroupPairs", [])]
    return sorted(out, key=repr)


class SecurityGroup(Handler):
    kind = "security group"

    def read(self, ctx, res, props):
        groups = ctx.client("ec2").describe_security_groups(Filters=ec2_filters(res))["SecurityGroups"]
        if len(groups) > 1:
            raise StackError(f"{len(groups)} of {res.key} exist; delete the extra ones")
        if not groups:
            return None
        g = groups[0]
        return Observed(g["GroupId"], {"vpc": g["VpcId"], "description": g["Description"],
                                       "ingress": _rules(g.get("IpPermissions", []))})

    def create(self, ctx, res, props):
        group = ctx.client("ec2").create_security_group(
            GroupName=res.name, Description=props["description"], VpcId=props["vpc"],
            TagSpecifications=ec2_tag_spec(ctx, res, "security-group", props))
        empty = Observed(group["GroupId"], {"vpc": props["vpc"], "description": props["description"], "ingress": []})
        return self.update(ctx, res, props, empty, {"ingress"})

    def update(self, ctx, res, props, observed, changed):
        ec2 = ctx.client("ec2")
        want, have = props["ingress"], observed.props["ingress"]
        add = [r for r in want if r not in have]
        remove = [r for r in have if r not in want and r["source"] != "?"]
        if add:
            ec2.authorize_security_group_ingress(GroupId=observed.id, IpPermissions=[_permission(r) for r in add])
        if remove:
            ec2.revoke_security_group_ingress(GroupId=observed.id, IpPermissions=[_permission(r) for r in remove])
        return Observed(observed.id, props)

    def delete(self, ctx, res, observed):
        ec2 = ctx.client("ec2")

        def deleted() -> bool:
            try:
                ec2.delete_security_group(GroupId=observed.id)
                return True
            except ClientError as error:
                if missing(error, "DependencyViolation"):
                    return False  # network interfaces of a deleted load balancer or instance linger
                raise

        wait_until(deleted, f"{res.key} to be free of network interfaces", delay=ctx.delay)


HANDLERS = [SecurityGroup()]
