"""ALB rule matching: host case-insensitive with wildcards, path case-sensitive, priority order."""
from __future__ import annotations

from dataclasses import dataclass

from vendor.plan.alb_match import route, rule_matches


@dataclass(frozen=True)
class R:
    priority: int
    hosts: tuple = ()
    paths: tuple = ()


def test_host_and_path_conditions():
    assert rule_matches(("shop.example.com",), (), "SHOP.example.com:8080", "/")
    assert rule_matches(("*.example.com",), ("/api/*",), "a.example.com", "/api/x")
    assert not rule_matches(("*.example.com",), ("/api/*",), "a.example.com", "/API/x")
    assert rule_matches((), ("/img/???.png",), "any", "/img/abc.png")
    assert not rule_matches(("a.example.com",), (), "b.example.com", "/")


def test_lowest_priority_number_wins_and_query_is_ignored():
    rules = [R(20, ("*.example.com",)), R(5, ("shop.example.com",), ("/cart*",)), R(30, (), ("/*",))]
    assert route(rules, "shop.example.com", "/cart?id=1").priority == 5
    assert route(rules, "shop.example.com", "/").priority == 20
    assert route(rules, "other.test", "/x").priority == 30
    assert route([R(1, ("a.test",))], "b.test", "/") is None
