"""Listener rules on shared ALBs against moto: in-process for units, the moto server over HTTP for
concurrent applies."""
import threading

import boto3
import pytest
from moto import mock_aws
from moto.server import ThreadedMotoServer

from tests.aws.elb_helpers import CREDENTIALS, REGION, aws_env, clients, shared_alb, target_group  # noqa: F401  (aws_env: autouse fixture)
from vendor.aws.listener_rules import (ListenerRulesError, RuleResult, ensure_rule, read_rules, read_shared,
                                      release_certificate)
from vendor.plan import priority
from vendor.plan.priority import PriorityPlanError, WantedRule, start_priority

START = start_priority("acme", "production")


def raw_rule(elbv2, listener, priority, host):
    return elbv2.create_rule(ListenerArn=listener, Priority=priority,
                             Conditions=[{"Field": "host-header", "HostHeaderConfig": {"Values": [host]}}],
                             Actions=[{"Type": "fixed-response", "FixedResponseConfig": {"StatusCode": "503"}}])


def wanted(tg, hosts=("shop.acme.example",), paths=("/*",), customer="acme", environment="production"):
    return WantedRule(customer, environment, tuple(hosts), tuple(paths), tg)


class Recording:
    """An elbv2 client that records its calls; `before_create(priority)` runs before each create_rule."""

    def __init__(self, client, before_create=None):
        self.client, self.calls, self.before_create = client, [], before_create

    def __getattr__(self, name):
        attribute = getattr(self.client, name)
        if not callable(attribute) or name in ("get_paginator", "can_paginate"):
            return attribute

        def call(**kwargs):
            self.calls.append(name)
            if name == "create_rule" and self.before_create:
                self.before_create(kwargs["Priority"])
            return attribute(**kwargs)
        return call


@pytest.fixture
def aws():
    with mock_aws():
        c = clients()
        yield c, shared_alb(c, http=True)


def test_creates_the_rule_with_its_tags_in_one_call(aws):
    c, alb = aws
    elbv2 = Recording(c["elbv2"])
    result = ensure_rule(elbv2, wanted(alb["tg"]), ["vend-shared-1"], tags={"CostCenter": "42", "Customer": "evil"})
    assert result == RuleResult("created", "vend-shared-1", alb["https"], result.rule_arn, START, 1)
    assert result.describe() == f"created rule at priority {START} on vend-shared-1"
    assert [n for n in elbv2.calls if not n.startswith("describe")] == ["create_rule"]
    tags = c["elbv2"].describe_tags(ResourceArns=[result.rule_arn])["TagDescriptions"][0]["Tags"]
    assert {t["Key"]: t["Value"] for t in tags} == {"CostCenter": "42", "ManagedBy": "vend", "Customer": "acme",
                                                   "Environment": "production"}
    rule = c["elbv2"].describe_rules(RuleArns=[result.rule_arn])["Rules"][0]
    assert rule["Actions"][0]["TargetGroupArn"] == alb["tg"]


def test_reapply_is_unchanged_and_makes_no_mutating_call(aws):
    c, alb = aws
    first = ensure_rule(c["elbv2"], wanted(alb["tg"]), ["vend-shared-1"])
    again = ensure_rule(c["elbv2"], wanted(alb["tg"]), ["vend-shared-1"])
    assert (again.action, again.priority, again.rule_arn, again.mutating_calls) == (
        "unchanged", first.priority, first.rule_arn, 0)


def test_changed_conditions_and_target_are_modified_in_place(aws):
    c, alb = aws
    first = ensure_rule(c["elbv2"], wanted(alb["tg"]), ["vend-shared-1"])
    new_tg = target_group(c, "vend-acme-production-2", alb["vpc"])
    changed = ensure_rule(c["elbv2"], wanted(new_tg, hosts=["www.acme.example"], paths=["/shop/*"]), ["vend-shared-1"])
    assert (changed.action, changed.priority, changed.rule_arn, changed.mutating_calls) == (
        "modified", first.priority, first.rule_arn, 1)
    [observed] = read_rules(c["elbv2"], [alb["https"]])
    assert (observed.hosts, observed.paths, observed.target_group_arns, observed.priority) == (
        ("www.acme.example",), ("/shop/*",), (new_tg,), first.priority)


