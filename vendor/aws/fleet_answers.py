"""How `FleetReads` answers a read of one named resource from a listing of all of them, once per run.

Each answer takes (reads, client, params) and gives the parsed response AWS would give, raises
`NotFound` with AWS's error for a missing resource, or gives None for a request shape it does not
know (then the read goes to AWS). The listings are named in `LISTINGS` and made through
`reads.listed_once`, each indexed once per run for the look-ups (`_index`): a run of many
environments can start them all at once (`FleetReads.prefetch`) instead of one after another as
the first environment reaches each kind.
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


def _name_tag(item: dict) -> str | None:
    return _tags(item).get("Name")


def _all(client, method: str, key: str, **kwargs) -> list:
    if client.can_paginate(method):
        return list(client.get_paginator(method).paginate(**kwargs).build_full_result().get(key, []))
    return getattr(client, method)(**kwargs).get(key, [])


def _listed(reads, name: str):
    """The listing `name` of `LISTINGS`, made once per run; None when AWS cannot list it."""
    found = reads.listing(name)
    return None if found is UNLISTED else found


def _index(reads, name: str, items: list | None, field: str, *, key: Callable[[dict], object] | None = None,
           many: bool = False):
    """The listing `name` by `field` ({value: item}, or {value: [items]} with `many`), made once per run;
    `key` gives an item's value when it is not `item[field]`."""
    if items is None:
        return None

    def make():
        out: dict = {}
        for item in items:
            value = key(item) if key else item[field]
            if many:
                out.setdefault(value, []).append(item)
            else:
                out[value] = item
        return out
    return reads.once(("index", name, field), make)


def _ec2_named(op: str):
    method, key = EC2_KINDS[op]

    def answer(reads, client, params):
        wanted = _filters(params)
        if wanted is None:
            return None
        named = _index(reads, f"ec2:{method}", _listed(reads, f"ec2:{method}"), "tag:Name", key=_name_tag, many=True)
        if named is None:
            return None
        name, states = wanted["tag:Name"][0], wanted.get("state")
        return {key: [i for i in named.get(name, []) if not states or i.get("State") in states]}
    return answer


def _images(reads, client, params):
    found = {f["Name"]: list(f["Values"]) for f in params.get("Filters", [])}
    if set(params) != {"Owners", "Filters"} or params["Owners"] != ["self"] or found.get(VEND[0]) != VEND[1] \
            or found.get("state") != ["available"] or not set(found) <= {VEND[0], "state", "tag:Customer", "tag:Environment"}:
        return None
    images = _listed(reads, "ec2:images")
    if images is None:
        return None
    wanted = {k[len("tag:"):]: v for k, v in found.items() if k.startswith("tag:")}
    if "Customer" in wanted:  # vend's look-up: the customer's images only
        by_customer = _index(reads, "ec2:images", images, "tag:Customer", key=lambda i: _tags(i).get("Customer"), many=True)
        images = [i for customer in wanted["Customer"] for i in by_customer.get(customer, [])]
    return {"Images": [i for i in images if all(_tags(i).get(k) in v for k, v in wanted.items())]}


def _launch_template(reads, client, params):
    """A template's default version, from every template's default version (DescribeLaunchTemplateVersions
    without a template, as AWS documents it)."""
    if set(params) != {"LaunchTemplateName", "Versions"} or params["Versions"] != ["$Default"]:
        return None
    by = _index(reads, "ec2:launch_templates", _listed(reads, "ec2:launch_templates"), "LaunchTemplateName")
    if by is None:
        return None
    name = params["LaunchTemplateName"]
    if name not in by:
        raise NotFound("InvalidLaunchTemplateName.NotFoundException",
                       f"The specified launch template, with template name {name}, does not exist.")
    return {"LaunchTemplateVersions": [by[name]]}


def _elbv2(kind: str, method: str, name_field: str, arn_field: str, missing: str):
    def answer(reads, client, params):
        items = _listed(reads, f"elbv2:{method}")
        if items is None or set(params) not in ({"Names"}, {f"{arn_field}s"}):
            return None
        field, wanted = (name_field, params["Names"]) if "Names" in params else (arn_field, params[f"{arn_field}s"])
        by = _index(reads, f"elbv2:{method}", items, field)
        if any(w not in by for w in wanted):
            raise NotFound(missing, f"One or more {kind[0].lower() + kind[1:-1]}s not found")
        return {kind: [by[w] for w in wanted]}
    return answer


def _groups(reads, client, params):
    if set(params) != {"AutoScalingGroupNames"}:
        return None
    by = _index(reads, "autoscaling:groups", _listed(reads, "autoscaling:groups"), "AutoScalingGroupName")
    if by is None:
        return None
    return {"AutoScalingGroups": [by[n] for n in params["AutoScalingGroupNames"] if n in by]}


