"""Listener rule placement on the shared ALBs: pure, exact plans and exact error strings."""
from pathlib import Path

import pytest

from vendor.config.loader import load_config
from vendor.plan.priority import (
    ObservedRule,
    PriorityPlanError,
    RulePlan,
    SharedLoadBalancer,
    WantedRule,
    BANDS,
    free_priority,
    plan_rule,
    start_priority,
    wanted_rule,
)

CONFIGS = Path(__file__).resolve().parents[2] / "configs"
ARN = "arn:aws:elasticloadbalancing:eu-west-1:123456789012"
TG = f"{ARN}:targetgroup/vend-acme-production/1"
ACME_START = 13659  # start_priority("acme", "production", BANDS[0]): WANTED has hosts and paths


def https(lb: str) -> str:
    return f"{ARN}:listener/app/{lb}/1/443"


def http(lb: str) -> str:
    return f"{ARN}:listener/app/{lb}/1/80"


def rule(priority, *, hosts=(), paths=(), owner=None, listener=None, tg=TG, lb="vend-shared-1", managed=True):
    tags = ()
    if owner:
        tags = (("Customer", owner[0]), ("Environment", owner[1])) + ((("ManagedBy", "vend"),) if managed else ())
    return ObservedRule(listener or https(lb), f"{ARN}:listener-rule/app/{lb}/1/443/r{priority}", priority,
                        tuple(hosts), tuple(paths), tags, (tg,))


def lb(name="vend-shared-1", *rules):
    return SharedLoadBalancer(name, https(name), tuple(rules))


def filler(name, count, *, start=1, listener=None):
    """`count` unmanaged rules with distinct hosts, priorities start.. on the load balancer."""
    return [rule(start + i, hosts=[f"other{i}.{name}.example"], lb=name, listener=listener) for i in range(count)]


WANTED = WantedRule("acme", "production", ("shop.acme.example",), ("/*",), TG)


def test_start_priority_is_a_stable_hash_in_the_band():
    assert [b.name for b in BANDS] == ["host+path", "host-only", "path-only"]
    assert [(b.low, b.high) for b in BANDS] == [(1, 16666), (16667, 33333), (33334, 50000)]
    assert start_priority("acme", "production", BANDS[0]) == ACME_START
    assert start_priority("acme", "staging", BANDS[1]) == 32982
    assert start_priority("globex", "development", BANDS[2]) == 49282


def test_free_priority_probes_upward_and_wraps_inside_the_band():
    assert free_priority({5, 6}, 5) == 7
    assert free_priority({50000, 1, 2}, 50000) == 3
    assert free_priority(set(), 1) == 1
    assert free_priority(set(range(1, 50001)), 10) is None
    assert free_priority({16666, 1}, 16666, BANDS[0]) == 2
    assert free_priority({33333, 16667}, 33333, BANDS[1]) == 16668
    assert free_priority(set(range(16667, 33334)), 20000, BANDS[1]) is None


def test_new_rule_gets_the_hashed_priority():
    assert plan_rule(WANTED, [lb()]) == RulePlan("create", "vend-shared-1", https("vend-shared-1"), ACME_START)


def test_rules_without_tags_are_occupied():
    observed = lb("vend-shared-1", rule(ACME_START, hosts=["a.example"]), rule(ACME_START + 1, hosts=["b.example"], paths=["/b/*"]))
    plan = plan_rule(WANTED, [observed])
    assert (plan.action, plan.priority) == ("create", ACME_START + 2)


def test_priority_in_use_answers_are_avoided_on_that_listener_only():
    avoid = {(https("vend-shared-1"), ACME_START), (https("vend-shared-2"), ACME_START + 1)}
    assert plan_rule(WANTED, [lb()], avoid=avoid).priority == ACME_START + 1


def test_same_priority_on_another_listener_does_not_block():
    observed = lb("vend-shared-1", rule(ACME_START, hosts=["a.example"], listener=http("vend-shared-1")))
    assert plan_rule(WANTED, [observed]).priority == ACME_START


def test_reapply_keeps_the_existing_rule_and_priority():
    existing = rule(7, hosts=["shop.acme.example"], paths=["/*"], owner=("acme", "production"))
    plan = plan_rule(WANTED, [lb("vend-shared-1", existing)])
    assert plan == RulePlan("keep", "vend-shared-1", https("vend-shared-1"), 7, existing.rule_arn)
    assert plan.describe() == "keep rule at priority 7 on vend-shared-1"


