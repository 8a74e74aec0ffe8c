"""How `FleetReads` answers a read of one named resource from a listing of all of them, once per run.

Each answer takes (reads, client, params) and gives the parsed response AWS would give, raises
`NotFound` with AWS's error for a missing resource, or gives None for a request shape it does not
know (then the read goes to AWS). Listings are made through `reads.listed_once`.
"""
from __future__ import annotations

import json
from collections.abc import Callable
from urllib.parse import quote

VEND = ("tag:ManagedBy", ["vend"])
EC2_KINDS = {"DescribeVpcs": ("describe_vpcs", "Vpcs"), "DescribeSubnets": ("describe_subnets", "Subnets"),
             "DescribeSecurityGroups": ("describe_security_groups", "SecurityGroups"),
             "DescribeInternetGateways": ("describe_internet_gateways", "InternetGateways"),
             "DescribeRouteTables": ("describe_route_tables", "RouteTables"),
             "DescribeAddresses": ("describe_addresses", "Addresses"),
             "DescribeNatGateways": ("describe_nat_gateways", "NatGateways")}
UNLISTED = object()  # what listed_once gives for a kind AWS (or the emulator) cannot list


class NotFound(Exception):
    def __init__(self, code: str, message: str, status: int = 400):
        super().__init__(message)
        self.code, self.message, self.status = code, message, status


def _filters(params: dict) -> dict | None:
    """Filters as {name: values} when they are exactly a vend tag:Name lookup (+ `state`)."""
    found = {f["Name"]: list(f["Values"]) for f in params.get("Filters", [])}
    if set(params) != {"Filters"} or found.get(VEND[0]) != VEND[1] or len(found.get("tag:Name", [])) != 1:
        return None
    return found if set(found) <= {"tag:Name", VEND[0], "state"} else None


def _tags(item: dict) -> dict[str, str]:
    return {t["Key"]: t.get("Value", "") for t in item.get("Tags", [])}


def _all(client, method: str, key: str, **kwargs) -> list:
    if client.can_paginate(method):
        return list(client.get_paginator(method).paginate(**kwargs).build_full_result().get(key, []))
    return getattr(client, method)(**kwargs).get(key, [])


def _listed(reads, client, name: str, method: str, key: str, **kwargs):
    found = reads.listed_once(name, lambda: _all(client, method, key, **kwargs))
    return None if found is UNLISTED else found


def _ec2_named(op: str):
    method, key = EC2_KINDS[op]

    def answer(reads, client, params):
        wanted = _filters(params)
        if wanted is None:
            return None
        items = _listed(reads, client, f"ec2:{method}", method, key, Filters=[{"Name": VEND[0], "Values": VEND[1]}])
        if items is None:
            return None
        name, states = wanted["tag:Name"][0], wanted.get("state")
        return {key: [i for i in items if _tags(i).get("Name") == name and (not states or i.get("State") in states)]}
    return answer


def _images(reads, client, params):
    found = {f["Name"]: list(f["Values"]) for f in params.get("Filters", [])}
    if set(params) != {"Owners", "Filters"} or params["Owners"] != ["self"] or found.get(VEND[0]) != VEND[1] \
            or found.get("state") != ["available"] or not set(found) <= {VEND[0], "state", "tag:Customer", "tag:Environment"}:
        return None
    images = _listed(reads, client, "ec2:images", "describe_images", "Images", Owners=["self"],
                     Filters=[{"Name": VEND[0], "Values": VEND[1]}, {"Name": "state", "Values": ["available"]}])
    if images is None:
        return None
    wanted = {k[len("tag:"):]: v for k, v in found.items() if k.startswith("tag:")}
    return {"Images": [i for i in images if all(_tags(i).get(k) in v for k, v in wanted.items())]}


def _by(items: list, field: str) -> dict:
    return {i[field]: i for i in items}


def _elbv2(kind: str, method: str, name_field: str, arn_field: str, missing: str):
    def answer(reads, client, params):
        items = _listed(reads, client, f"elbv2:{method}", method, kind)
        if items is None or set(params) not in ({"Names"}, {f"{arn_field}s"}):
            return None
        field, wanted = (name_field, params["Names"]) if "Names" in params else (arn_field, params[f"{arn_field}s"])
        by = _by(items, field)
        if any(w not in by for w in wanted):
            raise NotFound(missing, f"One or more {kind[0].lower() + kind[1:-1]}s not found")
        return {kind: [by[w] for w in wanted]}
    return answer


def _groups(reads, client, params):
    if set(params) != {"AutoScalingGroupNames"}:
        return None
    items = _listed(reads, client, "autoscaling:groups", "describe_auto_scaling_groups", "AutoScalingGroups")
    if items is None:
        return None
    by = _by(items, "AutoScalingGroupName")
    return {"AutoScalingGroups": [by[n] for n in params["AutoScalingGroupNames"] if n in by]}


