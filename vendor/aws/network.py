"""VPC, internet gateway, subnets, NAT (with its elastic IP) and route tables, found by Name tag."""
from __future__ import annotations

import hashlib

from botocore.exceptions import ClientError

from vendor.aws.base import Handler, StackError, ec2_filters, ec2_tag_spec, missing, wait_until
from vendor.plan.resources import Observed

LIVE_NAT = ["pending", "available"]


def _one(items: list[dict], res) -> dict | None:
    if len(items) > 1:
        raise StackError(f"{len(items)} of {res.key} exist (tag Name={res.name}); delete the extra ones")
    return items[0] if items else None


class Vpc(Handler):
    kind = "vpc"

    def read(self, ctx, res, props):
        ec2 = ctx.client("ec2")
        vpc = _one(ec2.describe_vpcs(Filters=ec2_filters(res))["Vpcs"], res)
        if vpc is None:
            return None
        dns = ec2.describe_vpc_attribute(VpcId=vpc["VpcId"], Attribute="enableDnsHostnames")
        return Observed(vpc["VpcId"], {"cidr": vpc["CidrBlock"], "dns_hostnames": dns["EnableDnsHostnames"]["Value"]})

    def create(self, ctx, res, props):
        ec2 = ctx.client("ec2")
        vpc = ec2.create_vpc(CidrBlock=props["cidr"], TagSpecifications=ec2_tag_spec(ctx, res, "vpc"))["Vpc"]
        return self.update(ctx, res, props, Observed(vpc["VpcId"]), {"dns_hostnames"})

    def update(self, ctx, res, props, observed, changed):
        if "dns_hostnames" in changed:
            ctx.client("ec2").modify_vpc_attribute(VpcId=observed.id,
                                                   EnableDnsHostnames={"Value": props["dns_hostnames"]})
        return Observed(observed.id, props)

    def delete(self, ctx, res, observed):
        ctx.client("ec2").delete_vpc(VpcId=observed.id)


class InternetGateway(Handler):
    kind = "internet gateway"

    def read(self, ctx, res, props):
        igw = _one(ctx.client("ec2").describe_internet_gateways(Filters=ec2_filters(res))["InternetGateways"], res)
        if igw is None:
            return None
        attached = [a["VpcId"] for a in igw.get("Attachments", [])]
        return Observed(igw["InternetGatewayId"], {"vpc": attached[0] if attached else None})

    def create(self, ctx, res, props):
        igw = ctx.client("ec2").create_internet_gateway(
            TagSpecifications=ec2_tag_spec(ctx, res, "internet-gateway"))["InternetGateway"]
        return self.update(ctx, res, props, Observed(igw["InternetGatewayId"], {"vpc": None}), {"vpc"})

    def update(self, ctx, res, props, observed, changed):
        ec2 = ctx.client("ec2")
        if observed.props.get("vpc"):
            ec2.detach_internet_gateway(InternetGatewayId=observed.id, VpcId=observed.props["vpc"])
        ec2.attach_internet_gateway(InternetGatewayId=observed.id, VpcId=props["vpc"])
        return Observed(observed.id, props)

    def delete(self, ctx, res, observed):
        """A gateway detaches only once the VPC's public addresses are unmapped (a NAT gateway
        being deleted keeps its address for a while): DependencyViolation until then."""
        ec2 = ctx.client("ec2")
        if observed.props.get("vpc"):
            wait_until(lambda: _detached_if_free(ec2, observed.id, observed.props["vpc"]),
                       f"{res.key} to be free of mapped public addresses", delay=ctx.delay, timeout=600)
        ec2.delete_internet_gateway(InternetGatewayId=observed.id)


class Subnet(Handler):
    kind = "subnet"

    def read(self, ctx, res, props):
        subnet = _one(ctx.client("ec2").describe_subnets(Filters=ec2_filters(res))["Subnets"], res)
        if subnet is None:
            return None
        return Observed(subnet["SubnetId"], {"vpc": subnet["VpcId"], "cidr": subnet["CidrBlock"],
                                             "zone": subnet["AvailabilityZone"],
                                             "public_ips": subnet.get("MapPublicIpOnLaunch", False)})

    def create(self, ctx, res, props):
        subnet = ctx.client("ec2").create_subnet(
            VpcId=props["vpc"], CidrBlock=props["cidr"], AvailabilityZone=props["zone"],
            TagSpecifications=ec2_tag_spec(ctx, res, "subnet"))["Subnet"]
        observed = Observed(subnet["SubnetId"], {**props, "public_ips": False})
        return self.update(ctx, res, props, observed, {"public_ips"}) if props["public_ips"] else observed

    def update(self, ctx, res, props, observed, changed):
        ctx.client("ec2").modify_subnet_attribute(SubnetId=observed.id,
                                                  MapPublicIpOnLaunch={"Value": props["public_ips"]})
        return Observed(observed.id, props)

    def delete(self, ctx, res, observed):
        ec2 = ctx.client("ec2")
        wait_until(lambda: _deleted_if_free(ec2, observed.id), f"{res.key} to be free of network interfaces",
                   delay=ctx.delay)


def _detached_if_free(ec2, gateway_id: str, vpc_id: str) -> bool:
    try:
        ec2.detach_internet_gateway(InternetGatewayId=gateway_id, VpcId=vpc_id)
        return True
    except ClientError as error:
        if missing(error, "DependencyViolation"):
            return False
        raise


