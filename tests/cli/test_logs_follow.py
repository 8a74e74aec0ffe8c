"""`vend logs --follow` in the sandbox prefixes each line with its host and source, as the
non-following read does: tail's `==> path <==` names the source of the lines after it."""
from __future__ import annotations

from vendor.cli.logs import _Labels
from vendor.runtime.log_sources import sources


def test_follow_lines_carry_their_host_and_source():
    labels = _Labels("i-0abc", sources("static-site", "initech", "dg-1", None))
    tail = ["==> /var/log/nginx/access.log <==", '10.0.0.1 - - [01/Dec/2026:17:00:00 +0000] "GET / HTTP/1.1" 200', "",
            "==> /opt/codedeploy-agent/deployment-root/dg-1/d-ABC123/logs/scripts.log <==",
            "[2026-12-01 17:00:01] ApplicationStart start_server.sh: ok", "",
            "==> /var/log/nginx/error.log <==", "2026/12/01 17:00:02 [error] 12#12: open() failed",
            "==> /somewhere/else.log <==", "stray"]
    assert [shown for line in tail if (shown := labels.line(line)) is not None] == [
        'i-0abc access | 10.0.0.1 - - [01/Dec/2026:17:00:00 +0000] "GET / HTTP/1.1" 200',
        "i-0abc deploy | [2026-12-01 17:00:01] ApplicationStart start_server.sh: ok",
        "i-0abc error | 2026/12/01 17:00:02 [error] 12#12: open() failed",
        "i-0abc - | stray"]


def test_one_source_has_no_headers_to_read():
    labels = _Labels("i-0abc", sources("python", "globex", "dg-1", "d-ABC123"))  # --deployment: its hook log alone
    assert labels.line("[2026-12-01 17:00:01] BeforeInstall: ok") == "i-0abc deploy | [2026-12-01 17:00:01] BeforeInstall: ok"