def _policies(reads, client, params):
    if set(params) != {"AutoScalingGroupName", "PolicyNames"}:
        return None
    items = _listed(reads, client, "autoscaling:policies", "describe_policies", "ScalingPolicies")
    if items is None:
        return None
    return {"ScalingPolicies": [p for p in items if p["AutoScalingGroupName"] == params["AutoScalingGroupName"]
                                and p["PolicyName"] in params["PolicyNames"]]}


def _rds(method: str, key: str, param: str, field: str, missing: str, what: str):
    def answer(reads, client, params):
        if set(params) != {param}:
            return None
        items = _listed(reads, client, f"rds:{method}", method, key)
        if items is None:
            return None
        by = _by(items, field)
        if params[param] not in by:
            raise NotFound(missing, f"{what} {params[param]} not found.", 404)
        return {key: [by[params[param]]]}
    return answer


def _roles(reads, client) -> dict | None:
    found = _listed(reads, client, "iam:roles", "get_account_authorization_details", "RoleDetailList", Filter=["Role"])
    return None if found is None else _by(found, "RoleName")


def _get_role(reads, client, params):
    roles = _roles(reads, client) if set(params) == {"RoleName"} else None
    if roles is None:
        return None
    if params["RoleName"] not in roles:
        raise NotFound("NoSuchEntity", f"The role with name {params['RoleName']} cannot be found.", 404)
    detail = roles[params["RoleName"]]
    keep = ("Path", "RoleName", "RoleId", "Arn", "CreateDate", "AssumeRolePolicyDocument", "Tags",
            "PermissionsBoundary", "RoleLastUsed")
    role = {k: detail[k] for k in keep if k in detail}
    if "AssumeRolePolicyDocument" in role:
        role["AssumeRolePolicyDocument"] = _as_sent(role["AssumeRolePolicyDocument"])
    return {"Role": role}


def requoted(parsed):
    """A remembered IAM answer with its policy documents as IAM sends them (botocore decodes them again)."""
    if isinstance(parsed, dict):
        return {k: _as_sent(v) if k.endswith("PolicyDocument") and isinstance(v, dict) else requoted(v)
                for k, v in parsed.items()}
    if isinstance(parsed, list):
        return [requoted(v) for v in parsed]
    return parsed


def _as_sent(document) -> str:
    """A policy document as IAM sends it (URL-quoted JSON); botocore's own hook decodes it."""
    return document if isinstance(document, str) else quote(json.dumps(document))


def _get_role_policy(reads, client, params):
    roles = _roles(reads, client) if set(params) == {"RoleName", "PolicyName"} else None
    if roles is None:
        return None
    name = params["RoleName"]
    policy = next((p for p in roles.get(name, {}).get("RolePolicyList", []) if p["PolicyName"] == params["PolicyName"]), None)
    if policy is None:
        raise NotFound("NoSuchEntity", f"The role policy with name {params['PolicyName']} cannot be found.", 404)
    return {"RoleName": name, "PolicyName": policy["PolicyName"], "PolicyDocument": _as_sent(policy["PolicyDocument"])}


def _get_profile(reads, client, params):
    if set(params) != {"InstanceProfileName"}:
        return None
    found = _listed(reads, client, "iam:profiles", "list_instance_profiles", "InstanceProfiles")
    if found is None:
        return None
    by = _by(found, "InstanceProfileName")
    if params["InstanceProfileName"] not in by:
        raise NotFound("NoSuchEntity", f"Instance Profile {params['InstanceProfileName']} cannot be found.", 404)
    return {"InstanceProfile": by[params["InstanceProfileName"]]}


def _alarms(reads, client, params):
    if set(params) != {"AlarmNames", "AlarmTypes"} or params["AlarmTypes"] != ["MetricAlarm"]:
        return None
    found = _listed(reads, client, "cloudwatch:alarms", "describe_alarms", "MetricAlarms", AlarmTypes=["MetricAlarm"])
    if found is None:
        return None
    by = _by(found, "AlarmName")
    return {"MetricAlarms": [by[n] for n in params["AlarmNames"] if n in by], "CompositeAlarms": []}


def _batched(client, names: list[str], method: str, key: str, arg: str, size: int = 100) -> list:
    out = []
    for i in range(0, len(names), size):
        out += getattr(client, method)(**{arg: names[i:i + size]}).get(key, [])
    return out


def _projects(reads, client, params):
    if set(params) != {"names"}:
        return None
    found = reads.listed_once("codebuild:projects", lambda: _by(_batched(
        client, _all(client, "list_projects", "projects"), "batch_get_projects", "projects", "names"), "name"))
    if found is UNLISTED:
        return None
    return {"projects": [found[n] for n in params["names"] if n in found],
            "projectsNotFound": [n for n in params["names"] if n not in found]}