def test_host_case_and_order_do_not_count_as_a_change():
    existing = rule(20007, hosts=["B.example", "a.example"], owner=("acme", "production"))
    wanted = WantedRule("acme", "production", ("a.example", "b.example"), (), TG)
    assert plan_rule(wanted, [lb("vend-shared-1", existing)]).action == "keep"


def test_changed_conditions_modify_at_the_same_priority():
    existing = rule(7, hosts=["old.acme.example"], owner=("acme", "production"))
    plan = plan_rule(WANTED, [lb("vend-shared-1", existing)])
    assert plan == RulePlan("modify", "vend-shared-1", https("vend-shared-1"), 7, existing.rule_arn)
    assert plan.describe() == "modify conditions of rule at priority 7 on vend-shared-1"


def test_changed_target_group_modifies_at_the_same_priority():
    existing = rule(7, hosts=["shop.acme.example"], paths=["/*"], owner=("acme", "production"), tg=TG + "-old")
    assert plan_rule(WANTED, [lb("vend-shared-1", existing)]).action == "modify"
    no_target = WantedRule("acme", "production", WANTED.hosts, WANTED.paths)  # target not compared
    assert plan_rule(no_target, [lb("vend-shared-1", existing)]).action == "keep"


def test_existing_rule_is_found_by_tags_on_a_later_load_balancer():
    existing = rule(12, hosts=["shop.acme.example"], paths=["/*"], owner=("acme", "production"), lb="vend-shared-2")
    plan = plan_rule(WANTED, [lb("vend-shared-1"), lb("vend-shared-2", existing)])
    assert (plan.action, plan.load_balancer, plan.priority) == ("keep", "vend-shared-2", 12)


def test_existing_rule_keeps_its_place_on_a_full_load_balancer():
    existing = rule(500, hosts=["shop.acme.example"], paths=["/*"], owner=("acme", "production"))
    observed = lb("vend-shared-1", existing, *filler("vend-shared-1", 99, start=16667))
    plan = plan_rule(WantedRule("acme", "production", ("new.acme.example",), ("/*",), TG), [observed])
    assert (plan.action, plan.priority) == ("modify", 500)


def test_other_environment_of_the_same_customer_is_not_ours():
    staging = rule(7, hosts=["staging.acme.example"], owner=("acme", "staging"))
    plan = plan_rule(WANTED, [lb("vend-shared-1", staging)])
    assert (plan.action, plan.priority) == ("create", ACME_START)


def test_load_balancer_with_99_rules_still_takes_one():
    plan = plan_rule(WANTED, [lb("vend-shared-1", *filler("vend-shared-1", 99)), lb("vend-shared-2")])
    assert (plan.action, plan.load_balancer) == ("create", "vend-shared-1")


def test_quota_counts_every_listener_and_spills_to_the_next_load_balancer():
    rules = filler("vend-shared-1", 60) + filler("vend-shared-1", 40, start=61, listener=http("vend-shared-1"))
    plan = plan_rule(WANTED, [lb("vend-shared-1", *rules), lb("vend-shared-2")])
    assert plan == RulePlan("create", "vend-shared-2", https("vend-shared-2"), ACME_START)


def test_all_load_balancers_full_is_refused():
    lbs = [lb("vend-shared-1", *filler("vend-shared-1", 100)), lb("vend-shared-2", *filler("vend-shared-2", 101))]
    with pytest.raises(PriorityPlanError) as e:
        plan_rule(WANTED, lbs)
    assert str(e.value) == (
        "no room for the listener rule of customer acme environment production: vend-shared-1 has 100 of 100 "
        "rules, vend-shared-2 has 101 of 100 rules; add another load balancer to routing/shared_load_balancers")


def test_no_load_balancers_is_refused():
    with pytest.raises(PriorityPlanError) as e:
        plan_rule(WANTED, [])
    assert str(e.value) == ("routing/shared_load_balancers is empty; "
                            "add another load balancer to routing/shared_load_balancers")


def test_no_conditions_is_refused():
    with pytest.raises(PriorityPlanError) as e:
        plan_rule(WantedRule("acme", "production", (), ()), [lb()])
    assert str(e.value) == ("routing: no hosts and no paths, the listener rule would match nothing; "
                            "add routing/hosts or routing/paths")


