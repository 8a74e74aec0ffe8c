"""The vending benchmark's and the fault run's pure parts (no benchmark or fault test runs here)."""
from collections import Counter
from types import SimpleNamespace

from tests.bench.faults import FaultRun, outcome, proves, selected
from tests.bench.vending import Apply, cumulative, customer_configs, growth_notes, shared_load_balancers
from vendor.config.loader import load_config


def test_500_customers_need_five_shared_load_balancers():
    assert shared_load_balancers(1) == ["vend-bench-1"]
    assert shared_load_balancers(100) == ["vend-bench-1"]
    assert shared_load_balancers(500) == [f"vend-bench-{i}" for i in range(1, 6)]


def test_customer_configs_are_valid_environments_on_the_shared_albs_in_the_given_vpc(tmp_path):
    network = {"vpc-0a1b2c3d4e5f60718": "vpc-0123456789abcdef0", "subnet-0aa11bb22cc33dd44": "subnet-0123456789abcdef0"}
    paths = customer_configs(tmp_path, 101, network)
    first, last = load_config(paths[0]).config, load_config(paths[-1]).config
    assert (first.customer, last.customer) == ("c0001", "c0101")
    assert first.routing.shared_load_balancers == ["vend-bench-1", "vend-bench-2"]
    assert last.routing.hosts == ["staging.shop.c0101.example"]
    assert first.network.vpc_id == "vpc-0123456789abcdef0"
    assert first.network.public_subnet_ids[0] == "subnet-0123456789abcdef0"


def _apply(customer, wall, creates, describes, cold=False):
    return Apply(customer, wall, Counter({"elbv2:CreateRule": creates, "elbv2:DescribeTags": describes}), 1, cold)


def test_cumulative_cost_and_growth_notes():
    applies = [_apply(n, 1.0 if n < 11 else 2.0, 1, n // 20, cold=n == 1) for n in range(1, 13)]
    total = cumulative(applies)
    assert (total["api_calls"], total["mutating"], total["elbv2_calls"]) == (12, 12, 12)
    assert (total["wall_per_customer_s"], total["cold_applies"]) == (round(14 / 12, 3), 1)
    calls, wall = growth_notes(applies)
    assert calls == "vending: API calls to vend one more customer: #2 1, #12 1 (most: #2 1); from #2 to #12 the calls are flat."
    assert wall.endswith("customers 2-11 1.10 s, customers 2-11 1.10 s.")
    applies.append(_apply(13, 2.0, 1, 3))
    assert "the calls are growing: elbv2:DescribeTags +3." in growth_notes(applies)[0]


def _item(nodeid, doc=None, marked=False):
    def obj():
        pass

    obj.__doc__ = doc
    return SimpleNamespace(nodeid=nodeid, name=nodeid.rsplit("::", 1)[1], obj=obj,
                           get_closest_marker=lambda name: name if marked else None)


def test_fault_tests_are_the_marked_ones_and_the_listed_quick_ones():
    assert selected("tests/cli/test_apply_faults.py::test_x", marked=True)
    assert selected("tests/ssh/test_faults.py::test_a_stopped_host_refuses_fast_with_a_clear_error", marked=False)
    assert selected("tests/config/test_hostile_input.py::test_hostile_value[semicolon]", marked=False)
    assert not selected("tests/ssh/test_faults_other.py::test_y", marked=False)
    assert not selected("tests/ssh/test_run.py::test_exit_codes", marked=False)


def test_what_a_test_proves_is_its_first_sentence_or_its_name():
    doc = """Endpoint restarted mid-apply: one error line.

    More detail. Even more."""
    assert proves(_item("t.py::test_a", doc)) == "Endpoint restarted mid-apply: one error line."
    assert proves(_item("t.py::test_a_host_dying_mid_command")) == "a host dying mid command"


def test_the_fault_run_keeps_only_fault_tests_and_records_each_outcome():
    run, deselected = FaultRun(), []
    items = [_item("tests/x.py::test_slow", "Slow one. Detail.", marked=True), _item("tests/x.py::test_other")]
    config = SimpleNamespace(hook=SimpleNamespace(pytest_deselected=lambda items: deselected.extend(items)))
    run.pytest_collection_modifyitems(config, items)
    assert [i.nodeid for i in items] == ["tests/x.py::test_slow"] and len(deselected) == 1

    def report(when, outcome, duration=1.0, longrepr=None, nodeid="tests/x.py::test_slow"):
        return SimpleNamespace(nodeid=nodeid, when=when, duration=duration, longrepr=longrepr,
                               skipped=outcome == "skipped", failed=outcome == "failed")

    for r in (report("setup", "passed"), report("call", "passed", 2.5), report("teardown", "passed")):
        run.pytest_runtest_logreport(r)
    assert run.rows == [{"benchmark": "faults", "test": "x.py::test_slow", "cases": 1, "slow": True,
                         "proves": "Slow one.", "result": "passed", "seconds": 4.5}]
    run.pytest_runtest_logreport(report("teardown", "failed"))
    assert run.rows[0]["result"] == "ERROR in teardown"
    run.cases["tests/x.py::test_slow"] = "not run"
    run.pytest_runtest_logreport(report("setup", "skipped", longrepr=("f", 1, "Skipped: needs root")))
    assert run.rows[0]["result"] == "skipped (needs root)"


def test_a_parametrized_fault_test_is_one_row_counting_its_cases():
    run = FaultRun()
    items = [_item(f"tests/config/test_hostile_input.py::test_hostile_value[{i}]") for i in range(3)]
    run.pytest_collection_modifyitems(SimpleNamespace(hook=SimpleNamespace(pytest_deselected=lambda items: None)), items)
    assert len(items) == 3
    for i, failed in enumerate((False, True, False)):
        run.pytest_runtest_logreport(SimpleNamespace(
            nodeid=f"tests/config/test_hostile_input.py::test_hostile_value[{i}]", when="call", duration=0.5,
            longrepr=None, skipped=False, failed=failed))
    [row] = run.rows
    assert (row["test"], row["cases"], row["seconds"]) == ("config/test_hostile_input.py::test_hostile_value", 3, 1.5)
    assert row["result"] == "FAILED (1 of 3 cases)"


def test_outcome_of_a_function_from_its_cases():
    assert outcome(["passed", "passed"]) == "passed"
    assert outcome(["skipped (needs root)"]) == "skipped (needs root)"
    assert outcome(["passed", "skipped (needs root)"]) == "passed (1), skipped (needs root)"
    assert outcome(["FAILED"]) == "FAILED"


def test_benchmarks_are_selected_by_name_in_the_order_given():
    from tests.bench.__main__ import BENCHMARKS, selected as by_name

    assert [b.NAME for b in by_name(["frontdoor", "rollout", "frontdoor"])[0]] == ["frontdoor", "rollout"]
    assert by_name([]) == (list(BENCHMARKS), None)
    assert [b.NAME for b in by_name(["fleet"])[0]] == ["fleet"]
    assert by_name(["fleets", "rollout", "nope"]) == ([], "scripts/bench: no benchmark named fleets, nope; choose from "
                                                         "render, vending, rollout, flow, frontdoor, fleet (or none for all)")
