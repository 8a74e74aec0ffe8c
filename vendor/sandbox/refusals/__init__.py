"""What AWS refuses and moto accepts: the embedded emulator refuses it too.

moto stores almost anything it is asked to. Where AWS answers an error that vend's plans could
run into, a rule here wraps the moto backend method and refuses the same request with AWS's error
code, so a test against the emulator fails where the real account would. Each rule names its
source: the AWS documentation page (or the error code AWS documents) that says so.

A rule is a function registered with `@refuses(TARGET, CODE, SOURCE)`, where TARGET is
`"moto.module:BackendClass.method"`. It is called with the backend and the method's own
arguments before moto's method runs, and returns None to let the call through or the error
message to refuse it with, raised as `error(CODE, message)` where `error` is the service's own moto
error class (`moto.elbv2.exceptions.ELBClientError`, `moto.rds.exceptions.RDSClientError`, ...):
moto's server serializes an error by the service its class belongs to. Rules live in one module per service in this package;
`install()` imports them all and is idempotent. `rules()` lists them (the README's table).
"""
from __future__ import annotations

import functools
import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

Check = Callable[..., "str | None"]


@dataclass(frozen=True)
class Refusal:
    target: str  # "moto.elbv2.models:ELBv2Backend.create_rule"
    code: str  # the error code AWS answers with
    source: str  # the AWS documentation page or error reference that says so
    check: Check
    error: Callable[[str, str], Exception]  # the service's moto error class

    @property
    def summary(self) -> str:
        return (self.check.__doc__ or self.check.__name__).strip().splitlines()[0]

    def refuse(self, message: str) -> Exception:
        return self.error(self.code, message)


_RULES: list[Refusal] = []
_installed = False


def refuses(target: str, code: str, source: str, error: Callable[[str, str], Exception]):
    """Register the decorated check as a refusal of `target` (see the module docstring)."""
    def register(check: Check) -> Check:
        _RULES.append(Refusal(target, code, source, check, error))
        return check
    return register


def _load_rule_modules() -> None:
    for module in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{module.name}")


def rules() -> list[Refusal]:
    """Every registered refusal, in registration order."""
    _load_rule_modules()
    return list(_RULES)


def _wrap(cls: type, method: str, refusals: tuple[Refusal, ...]) -> None:
    original = getattr(cls, method)

    @functools.wraps(original)
    def checked(self, *args: Any, **kwargs: Any):
        for refusal in refusals:
            message = refusal.check(self, *args, **kwargs)
            if message:
                raise refusal.refuse(message)
        return original(self, *args, **kwargs)

    setattr(cls, method, checked)


def install() -> None:
    """Wrap each targeted moto backend method with its refusals (once per process)."""
    global _installed
    if _installed:
        return
    by_target: dict[str, list[Refusal]] = {}
    for refusal in rules():
        by_target.setdefault(refusal.target, []).append(refusal)
    for target, refusals in by_target.items():
        module, _, attribute = target.partition(":")
        class_name, _, method = attribute.partition(".")
        _wrap(getattr(importlib.import_module(module), class_name), method, tuple(refusals))
    _installed = True