def test_two_rules_of_one_environment_are_refused():
    a = rule(7, hosts=["shop.acme.example"], owner=("acme", "production"))
    b = rule(9, hosts=["shop.acme.example"], owner=("acme", "production"), lb="vend-shared-2")
    with pytest.raises(PriorityPlanError) as e:
        plan_rule(WANTED, [lb("vend-shared-1", a), lb("vend-shared-2", b)])
    assert str(e.value) == (
        f"customer acme environment production has 2 vend listener rules: priority 7 on vend-shared-1 "
        f"({a.rule_arn}), priority 9 on vend-shared-2 ({b.rule_arn}); delete all but one of them, then apply again")


OVERLAP_FIX = "change routing/hosts or routing/paths so no request matches both rules"


@pytest.mark.parametrize("theirs, wanted_hosts, wanted_paths, message", [
    (rule(40, hosts=["shop.acme.example"], owner=("globex", "staging")), ["shop.acme.example"], ["/*"],
     "routing: hosts shop.acme.example with paths /* overlap the rule of customer globex environment staging "
     "(hosts shop.acme.example) at priority 40 on vend-shared-1; " + OVERLAP_FIX),
    (rule(41, hosts=["SHOP.acme.example"], paths=["/api/*"], owner=("globex", "staging")), ["shop.acme.example"],
     ["/api/*", "/admin"],
     "routing: hosts shop.acme.example with paths /api/*, /admin overlap the rule of customer globex environment "
     "staging (hosts SHOP.acme.example with paths /api/*) at priority 41 on vend-shared-1; " + OVERLAP_FIX),
    (rule(42, paths=["/shop/*"], owner=("globex", "development")), [], ["/shop/*"],
     "routing: paths /shop/* overlap the rule of customer globex environment development (paths /shop/*) "
     "at priority 42 on vend-shared-1; " + OVERLAP_FIX),
    (rule(43, hosts=["*.acme.example"], owner=("globex", "staging")), ["shop.acme.example"], [],
     "routing: hosts shop.acme.example overlap the rule of customer globex environment staging "
     "(hosts *.acme.example) at priority 43 on vend-shared-1; " + OVERLAP_FIX),
    (rule(44, hosts=["shop.acme.example"]), ["shop.acme.example"], ["/*"],
     "routing: hosts shop.acme.example with paths /* overlap a rule vend does not manage "
     f"({ARN}:listener-rule/app/vend-shared-1/1/443/r44) (hosts shop.acme.example) at priority 44 on "
     "vend-shared-1; " + OVERLAP_FIX),
    # tagged like ours but without ManagedBy=vend: not adopted, and in the way
    (rule(45, hosts=["shop.acme.example"], owner=("acme", "production"), managed=False), ["shop.acme.example"], [],
     "routing: hosts shop.acme.example overlap a rule vend does not manage "
     f"({ARN}:listener-rule/app/vend-shared-1/1/443/r45) (hosts shop.acme.example) at priority 45 on "
     "vend-shared-1; " + OVERLAP_FIX),
])
def test_overlap_with_another_rule_is_refused(theirs, wanted_hosts, wanted_paths, message):
    wanted = WantedRule("acme", "production", tuple(wanted_hosts), tuple(wanted_paths), TG)
    with pytest.raises(PriorityPlanError) as e:
        plan_rule(wanted, [lb("vend-shared-1", theirs)])
    assert str(e.value) == message


def test_overlap_is_refused_for_an_existing_rule_too():
    ours = rule(7, hosts=["old.acme.example"], owner=("acme", "production"))
    theirs = rule(8, hosts=["shop.acme.example"], owner=("globex", "staging"))
    with pytest.raises(PriorityPlanError, match="overlap the rule of customer globex environment staging"):
        plan_rule(WANTED, [lb("vend-shared-1", ours, theirs)])


@pytest.mark.parametrize("theirs", [
    rule(40, hosts=["shop.acme.example"], paths=["/blog/*"], owner=("globex", "staging")),  # disjoint paths
    rule(41, hosts=["other.example"], owner=("globex", "staging")),  # other host
    rule(40042, paths=["/*"], owner=("globex", "staging")),  # path-only rule in its band: the host rule comes first
    rule(43, hosts=["shop.acme.example"], listener=http("vend-shared-1"), owner=("globex", "staging")),
])
def test_rules_that_cannot_match_the_same_request_on_the_listener_are_fine(theirs):
    wanted = WantedRule("acme", "production", ("shop.acme.example",), ("/shop/*",), TG)
    assert plan_rule(wanted, [lb("vend-shared-1", theirs)]).action == "create"


