"""Issue 14 end to end against the moto server: customers on one shared ALB, each request answered
by the customer AWS would send it to, through the sandbox's front door (the ALB's stand-in) and
checked against the rule order ELBv2 reports (describe_rules priorities).

acme-staging (its whole stack, applied): hosts only (staging.shop.acme.example), with its own
certificate (SNI); umbrella-staging: paths only (/umbrella/*); then initech-staging: host and path
(shop.initech.example with /umbrella/*, /app/*) (their target groups and rules only, placed by
the allocator an apply uses). umbrella's rule is hashed below acme's in the
old 1..50000 layout, so before the bands umbrella received acme's host's requests.
"""
from __future__ import annotations

import http.server
import re
import threading
import urllib.error
import urllib.request

import pytest

from tests.aws.conftest import CONFIGS, copy_config, load
from vendor.aws import executor
from vendor.aws.listener_rules import ensure_rule
from vendor.aws.frontdoor_routes import routes
from vendor.aws.stack_ops import load_stack
from vendor.plan.alb_match import route
from vendor.plan.priority import WantedRule, band_at
from vendor.sandbox.frontdoor import FrontDoor

ACME_HOST = "staging.shop.acme.example"
# acme-staging's database block: not needed here, and the test is faster without it
NO_DATABASE = re.search(r"^database:\n(  .*\n)+", (CONFIGS / "acme-staging.yaml").read_text(), re.M).group(0)


class Backends:
    """One tiny HTTP server per customer, answering its name; stands in for the customer's hosts."""

    def __init__(self):
        self.servers = {}

    def start(self, name: str) -> int:
        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                body = name.encode()
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        self.servers[name] = server
        return server.server_address[1]

    def stop(self):
        for server in self.servers.values():
            server.shutdown()
            server.server_close()


@pytest.fixture
def backends():
    b = Backends()
    yield b
    b.stop()


def _apply(cloud, path, shared_certificate: str):
    ctx = cloud.context()
    return executor.apply(ctx, load_stack(ctx, load(path), shared_certificate=shared_certificate).resources)


def _register(cloud, backends, customer: str) -> str:
    """One instance in the customer's target group, on the port of its backend; its id."""
    port = backends.start(customer)
    instance = cloud.client("ec2").run_instances(ImageId="ami-12c6146b", MinCount=1, MaxCount=1)["Instances"][0]
    elb = cloud.client("elbv2")
    tg = elb.describe_target_groups(Names=[f"vend-{customer}-staging"])["TargetGroups"][0]["TargetGroupArn"]
    elb.register_targets(TargetGroupArn=tg, Targets=[{"Id": instance["InstanceId"], "Port": port}])
    return instance["InstanceId"]


def _acme(cloud, tmp_path, ids: dict, certificate: str, zone: str, shared_certificate: str):
    """acme-staging.yaml applied as a whole stack, with its own certificate and hosted zone, without its database."""
    routing = (f"hosts: [{ACME_HOST}]\n  domain: {ACME_HOST}\n  certificate_arn: {certificate}\n"
               f"  hosted_zone_id: {zone}")
    path = copy_config("acme-staging.yaml", tmp_path, {f"hosts: [{ACME_HOST}]": routing, NO_DATABASE: "", **ids})
    cloud.bake("acme", "staging")
    _apply(cloud, path, shared_certificate)
    return path


def _rule_only(cloud, customer: str, vpc: str, hosts=(), paths=()) -> None:
    """Another customer's target group and listener rule, placed by the same allocator an apply uses
    (its whole stack would add nothing here but minutes)."""
    elb = cloud.client("elbv2")
    tg = elb.create_target_group(Name=f"vend-{customer}-staging", Protocol="HTTP", Port=80,
                                 VpcId=vpc)["TargetGroups"][0]["TargetGroupArn"]
    ensure_rule(elb, WantedRule(customer, "staging", tuple(hosts), tuple(paths), tg), ["vend-shared-1"])