def _policies(reads, client, params):
    if set(params) != {"AutoScalingGroupName", "PolicyNames"}:
        return None
    by_group = _index(reads, "autoscaling:policies", _listed(reads, "autoscaling:policies"), "AutoScalingGroupName",
                      many=True)
    if by_group is None:
        return None
    return {"ScalingPolicies": [p for p in by_group.get(params["AutoScalingGroupName"], [])
                                if p["PolicyName"] in params["PolicyNames"]]}


def _rds(method: str, key: str, param: str, field: str, missing: str, what: str):
    def answer(reads, client, params):
        if set(params) != {param}:
            return None
        by = _index(reads, f"rds:{method}", _listed(reads, f"rds:{method}"), field)
        if by is None:
            return None
        if params[param] not in by:
            raise NotFound(missing, f"{what} {params[param]} not found.", 404)
        return {key: [by[params[param]]]}
    return answer


def _roles(reads, client) -> dict | None:
    return _index(reads, "iam:roles", _listed(reads, "iam:roles"), "RoleName")


def _get_role(reads, client, params):
    roles = _roles(reads, client) if set(params) == {"RoleName"} else None
    if roles is None:
        return None
    if params["RoleName"] not in roles:
        raise NotFound("NoSuchEntity", f"The role with name {params['RoleName']} cannot be found.", 404)
    detail = roles[params["RoleName"]]
    keep = ("Path", "RoleName", "RoleId", "Arn", "CreateDate", "AssumeRolePolicyDocument", "Tags",
            "PermissionsBoundary", "RoleLastUsed")
    return {"Role": {k: detail[k] for k in keep if k in detail}}


def requoted(parsed):
    """An IAM answer (policy documents decoded, as botocore's handlers leave them) with its policy
    documents as IAM sends them, for a `before-call` answer: botocore decodes them again."""
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
    return {"RoleName": name, "PolicyName": policy["PolicyName"], "PolicyDocument": policy["PolicyDocument"]}


def _get_profile(reads, client, params):
    if set(params) != {"InstanceProfileName"}:
        return None
    by = _index(reads, "iam:profiles", _listed(reads, "iam:profiles"), "InstanceProfileName")
    if by is None:
        return None
    if params["InstanceProfileName"] not in by:
        raise NotFound("NoSuchEntity", f"Instance Profile {params['InstanceProfileName']} cannot be found.", 404)
    return {"InstanceProfile": by[params["InstanceProfileName"]]}


def _alarms(reads, client, params):
    if set(params) != {"AlarmNames", "AlarmTypes"} or params["AlarmTypes"] != ["MetricAlarm"]:
        return None
    by = _index(reads, "cloudwatch:alarms", _listed(reads, "cloudwatch:alarms"), "AlarmName")
    if by is None:
        return None
    return {"MetricAlarms": [by[n] for n in params["AlarmNames"] if n in by], "CompositeAlarms": []}


def _batched(client, names: list[str], method: str, key: str, arg: str, size: int = 100) -> list:
    out = []
    for i in range(0, len(names), size):
        out += getattr(client, method)(**{arg: names[i:i + size]}).get(key, [])
    return out


def _projects(reads, client, params):
    if set(params) != {"names"}:
        return None
    found = _index(reads, "codebuild:projects", _listed(reads, "codebuild:projects"), "name")
    if found is None:
        return None
    return {"projects": [found[n] for n in params["names"] if n in found],
            "projectsNotFound": [n for n in params["names"] if n not in found]}


def _application(reads, client, params):
    if set(params) != {"applicationName"}:
        return None
    found = _index(reads, "codedeploy:applications", _listed(reads, "codedeploy:applications"), "applicationName")
    if found is None:
        return None
    if params["applicationName"] not in found:
        raise NotFound("ApplicationDoesNotExistException", f"No application found for name: {params['applicationName']}")
    return {"application": found[params["applicationName"]]}


def _log_groups(reads, client, params):
    if set(params) != {"logGroupNamePrefix"}:
        return None
    found = _listed(reads, "logs:groups")
    if found is None:
        return None
    return {"logGroups": [g for g in found if g["logGroupName"].startswith(params["logGroupNamePrefix"])]}


def _rule(reads, client, params):
    if set(params) != {"Name"}:
        return None
    by = _index(reads, "events:rules", _listed(reads, "events:rules"), "Name")
    if by is None:
        return None
    if params["Name"] not in by:
        raise NotFound("ResourceNotFoundException", f"Rule {params['Name']} does not exist.")
    return dict(by[params["Name"]])


def _topic(reads, client, params):
    """Only a missing topic is answered here (AWS's NotFound); an existing one is read from AWS."""
    found = _listed(reads, "sns:topics") if set(params) == {"TopicArn"} else None
    found = _index(reads, "sns:topics", found, "TopicArn")
    if found is None or params["TopicArn"] in found:
        return None
    raise NotFound("NotFound", "Topic does not exist", 404)