def test_wanted_rule_from_a_config():
    config = load_config(CONFIGS / "acme-production.yaml").config
    assert wanted_rule(config, TG) == WantedRule("acme", "production", ("shop.acme.example",), ("/*",), TG,
                                                 config.routing.certificate_arn)


# --- issue 14: specificity bands ---------------------------------------------------------------

from vendor.plan.alb_match import route  # noqa: E402

ACME_HOST = "staging.shop.acme.example"
ACME_STAGING = WantedRule("acme", "staging", (ACME_HOST,), (), TG + "-acme")
UMBRELLA = WantedRule("umbrella", "staging", (), ("/umbrella/*",), TG + "-umbrella")
INITECH = WantedRule("initech", "staging", ("shop.initech.example",), ("/umbrella/*", "/app/*"), TG + "-initech")


def _place(*wanted: WantedRule) -> list[ObservedRule]:
    """Plan and 'create' each rule in turn on one load balancer, as successive applies would."""
    placed = []
    for w in wanted:
        plan = plan_rule(w, [lb("vend-shared-1", *placed)])
        placed.append(rule(plan.priority, hosts=w.hosts, paths=w.paths, owner=(w.customer, w.environment),
                           tg=w.target_group_arn))
    return placed


@pytest.mark.parametrize("order", [(ACME_STAGING, UMBRELLA), (UMBRELLA, ACME_STAGING)])
def test_a_host_only_rule_takes_its_hosts_requests_before_a_path_only_rule(order):
    placed = _place(*order)
    owner = lambda host, path: route(placed, host, path).owner  # noqa: E731
    assert owner("staging.shop.acme.example", "/umbrella/") == ("acme", "staging")
    assert owner("staging.shop.acme.example", "/") == ("acme", "staging")
    assert owner("umbrella.example", "/umbrella/x") == ("umbrella", "staging")


def test_bands_order_host_and_path_before_host_before_path():
    placed = _place(UMBRELLA, ACME_STAGING, INITECH)
    assert [(r.owner[0], r.priority) for r in placed] == [("umbrella", 35043), ("acme", 32982), ("initech", 13650)]
    owner = lambda host, path: route(placed, host, path).owner[0]  # noqa: E731
    assert owner("shop.initech.example", "/umbrella/a") == "initech"  # host and path beat the path alone
    assert owner("staging.shop.acme.example", "/umbrella/a") == "acme"
    assert owner("x.example", "/umbrella/a") == "umbrella"
    assert route(placed, "shop.initech.example", "/other") is None  # the listener's default


def test_a_host_and_path_rule_on_another_customers_host_is_refused():
    placed = _place(ACME_STAGING)
    thief = WantedRule("initech", "staging", ("staging.shop.acme.example",), ("/initech/*",), TG)
    with pytest.raises(PriorityPlanError) as e:
        plan_rule(thief, [lb("vend-shared-1", *placed)])
    assert str(e.value) == (
        "routing: hosts staging.shop.acme.example with paths /initech/* overlap the rule of customer acme environment "
        "staging (hosts staging.shop.acme.example) at priority 32982 on vend-shared-1; " + OVERLAP_FIX)


def test_a_path_only_rule_behind_a_host_rule_in_the_wrong_band_is_refused_with_the_fix():
    """acme's rule from before the bands sits at 39997 (the old hash): a path-only rule in its band
    would come first for acme's host, so it waits until acme's apply has moved its rule."""
    old = rule(39997, hosts=["staging.shop.acme.example"], owner=("acme", "staging"))
    with pytest.raises(PriorityPlanError) as e:
        plan_rule(UMBRELLA, [lb("vend-shared-1", old)])
    assert str(e.value) == (
        "routing: paths /umbrella/* at priority 35043 and the rule of customer acme environment staging (hosts "
        "staging.shop.acme.example) at priority 39997 on vend-shared-1 match the same requests and the path-only rule "
        "would come first, taking the host's requests; apply customer acme environment staging first, which moves "
        "its rule into the host-only band (16667..33333)")