def test_a_rule_in_the_wrong_band_is_moved_with_set_rule_priorities(aws):
    c, alb = aws
    old = c["elbv2"].create_rule(  # acme's host-only rule as placed before the bands, in the path-only band
        ListenerArn=alb["https"], Priority=40000, Actions=[{"Type": "forward", "TargetGroupArn": alb["tg"]}],
        Conditions=[{"Field": "host-header", "HostHeaderConfig": {"Values": ["shop.acme.example"]}}],
        Tags=[{"Key": "ManagedBy", "Value": "vend"}, {"Key": "Customer", "Value": "acme"},
              {"Key": "Environment", "Value": "production"}])["Rules"][0]["RuleArn"]
    elbv2 = Recording(c["elbv2"])
    moved = ensure_rule(elbv2, wanted(alb["tg"], paths=()), ["vend-shared-1"])
    host_band = start_priority("acme", "production", priority.BANDS[1])
    assert (moved.action, moved.rule_arn, moved.priority, moved.moved_from) == ("moved", old, host_band, 40000)
    assert [n for n in elbv2.calls if not n.startswith("describe")] == ["set_rule_priorities"]
    assert moved.describe() == (f"moved rule at priority {host_band} on vend-shared-1 "
                                "(moved from priority 40000 in the path-only band)")
    assert read_rules(c["elbv2"], [alb["https"]])[0].priority == host_band
    assert ensure_rule(c["elbv2"], wanted(alb["tg"], paths=()), ["vend-shared-1"]).action == "unchanged"


CERT = "arn:aws:acm:eu-west-1:123456789012:certificate/0f0e0d0c-0b0a-0908-0706-050403020100"


def _sni(c, listener):
    found = c["elbv2"].describe_listener_certificates(ListenerArn=listener)["Certificates"]
    return [x["CertificateArn"] for x in found if not x["IsDefault"]]


def test_a_certificate_is_attached_with_the_rule_and_released_by_the_last_rule_naming_it(aws):
    c, alb = aws
    acme = WantedRule("acme", "production", ("shop.acme.example",), (), alb["tg"], CERT)
    created = ensure_rule(c["elbv2"], acme, ["vend-shared-1"])
    assert (created.action, created.certificate, _sni(c, alb["https"])) == ("created", CERT, [CERT])
    tags = c["elbv2"].describe_tags(ResourceArns=[created.rule_arn])["TagDescriptions"][0]["Tags"]
    assert {t["Key"]: t["Value"] for t in tags}["Certificate"] == CERT
    twin = WantedRule("acme", "staging", ("staging.acme.example",), (), alb["tg"], CERT)  # the same certificate
    other = ensure_rule(c["elbv2"], twin, ["vend-shared-1"])
    assert other.certificate is None and _sni(c, alb["https"]) == [CERT]  # attached once
    c["elbv2"].delete_rule(RuleArn=created.rule_arn)
    assert release_certificate(c["elbv2"], "vend-shared-1", CERT, leaving_rule=created.rule_arn) is False
    c["elbv2"].delete_rule(RuleArn=other.rule_arn)
    assert release_certificate(c["elbv2"], "vend-shared-1", CERT, leaving_rule=other.rule_arn) is True
    assert _sni(c, alb["https"]) == []


def test_priority_in_use_between_read_and_create_is_retried(aws):
    c, alb = aws
    stolen, pauses = [], []

    def steal(priority):  # another apply takes the priority after our read, before our create
        if not stolen:
            raw_rule(c["elbv2"], alb["https"], priority, "racer.example")
            stolen.append(priority)
    elbv2 = Recording(c["elbv2"], before_create=steal)
    result = ensure_rule(elbv2, wanted(alb["tg"]), ["vend-shared-1"], sleep=pauses.append)
    assert stolen == [START]
    assert (result.action, result.priority, result.conflicts, result.mutating_calls) == (
        "created", START + 1, (START,), 2)
    assert elbv2.calls.count("create_rule") == 2 and len(pauses) == 1 and 0.1 <= pauses[0] <= 0.3
    assert result.describe() == (f"created rule at priority {START + 1} on vend-shared-1 "
                                 f"(priority {START} was taken by a concurrent apply)")


def test_gives_up_after_max_attempts(aws):
    c, alb = aws
    elbv2 = Recording(c["elbv2"], before_create=lambda p: raw_rule(c["elbv2"], alb["https"], p, f"r{p}.example"))
    with pytest.raises(ListenerRulesError) as e:
        ensure_rule(elbv2, wanted(alb["tg"]), ["vend-shared-1"], max_attempts=3, sleep=lambda s: None)
    assert str(e.value) == (
        f"could not create the listener rule of customer acme environment production on vend-shared-1: "
        f"priorities {START}, {START + 1}, {START + 2} were taken by concurrent applies (3 times PriorityInUse); "
        "run apply again")


def test_overlap_with_another_environment_creates_nothing(aws):
    c, alb = aws
    ensure_rule(c["elbv2"], wanted(alb["tg"], customer="globex", environment="staging"), ["vend-shared-1"])
    elbv2 = Recording(c["elbv2"])
    with pytest.raises(PriorityPlanError, match="overlap the rule of customer globex environment staging"):
        ensure_rule(elbv2, wanted(alb["tg"]), ["vend-shared-1"])
    assert "create_rule" not in elbv2.calls


