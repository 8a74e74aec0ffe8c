"""Zero failed requests through the front door while a rollout replaces 3 hosts' app one at a time
behind a target group in the moto server, then rolls them back: vend's own traffic control
(TargetGroupTraffic: deregister; HealthGatedTraffic: health check, then register) around an app
that is stopped (its connections cut, as a process exit does) and started again at a new version.

The same through real SSH hosts and CodeDeploy lifecycles, with 5,000 requests, is
`scripts/bench frontdoor` (tests/bench/frontdoor.py)."""
from __future__ import annotations

import http.server
import socket
import threading
from dataclasses import dataclass

from tests.sandbox.frontdoor_scene import Load, scene
from vendor.aws.target_group import TargetGroupTraffic
from vendor.deploy.health import HealthCheck
from vendor.deploy.traffic import HealthGatedTraffic


@dataclass(frozen=True)
class Host:
    name: str
    address: str


class App:
    """The app on one host: answers `app VERSION` on every path, until stopped."""

    def __init__(self, address: str, port: int, version: str):
        self.connections: set[socket.socket] = set()
        app = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def setup(self):
                super().setup()
                app.connections.add(self.connection)

            def do_GET(self):
                body = f"app {version}".encode()
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer((address, port), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        for conn in list(self.connections):  # the process exits: its open connections go with it
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def test_no_request_fails_through_a_rollout_and_its_rollback(moto_url, tmp_path):
    hosts = [Host(f"host{n}", f"127.0.0.{n + 1}") for n in (1, 2, 3)]
    apps = [App(hosts[0].address, 0, "1")]
    port = apps[0].port
    apps += [App(h.address, port, "1") for h in hosts[1:]]
    where = scene(moto_url, tmp_path / "changes", port=port)
    where.register(*((h.address, port) for h in hosts))
    health = HealthCheck("/health", port, interval=0.05, timeout=2, healthy_threshold=2, unhealthy_threshold=2)
    traffic = HealthGatedTraffic(TargetGroupTraffic(where.elbv2, where.target_group, port, drain_timeout=10), health)

    def deploy(version: str) -> None:
        for i, host in enumerate(hosts):
            traffic.block(host)
            apps[i].stop()
            apps[i] = App(host.address, port, version)
            traffic.allow(host)

    try:
        with where.door() as door, Load(door.url, where.host, rate=50) as load:
            deploy("2")
            deploy("1")  # the rollback
    finally:
        for app in apps:
            app.stop()
    assert load.failures == []
    assert load.sent >= 10  # 50/s offered over the ~2-5 s the two rollouts take here
    assert set(load.bodies) == {"app 1", "app 2"}