def test_a_rule_in_the_wrong_band_is_moved_into_its_band():
    old = rule(39997, hosts=["staging.shop.acme.example"], owner=("acme", "staging"), tg=ACME_STAGING.target_group_arn)
    plan = plan_rule(ACME_STAGING, [lb("vend-shared-1", old)])
    assert plan == RulePlan("keep", "vend-shared-1", https("vend-shared-1"), 32982, old.rule_arn, moved_from=39997)
    assert plan.describe() == "move rule from priority 39997 (path-only band) to priority 32982 on vend-shared-1"
    narrower = WantedRule("acme", "staging", ("staging.shop.acme.example",), ("/shop/*",), ACME_STAGING.target_group_arn)
    plan = plan_rule(narrower, [lb("vend-shared-1", old)])
    assert (plan.action, plan.priority, plan.moved_from) == ("modify", 13285, 39997)
    assert plan.describe() == ("modify conditions of rule and move it from priority 39997 (path-only band) to "
                               "priority 13285 on vend-shared-1")


def test_a_rule_in_its_band_never_moves():
    placed = rule(17000, hosts=["staging.shop.acme.example"], owner=("acme", "staging"), tg=ACME_STAGING.target_group_arn)
    assert plan_rule(ACME_STAGING, [lb("vend-shared-1", placed)]).priority == 17000


CERT = "arn:aws:acm:eu-west-1:123456789012:certificate/"


def test_a_certificate_is_attached_with_the_rule_and_spills_with_it_to_the_next_load_balancer():
    wanted = WantedRule("acme", "staging", ("staging.shop.acme.example",), (), TG, CERT + "acme")
    plan = plan_rule(wanted, [lb("vend-shared-1")])
    assert (plan.action, plan.load_balancer, plan.certificate) == ("create", "vend-shared-1", CERT + "acme")
    assert plan.describe() == f"create rule at priority 32982 on vend-shared-1, attach certificate {CERT}acme"
    full = SharedLoadBalancer("vend-shared-1", https("vend-shared-1"), (), tuple(f"{CERT}{i}" for i in range(25)))
    plan = plan_rule(wanted, [full, lb("vend-shared-2")])
    assert (plan.load_balancer, plan.certificate) == ("vend-shared-2", CERT + "acme")
    assert plan_rule(ACME_STAGING, [full]).load_balancer == "vend-shared-1"  # no certificate: room for the rule
    with pytest.raises(PriorityPlanError) as e:
        plan_rule(wanted, [full])
    assert str(e.value) == ("no room for the listener rule of customer acme environment staging: vend-shared-1 has "
                            "0 of 100 rules and 25 of 25 certificates; add another load balancer to "
                            "routing/shared_load_balancers")


def test_an_attached_certificate_is_not_attached_again():
    wanted = WantedRule("acme", "staging", ("staging.shop.acme.example",), (), TG, CERT + "acme")
    existing = rule(17000, hosts=wanted.hosts, owner=("acme", "staging"))
    attached = SharedLoadBalancer("vend-shared-1", https("vend-shared-1"), (existing,), (CERT + "acme",))
    assert plan_rule(wanted, [attached]).certificate is None
    bare = SharedLoadBalancer("vend-shared-1", https("vend-shared-1"), (existing,))
    assert plan_rule(wanted, [bare]).certificate == CERT + "acme"  # found missing: attached again


def test_two_rules_in_the_wrong_bands_do_not_wait_for_each_other():
    """Before the bands: umbrella's path-only rule at 11574 comes before acme's host-only rule at
    39997. Either may apply first; each moves into its band, and after both the order is right."""
    acme_old = rule(39997, hosts=[ACME_HOST], owner=("acme", "staging"), tg=ACME_STAGING.target_group_arn)
    umbrella_old = rule(11574, paths=["/umbrella/*"], owner=("umbrella", "staging"), tg=UMBRELLA.target_group_arn)
    first = plan_rule(ACME_STAGING, [lb("vend-shared-1", acme_old, umbrella_old)])
    assert (first.priority, first.moved_from) == (32982, 39997)
    second = plan_rule(UMBRELLA, [lb("vend-shared-1", acme_old, umbrella_old)])
    assert (second.priority, second.moved_from) == (35043, 11574)


def test_a_move_that_would_put_a_host_rule_behind_a_path_only_rule_is_refused():
    acme_old = rule(5000, hosts=[ACME_HOST], owner=("acme", "staging"), tg=ACME_STAGING.target_group_arn)
    stray = rule(20000, paths=["/umbrella/*"])  # unmanaged, in the host-only band
    with pytest.raises(PriorityPlanError, match=r"move that rule into the path-only band \(33334..50000\)$"):
        plan_rule(ACME_STAGING, [lb("vend-shared-1", acme_old, stray)])
