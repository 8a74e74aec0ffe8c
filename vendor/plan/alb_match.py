"""How an ALB matches a request to listener rules. Pure.

Host-header values match case-insensitively, path patterns case-sensitively; `*` matches any run
of characters and `?` one. Rules are tried in priority order (lowest number first); a rule
matches when every condition it has matches; no match falls to the listener's default action.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from functools import lru_cache


@lru_cache(maxsize=1024)
def _regex(pattern: str, fold: bool) -> re.Pattern:
    body = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile(body, re.IGNORECASE if fold else 0)


def pattern_matches(value: str, pattern: str, *, fold: bool) -> bool:
    return _regex(pattern, fold).fullmatch(value) is not None


def rule_matches(hosts: Sequence[str], paths: Sequence[str], host: str, path: str) -> bool:
    host = host.split(":", 1)[0]
    if hosts and not any(pattern_matches(host, h, fold=True) for h in hosts):
        return False
    return not paths or any(pattern_matches(path, p, fold=False) for p in paths)


def route(rules: Iterable, host: str, path: str):
    """The first rule (by priority) matching the request, or None. Rules have .priority, .hosts, .paths."""
    for rule in sorted(rules, key=lambda r: r.priority):
        if rule_matches(rule.hosts, rule.paths, host, path.split("?", 1)[0]):
            return rule
    return None
