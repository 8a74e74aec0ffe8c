"""What the approvers of an infrastructure release read: the plan and its highlights. Pure.

The highlights say in one line each what matters most in a release: which AMI the instances
launch from (old -> new), how the running ones are replaced when the launch template changes, and where the environment's
listener rule stays (its priority never changes once the rule exists).
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence

from vendor.plan.refresh import RefreshPolicy
from vendor.plan import render_plan
from vendor.plan.approved import fingerprint
from vendor.plan.diff import Step
from vendor.plan.resources import Observed
from vendor.plan.stack import LT, RULE


def _template(steps: Sequence[Step]) -> Step | None:
    return next((s for s in steps if s.resource.kind == LT and s.resource.present), None)


def replaces_instances(steps: Sequence[Step]) -> bool:
    """The existing launch template changes (another AMI, instance type, ...): instances running on
    its old version only get the change when they are replaced."""
    template = _template(steps)
    return template is not None and template.action == "update"


def refresh_line(steps: Sequence[Step], policy: RefreshPolicy) -> str | None:
    """How the running instances get a launch template change, if there is one."""
    if not replaces_instances(steps):
        return None
    return (f"instances: replaced by an instance refresh after apply (min healthy "
            f"{policy.min_healthy_percentage}%, warm-up {policy.warmup_seconds} s)")


def ami_line(steps: Sequence[Step], ami_id: str | None) -> str:
    """The AMI change of the launch template: `old -> new`, new, or unchanged."""
    template = _template(steps)
    if template is None or template.action == "keep":
        return f"{ami_id or 'none'} (unchanged)"
    image = next((c for c in template.changes if c.field == "image"), None)
    if template.action == "create":
        return f"{ami_id or 'none'} (new launch template)"
    if image is None:
        return f"{ami_id or 'none'} (unchanged; other launch template settings change)"
    return f"{image.old or 'none'} -> {image.new}"


def rule_lines(steps: Sequence[Step], observed: Mapping[str, Observed | None]) -> list[str]:
    """Where each listener rule of the environment is, and that its priority is kept."""
    out = []
    for s in (s for s in steps if s.resource.kind == RULE):
        found = observed.get(s.key)
        where = (f"priority {found.attrs.get('priority')} on {found.attrs.get('load_balancer')}"
                 if found is not None else "")
        if s.action == "create":
            out.append(f"{s.key}: new; its priority is the first free one on the load balancer, chosen at apply")
        elif s.action == "delete":
            out.append(f"{s.key}: deleted ({where}), the priority is freed")
        elif s.action == "update":
            out.append(f"{s.key}: {where}, kept (conditions or target change in place)")
        elif s.resource.present:
            out.append(f"{s.key}: {where}, kept")
    return out


def plan_lines(steps: Sequence[Step], observed: Mapping[str, Observed | None], *, title: str,
               ami_id: str | None, refresh: RefreshPolicy) -> tuple[str, ...]:
    """The plan as the approval email and page show it: changes, summary, then the highlights."""
    lines = render_plan.text(steps, title=f"{title} (plan {fingerprint(steps)}):").splitlines()
    lines.append(f"AMI: {ami_line(steps, ami_id)}")
    lines += filter(None, [refresh_line(steps, refresh)])
    lines += rule_lines(steps, observed)
    return tuple(lines)
