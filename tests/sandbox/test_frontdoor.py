"""The local front door routes real HTTP requests like the listener rules, across healthy targets."""
from __future__ import annotations

import http.client
import http.server
import socket
import threading
import urllib.request

import pytest

from tests.sandbox import frontdoor_scene
from vendor.aws.frontdoor_routes import routes
from vendor.sandbox import elbv2_changes
from vendor.aws.frontdoor_routes import Route
from vendor.sandbox.frontdoor import FrontDoor


def _backend(name: str):
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            body = f"{name} {self.headers['X-Forwarded-Host']} {self.path}".encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def backends():
    servers = [_backend("a"), _backend("b"), _backend("c")]
    yield [("127.0.0.1", s.server_address[1]) for s in servers]
    for s in servers:
        s.shutdown()


def _get(door, host, path="/"):
    request = urllib.request.Request(door.url + path, headers={"Host": host})
    try:
        with urllib.request.urlopen(request, timeout=5) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def test_routes_by_host_and_path_round_robin(backends):
    a, b, c = backends
    routes = [Route(10, ("shop.example.com",), (), (a, b)), Route(20, (), ("/globex/*",), (c,))]
    with FrontDoor(lambda: routes) as door:
        answers = {_get(door, "shop.example.com", "/x")[1] for _ in range(4)}
        assert answers == {"a shop.example.com /x", "b shop.example.com /x"}
        assert _get(door, "anything.test", "/globex/app") == (200, "c anything.test /globex/app")
        assert _get(door, "unknown.test", "/") == (503, "host not found\n")


def test_a_refusing_target_is_skipped(backends):
    a = backends[0]
    dead = ("127.0.0.1", _free_port())
    with FrontDoor(lambda: [Route(1, ("shop.example.com",), (), (dead, a))]) as door:
        assert all(_get(door, "shop.example.com")[0] == 200 for _ in range(6))


def test_no_targets_is_503():
    with FrontDoor(lambda: [Route(1, ("shop.example.com",), (), ())]) as door:
        assert _get(door, "shop.example.com") == (503, "no healthy targets\n")


# -- the cached view, against a real ALB in the moto server ------------------------------------

class _Counting:
    """A backend on its own loopback address that counts the requests it got."""

    def __init__(self, address: str):
        self.hits = 0
        counting = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self):
                counting.hits += 1
                body = address.encode()
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer((address, 0), Handler)
        self.server.daemon_threads = True
        self.target = (address, self.server.server_address[1])
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def counting():
    backends = [_Counting(f"127.0.0.{n}") for n in (2, 3)]
    yield backends
    for b in backends:
        b.stop()


def _answers(door, host, n=8):
    return [_get(door, host) for _ in range(n)]


def test_a_deregistered_target_gets_no_new_request(moto_url, tmp_path, counting):
    a, b = counting
    scene = frontdoor_scene.scene(moto_url, tmp_path / "changes")
    scene.register(a.target, b.target)
    with scene.door() as door:
        assert {body for _, body in _answers(door, scene.host)} == {"127.0.0.2", "127.0.0.3"}
        scene.deregister(b.target)
        before = b.hits
        assert _answers(door, scene.host) == [(200, "127.0.0.2")] * 8  # at once: no refresh interval waited
        assert b.hits == before


def test_a_rule_change_is_seen(moto_url, tmp_path, counting):
    a = counting[0]
    scene = frontdoor_scene.scene(moto_url, tmp_path / "changes")
    scene.register(a.target)
    with scene.door() as door:
        assert _get(door, scene.host) == (200, "127.0.0.2")
        scene.elbv2.modify_rule(RuleArn=scene.rule, Conditions=[
            {"Field": "host-header", "HostHeaderConfig": {"Values": ["moved." + scene.host]}}])
        assert _get(door, scene.host) == (503, "host not found\n")
        assert _get(door, "moved." + scene.host) == (200, "127.0.0.2")


def test_an_unhealthy_target_is_skipped(moto_url, tmp_path, counting):
    """A stopped instance is `unused` in its target group (not serving): no request goes to it."""
    a, b = counting
    scene = frontdoor_scene.scene(moto_url, tmp_path / "changes", target_type="instance")
    ids = [i["InstanceId"] for i in scene.ec2.run_instances(ImageId="ami-12c6146b", MinCount=2, MaxCount=2)["Instances"]]
    address = dict(zip(ids, (a.target, b.target)))
    scene.elbv2.register_targets(TargetGroupArn=scene.target_group,
                                 Targets=[{"Id": i, "Port": address[i][1]} for i in ids])
    door = FrontDoor(lambda: routes(scene.elbv2, lambda target: address[target][0] if target in address else None), refresh=60.0,
                     version=elbv2_changes.Reader(scene.counter))
    with door:
        assert {body for _, body in _answers(door, scene.host)} == {"127.0.0.2", "127.0.0.3"}
        scene.ec2.stop_instances(InstanceIds=[ids[1]])
        before = b.hits
        assert _answers(door, scene.host) == [(200, "127.0.0.2")] * 8
        assert b.hits == before


def test_bodies_pass_both_ways_over_one_pooled_connection_and_a_closed_one_is_replaced():
    connections = []

    class Echo(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def setup(self):
            super().setup()
            connections.append(self.connection)

        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            answer = f"{self.headers['X-Forwarded-For']} {self.headers.get('Expect')} ".encode() + body
            self.send_response(201)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for piece in (answer[:3], answer[3:]):
                self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
            self.wfile.write(b"0\r\n\r\n")

        def log_message(self, *args):
            pass

    backend = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Echo)
    backend.daemon_threads = True
    threading.Thread(target=backend.serve_forever, daemon=True).start()
    target = ("127.0.0.1", backend.server_address[1])
    try:
        with FrontDoor(lambda: [Route(1, ("shop.example.com",), (), (target,))]) as door:
            client = http.client.HTTPConnection(door.url.split("//")[1], timeout=5)
            answers = []
            for n in range(3):
                client.request("POST", "/orders", body=f"order {n}".encode(),
                               headers={"Host": "shop.example.com", "X-Forwarded-For": "spoofed"})
                response = client.getresponse()
                answers.append((response.status, response.getheader("Transfer-Encoding"), response.read()))
            assert answers == [(201, None, f"127.0.0.1 None order {n}".encode()) for n in range(3)]
            assert len(connections) == 1  # kept alive between the front door and the target
            connections[0].shutdown(socket.SHUT_RDWR)  # the target closes it (an app restart)
            client.request("POST", "/orders", body=b"after", headers={"Host": "shop.example.com",
                                                                     "Expect": "100-continue"})
            response = client.getresponse()
            assert (response.status, response.read()) == (201, b"127.0.0.1 None after")
            assert len(connections) == 2
    finally:
        backend.shutdown()
        backend.server_close()
