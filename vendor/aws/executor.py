"""Carry out a stack plan: converge each resource in dependency order, or delete them all.

`apply` plans first and refuses to start when a step is blocked. Then, resource by resource, it
acts and reads back what it made. Until its first change the plan's reading of each resource is
still what AWS has (nothing this apply did can have changed it), so a resource is read once; after
a change, every later resource is read again (an earlier step may have created what a Ref points
at, or changed what a read sees). Every create first looks the resource up by tag or name, so an
apply interrupted anywhere converges when run again, without duplicates.

`check`, when given, sees each create, update and delete (as just read) before it is made and may
raise to stop the apply there: the release pipeline refuses a step its approved plan does not cover.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from vendor.aws.base import StackError
from vendor.aws.handlers import handler
from vendor.aws.observe import observe
from vendor.plan.diff import Step, plan_apply, plan_destroy, step
from vendor.plan.resources import Observed, Resource, is_resolved, refs_in, resolve

Progress = Callable[[Step, str], None]  # (step, "start" | "done"); done steps carry the resource id
Check = Callable[[Step], None]  # raises to stop before the step is made


@dataclass(frozen=True)
class Outcome:
    steps: tuple[Step, ...]  # what was done, in order, with ids
    known: dict  # resource key -> Observed after the run

    @property
    def changed(self) -> int:
        return sum(1 for s in self.steps if s.action in ("create", "update", "delete"))


def _quiet(step: Step, phase: str) -> None:
    pass


def refuse_blocked(steps: Sequence[Step]) -> None:
    blocked = [s for s in steps if s.action == "blocked"]
    if blocked:
        raise StackError("; ".join(f"{s.key}: {s.note}" for s in blocked))


def _unchecked(step: Step) -> None:
    pass


def apply(ctx, resources: Sequence[Resource], *, progress: Progress = _quiet, check: Check = _unchecked) -> Outcome:
    planned = observe(ctx, resources)
    refuse_blocked(plan_apply(resources, planned))
    known: dict[str, Observed] = {}
    done: list[Step] = []

    def read(res: Resource, props: dict) -> Observed | None:
        changed = any(s.action != "keep" for s in done)
        return handler(res.kind).read(ctx, res, props) if changed else planned[res.key]

    for res in [r for r in resources if r.present]:
        h = handler(res.kind)
        props = resolve(dict(res.props), known)
        observed = read(res, props)
        s = step(res, observed, known)
        if s.action == "blocked":
            raise StackError(f"{s.key}: {s.note}")
        if s.action in ("create", "update"):
            if not is_resolved(props):
                wanting = ", ".join(sorted({str(r) for r in refs_in(props)}))
                raise StackError(f"{res.key} needs {wanting}, which does not exist; run apply again")
            check(s)
            progress(s, "start")
            if s.action == "create":
                result = h.create(ctx, res, props)
            else:
                result = h.update(ctx, res, props, observed, {c.field for c in s.changes})
            observed = h.read(ctx, res, props) or result
            s = Step(s.action, res, s.changes, observed.id)
            progress(s, "done")
        known[res.key] = observed
        done.append(s)
    for res in reversed([r for r in resources if not r.present]):
        observed = read(res, resolve(dict(res.props), known))
        if observed is not None and not res.shared:
            s = Step("delete", res, id=observed.id)
            check(s)
            progress(s, "start")
            handler(res.kind).delete(ctx, res, observed)
            progress(s, "done")
            done.append(s)
    return Outcome(tuple(done), known)


def destroy(ctx, resources: Sequence[Resource], *, progress: Progress = _quiet) -> Outcome:
    """Delete every existing resource of the stack in reverse dependency order; shared ones stay."""
    found = observe(ctx, resources)
    done: list[Step] = []
    for s in plan_destroy(resources, found):
        if s.action == "delete":
            progress(s, "start")
            handler(s.resource.kind).delete(ctx, s.resource, found[s.key])
            progress(s, "done")
        done.append(s)
    return Outcome(tuple(done), {k: v for k, v in found.items() if v is not None})
