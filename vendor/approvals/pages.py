"""The web pages, rendered from data (jinja2, autoescaped). No I/O.

Links inside pages are relative, so the app works unchanged under any prefix behind a proxy.
"""
from __future__ import annotations

import jinja2

from vendor.approvals import decisions as d
from vendor.approvals.model import APPROVE, ApprovalRequest, iso

TEMPLATES = {
    "layout.html": """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>{{ title }} - vend approvals</title>
<style>
body { font-family: system-ui, sans-serif; max-width: 46rem; margin: 2rem auto; padding: 0 1rem; color: #222 }
table { border-collapse: collapse; margin: 1rem 0 } th, td { text-align: left; padding: .25rem .75rem .25rem 0; vertical-align: top }
th { color: #555; font-weight: 600 } code { font-size: .95em } td ul { margin: 0; padding-left: 1.2rem }
.box { border: 1px solid #ccc; border-radius: 6px; padding: 1rem 1.25rem }
.bad { border-color: #cf222e; background: #fff5f5 } .good { border-color: #1a7f37; background: #f3fbf5 }
textarea { width: 100%; min-height: 4rem; font: inherit } pre { white-space: pre-wrap; font-size: .85rem; margin: 0 }
button { font: inherit; font-size: 1.1rem; padding: .5rem 1.5rem; border: 0; border-radius: 6px; color: #fff; cursor: pointer }
.approve { background: #1a7f37 } .reject { background: #cf222e } .muted { color: #666; font-size: .9rem }
</style></head>
<body><h1>{{ title }}</h1>{% block body %}{% endblock %}</body></html>
""",
    "details.html": """<table>
<tr><th>Customer</th><td>{{ r.customer }}</td></tr>
<tr><th>Environment</th><td>{{ r.environment }}</td></tr>
{% if r.summary.revision %}<tr><th>Revision</th><td>{{ r.summary.revision }}</td></tr>{% endif %}
{% if r.summary.commit %}<tr><th>Commit</th><td><code>{{ r.summary.commit }}</code></td></tr>{% endif %}
{% if r.summary.build %}<tr><th>Build</th><td>{{ r.summary.build }}</td></tr>{% endif %}
{% if r.summary.ami %}<tr><th>AMI</th><td><code>{{ r.summary.ami }}</code></td></tr>{% endif %}
<tr><th>Decides</th><td>{{ r.where }}</td></tr>
<tr><th>Request</th><td><code>{{ r.id }}</code></td></tr>
<tr><th>Requested</th><td>{{ iso(r.created_at) }}</td></tr>
<tr><th>Expires</th><td>{{ iso(r.expires_at) }}</td></tr>
<tr><th>Changes</th><td>{% if r.summary.changes %}<ul>{% for c in r.summary.changes %}<li>{{ c }}</li>{% endfor %}</ul>
{% else %}not known{% endif %}</td></tr>
{% if r.summary.plan %}<tr><th>Plan</th><td><pre>{{ r.summary.plan|join("\n") }}</pre></td></tr>{% endif %}
</table>
""",
    "confirm.html": """{% extends "layout.html" %}{% block body %}
<p>You, <b>{{ link.approver }}</b>, are about to <b>{{ verb }}</b> this release.
Nothing has been decided yet.</p>
{% include "details.html" %}
<form method="post" class="box">
<label for="comment">Comment (optional)</label>
<textarea id="comment" name="comment" maxlength="1000"></textarea>
<p><button type="submit" name="decision" value="{{ link.action }}" class="{{ link.action }}">{{ verb|capitalize }}</button></p>
<p class="muted">This link works once and expires at {{ iso(link.expires_at) }}.
To {{ other }} instead, use the {{ other|capitalize }} link in the email.</p>
</form>
{% endblock %}""",
    "result.html": """{% extends "layout.html" %}{% block body %}
<div class="box {{ tone }}"><p>{{ message }}</p>
{% if decision and decision.via != "timeout" %}<p class="muted">{{ decision.status|capitalize }} by {{ decision.by }}
at {{ iso(decision.at) }} ({{ decision.via }}, from {{ decision.source }}){% if decision.comment %}:
&ldquo;{{ decision.comment }}&rdquo;{% endif %}</p>{% endif %}
</div>
{% if r %}{% include "details.html" %}{% endif %}
{% endblock %}""",
    "pending.html": """{% extends "layout.html" %}{% block body %}
{% if requests %}<table>
<tr><th>Request</th><th>Customer / environment</th><th>Revision</th><th>AMI</th><th>Expires</th></tr>
{% for r in requests %}<tr><td><code>{{ r.id }}</code></td><td>{{ r.customer }} / {{ r.environment }}</td>
<td>{{ r.summary.revision or r.summary.commit[:12] }}</td><td><code>{{ r.summary.ami }}</code></td>
<td>{{ iso(r.expires_at) }}</td></tr>
{% endfor %}</table>
{% else %}<p>Nothing is waiting for approval.</p>{% endif %}
<p class="muted">Decide from the links in the approval email, or at a terminal:
<code>vend approvals approve ID</code> / <code>vend approvals reject ID</code>.</p>
{% endblock %}""",
}

_env = jinja2.Environment(loader=jinja2.DictLoader(TEMPLATES), autoescape=True)
_env.globals["iso"] = iso

# kind -> (HTTP status, page title, tone)
RESULTS = {
    d.DECIDED: (200, "Decision recorded", "good"),
    d.TAMPERED: (400, "This link is not valid", "bad"),
    d.EXPIRED_LINK: (410, "This link has expired", "bad"),
    d.UNKNOWN: (404, "Unknown approval request", "bad"),
    d.WRONG_APPROVER: (403, "This link is not for an approver of this request", "bad"),
    d.REPLAYED: (409, "This link has already been used", "bad"),
    d.ALREADY_DECIDED: (409, "Already decided", "bad"),
    d.NOT_DELIVERED: (502, "The decision could not be delivered", "bad"),
}


def confirm_page(outcome: d.Outcome) -> str:
    approve = outcome.link.action == APPROVE
    return _env.get_template("confirm.html").render(
        title=f"{'Approve' if approve else 'Reject'} {outcome.request.title}?", r=outcome.request,
        link=outcome.link, verb="approve" if approve else "reject", other="reject" if approve else "approve")


def result_page(outcome: d.Outcome) -> tuple[int, str]:
    status, title, tone = RESULTS[outcome.kind]
    if outcome.kind == d.DECIDED:
        message = f"{outcome.request.title} is {outcome.decision.status}. Thank you."
    else:
        message = d.refusal(outcome) + "."
    html = _env.get_template("result.html").render(
        title=title, message=message, tone=tone, r=outcome.request, decision=outcome.decision)
    return status, html


def pending_page(requests: list[ApprovalRequest]) -> str:
    return _env.get_template("pending.html").render(title="Pending approvals", requests=requests)