def _get(door: FrontDoor, host: str, path: str) -> str:
    request = urllib.request.Request(door.url + path, headers={"Host": host})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.read().decode()
    except urllib.error.HTTPError as e:
        return f"{e.code} {e.read().decode().strip()}"


REQUESTS = [(ACME_HOST, "/"), (ACME_HOST, "/umbrella/"), (ACME_HOST, "/umbrella/cart?x=1"), (ACME_HOST, "/app/x"),
            ("umbrella.example", "/umbrella/"), ("vend-shared-1.elb.example", "/umbrella/a/b"),
            ("shop.initech.example", "/umbrella/"), ("shop.initech.example", "/app/login"),
            ("shop.initech.example", "/"), ("other.example", "/")]


def _rule_order(cloud) -> list[tuple[str, int]]:
    """(customer, priority) of the shared HTTPS listener's rules, in ELBv2's evaluation order."""
    elb = cloud.client("elbv2")
    lb = elb.describe_load_balancers(Names=["vend-shared-1"])["LoadBalancers"][0]["LoadBalancerArn"]
    https = [l for l in elb.describe_listeners(LoadBalancerArn=lb)["Listeners"] if l["Port"] == 443][0]
    rules = [r for r in elb.describe_rules(ListenerArn=https["ListenerArn"])["Rules"] if not r["IsDefault"]]
    tags = {d["ResourceArn"]: {t["Key"]: t["Value"] for t in d["Tags"]}
            for d in elb.describe_tags(ResourceArns=[r["RuleArn"] for r in rules])["TagDescriptions"]}
    return sorted(((tags[r["RuleArn"]]["Customer"], int(r["Priority"])) for r in rules), key=lambda x: x[1])