def test_quota_counts_all_listeners_and_spills_to_the_next_load_balancer(aws):
    c, alb = aws
    for i in range(50):
        raw_rule(c["elbv2"], alb["https"], i + 1, f"a{i}.example")
        raw_rule(c["elbv2"], alb["http"], i + 1, f"b{i}.example")
    second = shared_alb(c, "vend-shared-2", cidr=2)
    # the target group in the second ALB's VPC: AWS (and the emulator) refuse forwarding across VPCs
    result = ensure_rule(c["elbv2"], wanted(second["tg"]), ["vend-shared-1", "vend-shared-2"])
    assert (result.action, result.load_balancer, result.listener_arn, result.priority) == (
        "created", "vend-shared-2", second["https"], START)


def test_reads_rules_and_tags_in_batches_of_20(aws):
    c, alb = aws
    forward = [{"Type": "forward", "ForwardConfig": {"TargetGroups": [{"TargetGroupArn": alb["tg"]}]}}]
    for i in range(25):
        c["elbv2"].create_rule(ListenerArn=alb["https"], Priority=i + 1, Actions=forward,
                               Conditions=[{"Field": "path-pattern", "Values": [f"/p{i}/*"]}],
                               Tags=[{"Key": "N", "Value": str(i)}])
    elbv2 = Recording(c["elbv2"])
    [shared] = read_shared(elbv2, ["vend-shared-1"])
    assert elbv2.calls.count("describe_tags") == 2
    assert len(shared.rules) == 25 and shared.https_listener_arn == alb["https"]
    by_priority = {r.priority: r for r in shared.rules}
    assert (by_priority[25].paths, by_priority[25].tags, by_priority[25].target_group_arns) == (
        ("/p24/*",), (("N", "24"),), (alb["tg"],))


def test_missing_load_balancer_is_named(aws):
    c, alb = aws
    with pytest.raises(ListenerRulesError) as e:
        ensure_rule(c["elbv2"], wanted(alb["tg"]), ["vend-shared-1", "vend-shared-9"])
    assert str(e.value) == (
        "shared load balancer vend-shared-9 (routing/shared_load_balancers) does not exist in eu-west-1; "
        "create it with an HTTPS listener on port 443, or remove it from routing/shared_load_balancers")


def test_load_balancer_without_https_listener_is_named(aws):
    c, alb = aws
    shared_alb(c, "vend-plain", https=False, http=True, cidr=3)
    with pytest.raises(ListenerRulesError) as e:
        ensure_rule(c["elbv2"], wanted(alb["tg"]), ["vend-plain"])
    assert str(e.value) == ("shared load balancer vend-plain has no HTTPS listener on port 443; add one with a "
                            "certificate, or remove it from routing/shared_load_balancers")


# --- the moto server over HTTP: concurrent applies, each thread with its own client ---

@pytest.fixture(scope="module")
def moto_server():
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


def apply_concurrently(url, alb, count, **kwargs):
    """`count` environments applied at once, each thread with its own client (made here: client
    creation is slow and a boto3 session is not thread-safe)."""
    session = boto3.session.Session(region_name=REGION, **CREDENTIALS)
    own_clients = [session.client("elbv2", endpoint_url=url) for _ in range(count)]
    barrier, results, errors = threading.Barrier(count), {}, []

    def apply(i):
        barrier.wait()
        try:
            mine = wanted(alb["tg"], hosts=[f"c{i}.example"], customer=f"c{i:02d}")
            results[i] = ensure_rule(own_clients[i], mine, [alb["name"]], **kwargs)
        except Exception as error:  # reported by the assertion below
            errors.append(f"c{i:02d}: {error!r}")
    threads = [threading.Thread(target=apply, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return results, errors


def assert_all_created(url, alb, results, errors, count):
    assert errors == []
    assert sorted(r.action for r in results.values()) == ["created"] * count
    priorities = [r.priority for r in results.values()]
    assert len(set(priorities)) == count
    observed = read_rules(clients(url)["elbv2"], [alb["https"]])
    assert sorted(r.priority for r in observed) == sorted(priorities)
    assert sorted(r.owner for r in observed) == [(f"c{i:02d}", "production") for i in range(count)]
    return priorities


def test_twenty_concurrent_applies_get_distinct_priorities(moto_server):
    c = clients(moto_server)
    alb = shared_alb(c, "vend-race-hashed", cidr=20)
    results, errors = apply_concurrently(moto_server, alb, 20, backoff=0.01)
    assert_all_created(moto_server, alb, results, errors, 20)
    for i, result in results.items():  # spread starts: without a conflict each got its hashed priority
        assert result.conflicts or result.priority == start_priority(f"c{i:02d}", "production")


def test_twenty_concurrent_applies_racing_for_one_priority(moto_server, monkeypatch):
    """Every environment hashed to priority 1: they collide, retry, and still all get one."""
    monkeypatch.setattr(priority, "start_priority", lambda customer, environment, band: 1)
    c = clients(moto_server)
    alb = shared_alb(c, "vend-race-one", cidr=21)
    results, errors = apply_concurrently(moto_server, alb, 20, backoff=0.01, max_attempts=25)
    priorities = assert_all_created(moto_server, alb, results, errors, 20)
    assert sorted(priorities) == list(range(1, 21))
    assert sum(len(r.conflicts) for r in results.values()) > 0

