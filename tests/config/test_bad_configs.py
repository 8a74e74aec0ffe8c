"""A table of bad configs, each an edit of `minimal.yaml`, with the exact lines `vend validate` prints."""
from __future__ import annotations

from pathlib import Path

import pytest

from vendor.config.loader import load_config
from vendor.config.source import SourceError

MINIMAL = (Path(__file__).parent / "minimal.yaml").read_text()

# (case id, [(old text, new text), ...], expected problem lines with FILE standing for the file)
CASES = [
    ("log retention CloudWatch does not offer", [("    repository: shop", "    repository: shop\nlogs:\n  retention_days: 100")],
     ["FILE:28 logs/retention_days: 100 is not one of 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, "
      "1096, 1827, 2192, 2557, 2922, 3288 or 3653 (use one of the listed values)"]),
    ("unknown top-level key", [("region: eu-west-1", "region: eu-west-1\nregoin: x")],
     ["FILE:4 regoin: unknown key 'regoin' (did you mean 'region'?)"]),
    ("unknown nested key", [("  min: 1", "  minimum: 1")],
     ["FILE:13 fleet/minimum: unknown key 'minimum' (did you mean 'min'?)"]),
    ("unknown key without a near match", [("  max: 2", "  max: 2\n  zzz: 1")],
     ["FILE:15 fleet/zzz: unknown key 'zzz' (allowed keys: instance_type, min, max, desired, cpu_target)"]),
    ("missing required key", [("region: eu-west-1\n", "")],
     ["FILE:1 region: required key is missing (add region:)"]),
    ("wrong type: text for a number", [("  max: 2", "  max: two")],
     ["FILE:14 fleet/max: expected a whole number, got text 'two' (write a whole number here)"]),
    ("wrong type: number for text", [("  stack: python", "  stack: 3")],
     ["FILE:5 app/stack: 3 is not one of 'static-site', 'php-apache' or 'python' (use one of the listed values)"]),
    ("wrong type: mapping expected", [("fleet:\n  min: 1\n  max: 2", "fleet: [1, 2]")],
     ["FILE:12 fleet: expected a mapping, got a list [1, 2] (write a mapping here)"]),
    ("wrong type: list expected", [("  hosts: [shop.example.com]", "  hosts: shop.example.com")],
     ["FILE:16 routing/hosts: expected a list, got text 'shop.example.com' (write a list here)"]),
    ("wrong type: bool expected", [('  version: "16"', '  version: "16"\n  multi_az: \'yes\'')],
     ["FILE:24 database/multi_az: expected true or false, got text 'yes' (write true or false here)"]),
    ("name not lowercase", [("customer: shop", "customer: Shop")],
     ["FILE:1 customer: 'Shop' is not lowercase letters, digits and hyphens, starting with a letter (for example acme)"]),
    ("name too long", [("customer: shop", "customer: a-very-long-customer-name")],
     ["FILE:1 customer: 'a-very-long-customer-name' is 25 characters, at most 20 are allowed (shorten it)"]),
    ("target group name over 32 characters", [("customer: shop", "customer: shop-international"),
                                              ("environment: staging", "environment: integration")],
     ["FILE:1 customer: the target group name 'vend-shop-international-integration' would be 35 characters, AWS allows 32 (shorten customer or environment)",
      "FILE:1 customer: the load balancer name 'vend-shop-international-integration' would be 35 characters, AWS allows 32 (shorten customer or environment)"]),
    ("region malformed", [("region: eu-west-1", "region: europe")],
     ["FILE:3 region: 'europe' is not an AWS region name (for example eu-west-1)"]),
    ("stack unknown", [("  stack: python", "  stack: ruby")],
     ["FILE:5 app/stack: 'ruby' is not one of 'static-site', 'php-apache' or 'python' (use one of the listed values)"]),
    ("CIDR does not parse", [("10.40.0.0/16", "10.40.0.0/33")],
     ["FILE:8 network/create/cidr: '10.40.0.0/33' is not an IPv4 CIDR (write it as 10.20.0.0/16 with the host bits zero)"]),
    ("CIDR host bits set", [("10.40.0.0/16", "10.40.0.1/16")],
     ["FILE:8 network/create/cidr: '10.40.0.1/16' is not an IPv4 CIDR (write it as 10.20.0.0/16 with the host bits zero)"]),
    ("CIDR too large for a VPC", [("10.40.0.0/16", "10.0.0.0/8")],
     ["FILE:8 network/create/cidr: a /8 VPC is outside AWS's /16 to /24 (use a prefix length between 16 and 24)"]),
    ("CIDR public", [("10.40.0.0/16", "8.8.0.0/16")],
     ["FILE:8 network/create/cidr: 8.8.0.0/16 is not a private range (use a range inside 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16)"]),
    ("both vpc and create", [("network:\n", "network:\n  vpc_id: vpc-0abc12345\n")],
     ["FILE:6 network: both vpc_id and create are set (keep vpc_id to use a VPC, or create to make one)"]),
    ("existing VPC with one subnet", [("  create:\n    cidr: 10.40.0.0/16",
                                       "  vpc_id: vpc-0abc12345\n  public_subnet_ids: [subnet-0abc12345]\n"
                                       "  private_subnet_ids: [subnet-0abc12346, subnet-0abc12347]")],
     ["FILE:8 network/public_subnet_ids: 1 subnet(s) given, at least 2 are needed (list one subnet per availability zone, at least 2)"]),
    ("subnet id malformed", [("  create:\n    cidr: 10.40.0.0/16",
                              "  vpc_id: vpc-0abc12345\n  public_subnet_ids: [subnet-0abc12345, sn-1]\n"
                              "  private_subnet_ids: [subnet-0abc12346, subnet-0abc12347]")],
     ["FILE:8 network/public_subnet_ids/1: 'sn-1' is not a subnet id (for example subnet-0abc1234)"]),
    ("min greater than max", [("  min: 1", "  min: 3")],
     ["FILE:14 fleet/max: max 2 is less than min 3 (raise max or lower min)"]),
    ("desired outside range", [("  max: 2", "  max: 2\n  desired: 5")],
     ["FILE:15 fleet/desired: desired 5 is outside min 1 .. max 2 (choose a value between min and max)"]),
    ("number below minimum", [("  max: 2", "  max: 0")],
     ["FILE:14 fleet/max: 0 is too small, the minimum is 1 (use 1 or more)"]),
    ("number above maximum", [("  min: 1", "  min: 1\n  cpu_target: 95")],
     ["FILE:14 fleet/cpu_target: 95 is too large, the maximum is 90 (use 90 or less)"]),
    ("AMI id malformed", [("ami-0123456789abcdef0", "ami-XYZ")],
     ["FILE:11 image/base_ami/id: 'ami-XYZ' is not an AMI id (for example ami-0abc1234def567890)"]),
    ("AMI filter incomplete", [("    id: ami-0123456789abcdef0", "    owner: amazon")],
     ["FILE:10 image/base_ami: base AMI is incomplete: name is missing (give id, or both owner and name)"]),
    ("AMI id and filter", [("    id: ami-0123456789abcdef0", "    id: ami-0123456789abcdef0\n    owner: amazon")],
     ["FILE:10 image/base_ami: both id and owner/name are set (keep id, or owner + name)"]),
    ("provisioning script missing", [("    id: ami-0123456789abcdef0", "    id: ami-0123456789abcdef0\n  scripts: [nope.sh]")],
     ["FILE:12 image/scripts/0: 'nope.sh' does not exist (looked in DIR/nope.sh) (give a path relative to the config file)"]),
    ("no hosts nor paths", [("  hosts: [shop.example.com]", "  hosts: []")],
     ["FILE:15 routing: no hosts and no paths: the listener rule would match nothing (add hosts: [shop.example.com] or paths: [/shop/*])"]),
    ("too many rule values", [("  hosts: [shop.example.com]", "  hosts: [a.example.com, b.example.com, c.example.com]\n  paths: [/a, /b, /c]")],
     ["FILE:15 routing: 6 host and path values, an ALB rule takes at most 5 (use wildcards or fewer values)"]),
    ("four hosts in one condition", [("  hosts: [shop.example.com]", "  hosts: [a.example.com, b.example.com, c.example.com, d.example.com]")],
     ["FILE:16 routing/hosts: 4 hosts, an ALB rule condition takes at most 3 values (use a wildcard such as *.example.com, or fewer hosts)"]),
    ("four paths in one condition", [("  hosts: [shop.example.com]", "  hosts: [shop.example.com]\n  paths: [/a/*, /b/*, /c/*, /d/*]")],
     ["FILE:17 routing/paths: 4 paths, an ALB rule condition takes at most 3 values (use a wildcard such as /shop/*, or fewer paths)"]),
    ("six wildcards in one rule", [("  hosts: [shop.example.com]", "  hosts: ['*.a.example', '*.b.example']\n  paths: ['/a/*/*', '/b/*/*']")],
     ["FILE:15 routing: 6 wildcards (* or ?) in hosts and paths, an ALB rule takes at most 5 (use fewer wildcards)"]),
    ("hosted zone without host names", [("  hosts: [shop.example.com]", "  paths: [/shop/*]\n  hosted_zone_id: Z0123456789ABC")],
     ["FILE:17 routing/hosted_zone_id: a hosted zone is given but no host names to create records for (add routing/hosts or routing/domain, or remove hosted_zone_id)"]),
    ("health check timeout not below interval", [("timeout_seconds: 5", "timeout_seconds: 15")],
     ["FILE:20 routing/health_check/timeout_seconds: timeout 15s is not shorter than interval 15s (make the timeout shorter than the interval)"]),
    ("health check matcher malformed", [("    path: /health", "    path: /health\n    matcher: ok")],
     ["FILE:19 routing/health_check/matcher: 'ok' is not HTTP codes: one, a range or a comma list (for example 200-299)"]),
    ("domain without certificate", [("  hosts: [shop.example.com]", "  hosts: [shop.example.com]\n  domain: shop.example.com")],
     ["FILE:15 routing/certificate_arn: a custom domain needs a certificate (add the ACM certificate ARN for the domain)"]),
    ("certificate in another region", [("  hosts: [shop.example.com]", "  hosts: [shop.example.com]\n  domain: shop.example.com\n"
                                        "  certificate_arn: arn:aws:acm:us-east-1:123456789012:certificate/abc-123")],
     ["FILE:18 routing/certificate_arn: the certificate is in us-east-1, the load balancer in eu-west-1 (use a certificate issued in eu-west-1)"]),
    ("database engine unknown", [("engine: postgres", "engine: oracle")],
     ["FILE:22 database/engine: 'oracle' is not one of 'postgres', 'mysql' or 'mariadb' (use one of the listed values)"]),
    ("database version unsupported", [('version: "16"', 'version: "9.6"')],
     ["FILE:23 database/version: postgres 9.6 is not a supported version (use a version of 12, 13, 14, 15, 16, 17)"]),
    ("database version unquoted number", [('version: "16"', 'version: 16.3')],
     ["FILE:23 database/version: expected text, got a number 16.3 (write text here)"]),
    ("two hyphens in a row break RDS identifiers", [("customer: shop", "customer: shop--eu")],
     ["FILE:1 customer: 'shop--eu' makes the database name 'vend-shop--eu-staging', and RDS identifiers may not contain two hyphens in a row (use single hyphens: shop-eu)"]),
    ("production without approvers", [("environment: staging", "environment: production")],
     ["FILE:24 pipeline/approvers: production requires approval but no approvers are listed (add approvers: [ops@example.com])"]),
    ("approver email malformed", [("    repository: shop", "    repository: shop\n  approvers: [ops.example.com]")],
     ["FILE:27 pipeline/approvers/0: 'ops.example.com' is not an email address (for example ops@example.com)"]),
    ("approval timeout beyond 7 days", [("    repository: shop", "    repository: shop\n  approval_timeout_hours: 200")],
     ["FILE:27 pipeline/approval_timeout_hours: 200 is too large, the maximum is 168 (use 168 or less)"]),
    ("reserved tag", [("region: eu-west-1", "region: eu-west-1\ntags:\n  ManagedBy: me")],
     ["FILE:5 tags/ManagedBy: tag 'ManagedBy' is set by vend itself (remove it)"]),
    ("aws: tag prefix", [("region: eu-west-1", "region: eu-west-1\ntags:\n  'aws:owner': me")],
     ["FILE:5 tags/aws:owner: 'aws:owner' is not an allowed tag key (aws: is reserved) (for example CostCenter)"]),
    ("deploy strategy unknown", [("    repository: shop", "    repository: shop\ndeploy:\n  strategy: canary")],
     ["FILE:28 deploy/strategy: 'canary' is not one of 'one-at-a-time', 'half-at-a-time' or 'all-at-once' (use one of the listed values)"]),
    ("several problems reported together", [("customer: shop", "customer: Shop"), ("  max: 2", "  max: two")],
     ["FILE:1 customer: 'Shop' is not lowercase letters, digits and hyphens, starting with a letter (for example acme)",
      "FILE:14 fleet/max: expected a whole number, got text 'two' (write a whole number here)"]),
    ("duplicate key", [("  max: 2", "  max: 2\n  max: 3")],
     ["FILE:15 fleet/max: duplicate key 'max' (first on line 14) (keep only one of them)"]),
    ("YAML syntax error", [("  hosts: [shop.example.com]", "  hosts: [shop.example.com")],
     ["FILE:17 (file): YAML syntax error: expected ',' or ']', but got ':' (fix the indentation or quoting near this line)"]),
    ("not a mapping", [(MINIMAL, "- just\n- a list\n")],
     ["FILE:1 (top level): the file must be a mapping of config keys (start with customer:, environment:, region: ...)"]),
]


def _apply(edits):
    text = MINIMAL
    for old, new in edits:
        assert old in text, f"edit target not in minimal.yaml: {old!r}"
        text = text.replace(old, new, 1)
    return text


def test_the_table_is_large_enough():
    assert len(CASES) >= 25
    assert len({name for name, _, _ in CASES}) == len(CASES)


@pytest.mark.parametrize("name,edits,expected", CASES, ids=[c[0] for c in CASES])
def test_bad_config_message(tmp_path: Path, name, edits, expected):
    """Each bad config is refused with messages naming the file, the line, the path inside it and the fix."""
    path = tmp_path / "shop-staging.yaml"
    path.write_text(_apply(edits))
    with pytest.raises(SourceError) as caught:
        load_config(path)
    lines = [str(p).replace(str(path), "FILE").replace(str(tmp_path), "DIR") for p in caught.value.problems]
    assert lines == expected


def test_minimal_config_is_valid(tmp_path: Path):
    path = tmp_path / "shop-staging.yaml"
    path.write_text(MINIMAL)
    assert load_config(path).config.slug == "shop-staging"