def _application(reads, client, params):
    if set(params) != {"applicationName"}:
        return None
    found = reads.listed_once("codedeploy:applications", lambda: _by(_batched(
        client, _all(client, "list_applications", "applications"), "batch_get_applications", "applicationsInfo",
        "applicationNames"), "applicationName"))
    if found is UNLISTED:
        return None
    if params["applicationName"] not in found:
        raise NotFound("ApplicationDoesNotExistException", f"No application found for name: {params['applicationName']}")
    return {"application": found[params["applicationName"]]}


def _log_groups(reads, client, params):
    if set(params) != {"logGroupNamePrefix"}:
        return None
    found = _listed(reads, client, "logs:groups", "describe_log_groups", "logGroups")
    if found is None:
        return None
    return {"logGroups": [g for g in found if g["logGroupName"].startswith(params["logGroupNamePrefix"])]}


def _rule(reads, client, params):
    if set(params) != {"Name"}:
        return None
    found = _listed(reads, client, "events:rules", "list_rules", "Rules")
    if found is None:
        return None
    by = _by(found, "Name")
    if params["Name"] not in by:
        raise NotFound("ResourceNotFoundException", f"Rule {params['Name']} does not exist.")
    return dict(by[params["Name"]])


def _topic(reads, client, params):
    """Only a missing topic is answered here (AWS's NotFound); an existing one is read from AWS."""
    found = _listed(reads, client, "sns:topics", "list_topics", "Topics") if set(params) == {"TopicArn"} else None
    if found is None or params["TopicArn"] in {t["TopicArn"] for t in found}:
        return None
    raise NotFound("NotFound", "Topic does not exist", 404)


def _subscriptions(reads, client, params):
    if set(params) != {"TopicArn"}:
        return None
    found = _listed(reads, client, "sns:subscriptions", "list_subscriptions", "Subscriptions")
    if found is None:
        return None
    return {"Subscriptions": [s for s in found if s["TopicArn"] == params["TopicArn"]]}


def _head_bucket(reads, client, params):
    if set(params) - {"Bucket", "ExpectedBucketOwner"}:
        return None
    found = _listed(reads, client, "s3:buckets", "list_buckets", "Buckets")
    if found is None:
        return None
    if params["Bucket"] not in {b["Name"] for b in found}:  # own buckets only: a foreign one goes to AWS
        return None
    return {}


def _bucket_tags(reads, client, params):
    """Bucket tags from the Resource Groups Tagging API: one GetResources listing for the run."""
    if set(params) != {"Bucket"}:
        return None
    found = reads.listed_once("tagging:s3", lambda: {m["ResourceARN"].rsplit(":", 1)[-1]: m["Tags"] for m in _all(
        reads.client_for("resourcegroupstaggingapi"), "get_resources", "ResourceTagMappingList", ResourceTypeFilters=["s3"],
        TagFilters=[{"Key": "ManagedBy", "Values": ["vend"]}], ResourcesPerPage=100)})
    if found is UNLISTED or params["Bucket"] not in found:
        return None
    return {"TagSet": found[params["Bucket"]]}


ANSWERS: dict[tuple[str, str], Callable] = {
    **{("ec2", op): _ec2_named(op) for op in EC2_KINDS},
    ("ec2", "DescribeImages"): _images,
    ("elbv2", "DescribeTargetGroups"): _elbv2("TargetGroups", "describe_target_groups", "TargetGroupName",
                                              "TargetGroupArn", "TargetGroupNotFound"),
    ("elbv2", "DescribeLoadBalancers"): _elbv2("LoadBalancers", "describe_load_balancers", "LoadBalancerName",
                                               "LoadBalancerArn", "LoadBalancerNotFound"),
    ("autoscaling", "DescribeAutoScalingGroups"): _groups,
    ("autoscaling", "DescribePolicies"): _policies,
    ("rds", "DescribeDBInstances"): _rds("describe_db_instances", "DBInstances", "DBInstanceIdentifier",
                                         "DBInstanceIdentifier", "DBInstanceNotFound", "DBInstance"),
    ("rds", "DescribeDBSubnetGroups"): _rds("describe_db_subnet_groups", "DBSubnetGroups", "DBSubnetGroupName",
                                            "DBSubnetGroupName", "DBSubnetGroupNotFoundFault", "DB Subnet Group"),
    ("iam", "GetRole"): _get_role,
    ("iam", "GetRolePolicy"): _get_role_policy,
    ("iam", "GetInstanceProfile"): _get_profile,
    ("cloudwatch", "DescribeAlarms"): _alarms,
    ("codebuild", "BatchGetProjects"): _projects,
    ("codedeploy", "GetApplication"): _application,
    ("logs", "DescribeLogGroups"): _log_groups,
    ("events", "DescribeRule"): _rule,
    ("sns", "GetTopicAttributes"): _topic,
    ("sns", "ListSubscriptionsByTopic"): _subscriptions,
    ("s3", "HeadBucket"): _head_bucket,
    ("s3", "GetBucketTagging"): _bucket_tags,
}