def test_tenants_of_one_shared_alb_get_exactly_their_requests(cloud, tmp_path, backends):
    ids = cloud.existing_network()
    shared = cloud.certificate("*.example.com")  # given, not tagged: other tests of the session tag their own
    acme_cert = cloud.certificate(ACME_HOST)
    vpc = ids["vpc-0a1b2c3d4e5f60718"]
    route53 = cloud.client("route53")
    zone = route53.create_hosted_zone(Name="shop.acme.example", CallerReference="acme")["HostedZone"]["Id"].split("/")[-1]
    acme = _acme(cloud, tmp_path, ids, acme_cert, zone, shared)
    _rule_only(cloud, "umbrella", vpc, paths=["/umbrella/*"])
    addresses = {_register(cloud, backends, c): "127.0.0.1" for c in ("acme", "umbrella")}
    elb = cloud.client("elbv2")
    door = FrontDoor(lambda: routes(elb, addresses.get), refresh=0).start()
    try:
        answers = {request: _get(door, *request) for request in REQUESTS}
        assert answers == {
            (ACME_HOST, "/"): "acme", (ACME_HOST, "/umbrella/"): "acme", (ACME_HOST, "/umbrella/cart?x=1"): "acme",
            (ACME_HOST, "/app/x"): "acme", ("umbrella.example", "/umbrella/"): "umbrella",
            ("vend-shared-1.elb.example", "/umbrella/a/b"): "umbrella",
            ("shop.initech.example", "/umbrella/"): "umbrella", ("shop.initech.example", "/app/login"): "503 host not found",
            ("shop.initech.example", "/"): "503 host not found", ("other.example", "/"): "503 host not found"}
        order = _rule_order(cloud)
        assert [(c, band_at(p).name) for c, p in order] == [("acme", "host-only"), ("umbrella", "path-only")]

        _rule_only(cloud, "initech", vpc, hosts=["shop.initech.example"], paths=["/umbrella/*", "/app/*"])
        addresses[_register(cloud, backends, "initech")] = "127.0.0.1"
        answers = {request: _get(door, *request) for request in REQUESTS}
        assert answers == {
            (ACME_HOST, "/"): "acme", (ACME_HOST, "/umbrella/"): "acme", (ACME_HOST, "/umbrella/cart?x=1"): "acme",
            (ACME_HOST, "/app/x"): "acme", ("umbrella.example", "/umbrella/"): "umbrella",
            ("vend-shared-1.elb.example", "/umbrella/a/b"): "umbrella",
            ("shop.initech.example", "/umbrella/"): "initech", ("shop.initech.example", "/app/login"): "initech",
            ("shop.initech.example", "/"): "503 host not found", ("other.example", "/"): "503 host not found"}
        order = _rule_order(cloud)
        assert [(c, band_at(p).name) for c, p in order] == [
            ("initech", "host+path"), ("acme", "host-only"), ("umbrella", "path-only")]
        # what AWS would do with ELBv2's order is what the front door did
        listed = [type("R", (), {"priority": p, "owner": c, **_conditions(elb, c)}) for c, p in order]
        for (host, path), answer in answers.items():
            first = route(listed, host, path)
            assert (first.owner if first else "503 host not found") == answer, (host, path)
    finally:
        door.stop()

    # acme's certificate is served on the shared HTTPS listener (SNI), its host name is an alias of
    # the shared ALB in its hosted zone; both leave with acme
    https = _https(elb)
    assert _extra_certificates(elb, https) == [acme_cert]
    alb = elb.describe_load_balancers(Names=["vend-shared-1"])["LoadBalancers"][0]
    assert _records(route53, zone) == [(ACME_HOST + ".", alb["DNSName"])]
    ctx = cloud.context()
    executor.destroy(ctx, load_stack(ctx, load(acme), shared_certificate=shared).resources)
    assert _extra_certificates(elb, https) == []
    assert _records(route53, zone) == []
    for customer in ("umbrella", "initech"):
        tg = elb.describe_target_groups(Names=[f"vend-{customer}-staging"])["TargetGroups"][0]["TargetGroupArn"]
        for rule in elb.describe_rules(ListenerArn=https)["Rules"]:
            if not rule["IsDefault"] and rule["Actions"][0].get("TargetGroupArn") == tg:
                elb.delete_rule(RuleArn=rule["RuleArn"])
        elb.delete_target_group(TargetGroupArn=tg)
    cloud.delete_shared_alb()  # the session's moto server is shared: the next shared ALB stands in its own VPC


def _records(route53, zone: str) -> list[tuple[str, str]]:
    sets = route53.list_resource_record_sets(HostedZoneId=zone)["ResourceRecordSets"]
    return [(r["Name"], r["AliasTarget"]["DNSName"].rstrip(".")) for r in sets if r["Type"] == "A"]


def _conditions(elb, customer: str) -> dict:
    tg = elb.describe_target_groups(Names=[f"vend-{customer}-staging"])["TargetGroups"][0]["TargetGroupArn"]
    rule = [r for r in elb.describe_rules(ListenerArn=_https(elb))["Rules"]
            if r["Actions"] and r["Actions"][0].get("TargetGroupArn") == tg][0]
    values = {c["Field"]: c.get("HostHeaderConfig", c.get("PathPatternConfig", {})).get("Values", c.get("Values"))
              for c in rule["Conditions"]}
    return {"hosts": tuple(values.get("host-header") or ()), "paths": tuple(values.get("path-pattern") or ())}


def _https(elb) -> str:
    lb = elb.describe_load_balancers(Names=["vend-shared-1"])["LoadBalancers"][0]["LoadBalancerArn"]
    return [l for l in elb.describe_listeners(LoadBalancerArn=lb)["Listeners"] if l["Port"] == 443][0]["ListenerArn"]


def _extra_certificates(elb, listener: str) -> list[str]:
    return [c["CertificateArn"] for c in elb.describe_listener_certificates(ListenerArn=listener)["Certificates"]
            if not c["IsDefault"]]
