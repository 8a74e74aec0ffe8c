"""The approval email, rendered from data: subject, plain text and HTML. No I/O."""
from __future__ import annotations

from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from urllib.parse import urlsplit

import jinja2

from vendor.approvals.model import ApprovalRequest, iso

TEXT = """\
Hello {{ approver }},

A release is waiting for your approval.

  Customer:     {{ r.customer }}
  Environment:  {{ r.environment }}
{% if s.revision %}  Revision:     {{ s.revision }}
{% endif %}{% if s.commit %}  Commit:       {{ s.commit }}
{% endif %}{% if s.build %}  Build:        {{ s.build }}
{% endif %}{% if s.ami %}  AMI:          {{ s.ami }}
{% endif %}  Decides:      {{ r.where }}
  Request:      {{ r.id }}
{% if s.details_url %}  Details:      {{ s.details_url }}
{% endif %}
{% if s.changes %}What changed since the last release:
{% for c in s.changes %}  - {{ c }}
{% endfor %}{% else %}What changed since the last release: not known.
{% endif %}{% if s.plan %}
What apply will do in AWS (exactly this; if AWS changes first, you are asked again):
{% for line in s.plan %}  {{ line }}
{% endfor %}{% endif %}
Approve: {{ approve_url }}

Reject:  {{ reject_url }}

Each link opens a confirmation page; nothing is decided until you press the button there.
The links are yours alone, work once, and expire at {{ link_expires }}.
At a terminal: vend approvals approve {{ r.id }}  (or: vend approvals reject {{ r.id }})
"""

HTML = """\
<!doctype html>
<html><body style="font-family: sans-serif; color: #222">
<p>Hello {{ approver }},</p>
<p>A release is waiting for your approval.</p>
<table style="border-collapse: collapse">
<tr><th align="left">Customer</th><td>{{ r.customer }}</td></tr>
<tr><th align="left">Environment</th><td>{{ r.environment }}</td></tr>
{% if s.revision %}<tr><th align="left">Revision</th><td>{{ s.revision }}</td></tr>{% endif %}
{% if s.commit %}<tr><th align="left">Commit</th><td><code>{{ s.commit }}</code></td></tr>{% endif %}
{% if s.build %}<tr><th align="left">Build</th><td>{{ s.build }}</td></tr>{% endif %}
{% if s.ami %}<tr><th align="left">AMI</th><td><code>{{ s.ami }}</code></td></tr>{% endif %}
<tr><th align="left">Decides</th><td>{{ r.where }}</td></tr>
<tr><th align="left">Request</th><td><code>{{ r.id }}</code></td></tr>
{% if s.details_url %}<tr><th align="left">Details</th><td>{% if web_link %}<a href="{{ s.details_url }}">{{ s.details_url }}</a>{% else %}{{ s.details_url }}{% endif %}</td></tr>{% endif %}
</table>
<p><b>What changed since the last release:</b>{% if not s.changes %} not known.{% endif %}</p>
{% if s.changes %}<ul>{% for c in s.changes %}<li>{{ c }}</li>{% endfor %}</ul>{% endif %}
{% if s.plan %}<p><b>What apply will do in AWS</b> (exactly this; if AWS changes first, you are asked again):</p>
<pre style="background:#f6f8fa;padding:8px;font-size:small">{{ s.plan|join("\n") }}</pre>{% endif %}
<p>
<a href="{{ approve_url }}" style="background:#1a7f37;color:#fff;padding:8px 16px;text-decoration:none">Approve</a>
&nbsp;
<a href="{{ reject_url }}" style="background:#cf222e;color:#fff;padding:8px 16px;text-decoration:none">Reject</a>
</p>
<p style="color:#555;font-size:small">Each link opens a confirmation page; nothing is decided until
you press the button there. The links are yours alone, work once, and expire at {{ link_expires }}.</p>
</body></html>
"""

_text = jinja2.Environment(autoescape=False, keep_trailing_newline=True).from_string(TEXT)
_html = jinja2.Environment(autoescape=True).from_string(HTML)


def is_web_link(url: str) -> bool:
    """Only https: and http: links are made clickable (never javascript:, data:, file:)."""
    parts = urlsplit(url)
    return parts.scheme.lower() in ("https", "http") and bool(parts.netloc)


def subject(request: ApprovalRequest) -> str:
    s = request.summary
    what = s.revision or (s.commit[:12] if s.commit else "") or s.ami or request.id
    return f"Approval needed: {request.customer}/{request.environment} {what}"


def approval_email(request: ApprovalRequest, approver: str, approve_url: str, reject_url: str,
                   link_expires: float, sender: str, now: float) -> EmailMessage:
    values = dict(r=request, s=request.summary, approver=approver, approve_url=approve_url,
                  reject_url=reject_url, link_expires=iso(link_expires), web_link=is_web_link(request.summary.details_url))
    msg = EmailMessage()
    msg["Subject"] = subject(request)
    msg["From"] = sender
    msg["To"] = approver
    msg["Date"] = formatdate(now, usegmt=True)
    msg["Message-ID"] = make_msgid(idstring=request.id, domain=sender.rpartition("@")[2] or None)
    msg["X-Vend-Request"] = request.id
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(_text.render(values))
    msg.add_alternative(_html.render(values), subtype="html")
    return msg