def _subscriptions(reads, client, params):
    if set(params) != {"TopicArn"}:
        return None
    by_topic = _index(reads, "sns:subscriptions", _listed(reads, "sns:subscriptions"), "TopicArn", many=True)
    if by_topic is None:
        return None
    return {"Subscriptions": by_topic.get(params["TopicArn"], [])}


def _head_bucket(reads, client, params):
    if set(params) - {"Bucket", "ExpectedBucketOwner"}:
        return None
    found = _index(reads, "s3:buckets", _listed(reads, "s3:buckets"), "Name")
    if found is None:
        return None
    if params["Bucket"] not in found:  # own buckets only: a foreign one goes to AWS
        return None
    return {}


def _bucket_tags(reads, client, params):
    """Bucket tags from the Resource Groups Tagging API: one GetResources listing for the run."""
    if set(params) != {"Bucket"}:
        return None
    found = _listed(reads, "tagging:s3")
    if found is None or params["Bucket"] not in found:
        return None
    return {"TagSet": found[params["Bucket"]]}


def _listing(method: str, key: str, **kwargs) -> Callable:
    return lambda client: _all(client, method, key, **kwargs)


def _batch_got(lister: str, listed: str, getter: str, got: str, arg: str) -> Callable:
    """Every name a list call gives, then their details in batches of 100."""
    return lambda client: _batched(client, _all(client, lister, listed), getter, got, arg)


def _bucket_tag_sets(client) -> dict:
    pages = _all(client, "get_resources", "ResourceTagMappingList", ResourceTypeFilters=["s3"],
                 TagFilters=[{"Key": "ManagedBy", "Values": ["vend"]}], ResourcesPerPage=100)
    return {m["ResourceARN"].rsplit(":", 1)[-1]: m["Tags"] for m in pages}


VEND_FILTER = [{"Name": VEND[0], "Values": VEND[1]}]
LISTINGS: dict[str, tuple[str, Callable]] = {  # name -> (service, client -> what it lists)
    **{f"ec2:{method}": ("ec2", _listing(method, key, Filters=VEND_FILTER)) for method, key in EC2_KINDS.values()},
    "ec2:images": ("ec2", _listing("describe_images", "Images", Owners=["self"],
                                   Filters=[*VEND_FILTER, {"Name": "state", "Values": ["available"]}])),
    "ec2:launch_templates": ("ec2", _listing("describe_launch_template_versions", "LaunchTemplateVersions",
                                             Versions=["$Default"], PaginationConfig={"PageSize": 200})),
    "elbv2:describe_target_groups": ("elbv2", _listing("describe_target_groups", "TargetGroups")),
    "elbv2:describe_load_balancers": ("elbv2", _listing("describe_load_balancers", "LoadBalancers")),
    "autoscaling:groups": ("autoscaling", _listing("describe_auto_scaling_groups", "AutoScalingGroups")),
    "autoscaling:policies": ("autoscaling", _listing("describe_policies", "ScalingPolicies")),
    "rds:describe_db_instances": ("rds", _listing("describe_db_instances", "DBInstances")),
    "rds:describe_db_subnet_groups": ("rds", _listing("describe_db_subnet_groups", "DBSubnetGroups")),
    "iam:roles": ("iam", _listing("get_account_authorization_details", "RoleDetailList", Filter=["Role"])),
    "iam:profiles": ("iam", _listing("list_instance_profiles", "InstanceProfiles")),
    "cloudwatch:alarms": ("cloudwatch", _listing("describe_alarms", "MetricAlarms", AlarmTypes=["MetricAlarm"])),
    "codebuild:projects": ("codebuild", _batch_got("list_projects", "projects", "batch_get_projects", "projects",
                                                   "names")),
    "codedeploy:applications": ("codedeploy", _batch_got("list_applications", "applications", "batch_get_applications",
                                                         "applicationsInfo", "applicationNames")),
    "logs:groups": ("logs", _listing("describe_log_groups", "logGroups")),
    "events:rules": ("events", _listing("list_rules", "Rules")),
    "sns:topics": ("sns", _listing("list_topics", "Topics")),
    "sns:subscriptions": ("sns", _listing("list_subscriptions", "Subscriptions")),
    "s3:buckets": ("s3", _listing("list_buckets", "Buckets")),
    "tagging:s3": ("resourcegroupstaggingapi", _bucket_tag_sets),
}


ANSWERS: dict[tuple[str, str], Callable] = {
    **{("ec2", op): _ec2_named(op) for op in EC2_KINDS},
    ("ec2", "DescribeImages"): _images,
    ("ec2", "DescribeLaunchTemplateVersions"): _launch_template,
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