def _deleted_if_free(ec2, subnet_id: str) -> bool:
    try:
        ec2.delete_subnet(SubnetId=subnet_id)
        return True
    except ClientError as error:
        if missing(error, "DependencyViolation"):
            return False
        raise


class ElasticIp(Handler):
    kind = "elastic ip"

    def read(self, ctx, res, props):
        address = _one(ctx.client("ec2").describe_addresses(Filters=ec2_filters(res))["Addresses"], res)
        return Observed(address["AllocationId"], {}) if address else None

    def create(self, ctx, res, props):
        address = ctx.client("ec2").allocate_address(Domain="vpc",
                                                     TagSpecifications=ec2_tag_spec(ctx, res, "elastic-ip"))
        return Observed(address["AllocationId"], {})

    def delete(self, ctx, res, observed):
        ctx.client("ec2").release_address(AllocationId=observed.id)


class NatGateway(Handler):
    kind = "nat gateway"

    def read(self, ctx, res, props):
        filters = ec2_filters(res) + [{"Name": "state", "Values": LIVE_NAT}]
        nat = _one(ctx.client("ec2").describe_nat_gateways(Filters=filters)["NatGateways"], res)
        if nat is None:
            return None
        allocation = [a.get("AllocationId") for a in nat.get("NatGatewayAddresses", [])]
        return Observed(nat["NatGatewayId"], {"subnet": nat["SubnetId"], "allocation": allocation[0] if allocation else None})

    def create(self, ctx, res, props):
        token = hashlib.sha256(f"{res.name}/{props['subnet']}/{props['allocation']}".encode()).hexdigest()[:64]
        nat = ctx.client("ec2").create_nat_gateway(
            SubnetId=props["subnet"], AllocationId=props["allocation"], ClientToken=token,
            TagSpecifications=ec2_tag_spec(ctx, res, "natgateway"))["NatGateway"]
        ec2 = ctx.client("ec2")
        ec2.get_waiter("nat_gateway_available").wait(NatGatewayIds=[nat["NatGatewayId"]],
                                                     WaiterConfig={"Delay": max(ctx.delay, 1), "MaxAttempts": 120})
        return Observed(nat["NatGatewayId"], props)

    def delete(self, ctx, res, observed):
        ec2 = ctx.client("ec2")
        ec2.delete_nat_gateway(NatGatewayId=observed.id)
        ec2.get_waiter("nat_gateway_deleted").wait(NatGatewayIds=[observed.id],
                                                   WaiterConfig={"Delay": max(ctx.delay, 1), "MaxAttempts": 120})


class RouteTable(Handler):
    kind = "route table"

    def read(self, ctx, res, props):
        table = _one(ctx.client("ec2").describe_route_tables(Filters=ec2_filters(res))["RouteTables"], res)
        if table is None:
            return None
        routes = {r["DestinationCidrBlock"]: r.get("GatewayId") or r.get("NatGatewayId")
                  for r in table.get("Routes", []) if r.get("DestinationCidrBlock") and r.get("GatewayId") != "local"}
        associations = {a["SubnetId"]: a["RouteTableAssociationId"] for a in table.get("Associations", [])
                        if a.get("SubnetId")}
        return Observed(table["RouteTableId"], {"vpc": table["VpcId"], "routes": routes,
                                                "subnets": sorted(associations)}, {"associations": associations})

    def create(self, ctx, res, props):
        table = ctx.client("ec2").create_route_table(
            VpcId=props["vpc"], TagSpecifications=ec2_tag_spec(ctx, res, "route-table"))["RouteTable"]
        empty = Observed(table["RouteTableId"], {"vpc": props["vpc"], "routes": {}, "subnets": []}, {"associations": {}})
        return self.update(ctx, res, props, empty, {"routes", "subnets"})

    def update(self, ctx, res, props, observed, changed):
        ec2, table = ctx.client("ec2"), observed.id
        for cidr, target in props["routes"].items():
            have = observed.props["routes"].get(cidr)
            key = "NatGatewayId" if target.startswith("nat-") else "GatewayId"
            if have is None:
                ec2.create_route(RouteTableId=table, DestinationCidrBlock=cidr, **{key: target})
            elif have != target:
                ec2.replace_route(RouteTableId=table, DestinationCidrBlock=cidr, **{key: target})
        for cidr in set(observed.props["routes"]) - set(props["routes"]):
            ec2.delete_route(RouteTableId=table, DestinationCidrBlock=cidr)
        associations = observed.attrs.get("associations", {})
        for subnet in props["subnets"]:
            if subnet not in associations:
                ec2.associate_route_table(RouteTableId=table, SubnetId=subnet)
        for subnet, association in associations.items():
            if subnet not in props["subnets"]:
                ec2.disassociate_route_table(AssociationId=association)
        return Observed(table, props)

    def delete(self, ctx, res, observed):
        ec2 = ctx.client("ec2")
        for association in observed.attrs.get("associations", {}).values():
            ec2.disassociate_route_table(AssociationId=association)
        ec2.delete_route_table(RouteTableId=observed.id)


HANDLERS = [Vpc(), InternetGateway(), Subnet(), ElasticIp(), NatGateway(), RouteTable()]
