"""The health check as a target group asks it: matcher, thresholds, against a real HTTP server."""
from __future__ import annotations

import http.server
import threading

import pytest

from vendor.deploy.health import HealthCheck, Unhealthy, matches, wait_healthy


def test_matcher_forms():
    assert matches("200", 200) and not matches("200", 201)
    assert matches("200-299", 204) and not matches("200-299", 301)
    assert matches("200,302", 302) and not matches("200,302", 301)


@pytest.fixture
def server():
    statuses = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(statuses.pop(0) if statuses else 200)
            self.end_headers()

        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield httpd.server_address[1], statuses
    httpd.shutdown()


def test_healthy_after_threshold_passes(server):
    port, statuses = server
    statuses += [500, 200, 200]
    wait_healthy("127.0.0.1", HealthCheck("/h", port, interval=0.01, healthy_threshold=2, unhealthy_threshold=5))
    assert statuses == []


def test_unhealthy_after_threshold_failures(server):
    port, statuses = server
    statuses += [503, 503, 503]
    with pytest.raises(Unhealthy) as e:
        wait_healthy("127.0.0.1", HealthCheck("/h", port, interval=0.01, unhealthy_threshold=3, matcher="200"))
    assert str(e.value) == f"127.0.0.1:{port}/h failed 3 health checks in a row (last: HTTP 503; matcher 200)"


def test_nothing_listening_is_unhealthy():
    with pytest.raises(Unhealthy) as e:
        wait_healthy("127.0.0.1", HealthCheck("/h", 9, interval=0.01, timeout=1, unhealthy_threshold=2))
    assert "failed 2 health checks in a row (last: " in str(e.value)
