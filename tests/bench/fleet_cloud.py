"""The fleet benchmark's AWS: a moto server in a process of its own, holding vend-applied
environments, and the latency proxy in front of it in another (`ProxyProcess`).

The child process sets up the account (VPC, shared certificate), writes the customer configs,
serves moto's backends over HTTP (ThreadedMotoServer) and, when asked, applies more environments
with vend's own apply against those same backends in-process (the fast path: the same calls,
no HTTP, no poll delays). In its own process the emulator has a core and a GIL of its own, so
the benchmark's wall times measure the planner and the proxy's latency, not the planner, the
proxy and moto taking turns on one interpreter.

    with FleetCloud(config_dir, total=500) as cloud:   # cloud.url, cloud.paths
        cloud.vend(50)                                  # c0001..c0050 applied

AWS's round trips and rate limits cost the client nothing but waiting: the proxy that stands in
for them runs outside vend's process too, so vend's process does only vend's work.
"""
from __future__ import annotations

import multiprocessing
import os
import sys
import time
from pathlib import Path

from tests.aws.conftest import REGION, Cloud

READY_TIMEOUT_S = 300


class InProcessCloud(Cloud):
    """The account's set-up (VPC, certificate, AMIs) in moto's in-process backends."""

    def client(self, service: str, region: str = REGION):
        import boto3
        return boto3.client(service, region_name=region)


def _serve(conn, config_dir: str, total: int) -> None:
    """The child: set up, serve, apply environments on request until told to stop."""
    import gc
    import logging

    from moto import mock_aws
    from moto.server import ThreadedMotoServer

    from tests.bench.vending import customer_configs, endpoint_environment
    from vendor.aws import executor
    from vendor.aws.calls import CallCounter
    from vendor.aws.stack_ops import Target, context, load_stack
    from vendor.config.loader import load_config
    from vendor.sandbox.emulator import relax_moto

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    gc.set_threshold(10_000, 10, 10)  # as vend's fleet run (vendor/cli/fleet_cmd.py): a heap of 500 environments
    relax_moto()
    with endpoint_environment("http://unused.invalid"), mock_aws():
        os.environ.pop("AWS_ENDPOINT_URL")  # the set-up and the applies go to the in-process backends
        account = InProcessCloud(None)
        network = account.existing_network(subnet_prefix=20)
        account.certificate("*.bench.example", shared=True)
        paths = customer_configs(Path(config_dir), total, network)
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        server.start()
        host, port = server.get_host_and_port()
        conn.send(("ready", f"http://{host}:{port}", [str(p) for p in paths]))
        ctx = context(Target(label="in-process"), REGION, CallCounter())
        ctx.delay = 0
        done = 0
        try:
            while True:
                message = conn.recv()
                if message[0] == "stop":
                    break
                if message[0] == "cpu":
                    conn.send(("cpu", time.process_time()))
                    continue
                upto, started = message[1], time.perf_counter()
                for i in range(done, upto):
                    account.bake(f"c{i + 1:04d}", "staging")
                    executor.apply(ctx, load_stack(ctx, load_config(paths[i])).resources)
                    if (i + 1) % 25 == 0:
                        print(f"bench: fleet: {i + 1}/{upto} environments applied, "
                              f"{time.perf_counter() - started:.0f} s", file=sys.stderr, flush=True)
                done = max(done, upto)
                gc.freeze()  # the environments' state lives as long as the process: out of the collector's walks
                conn.send(("applied", done))
        finally:
            server.stop()


class FleetCloud:
    def __init__(self, config_dir: Path, total: int):
        self.config_dir, self.total = config_dir, total
        self.url, self.paths = "", []
        self._conn = self._process = None

    def __enter__(self) -> "FleetCloud":
        spawn = multiprocessing.get_context("spawn")
        self._conn, child = spawn.Pipe()
        self._process = spawn.Process(target=_serve, args=(child, str(self.config_dir), self.total),
                                      name="fleet-moto", daemon=True)
        self._process.start()
        _, self.url, paths = self._receive("ready", READY_TIMEOUT_S)
        self.paths = [Path(p) for p in paths]
        return self

    def vend(self, upto: int) -> None:
        """Environments c0001..c<upto> exist (those not yet applied are applied now)."""
        self._conn.send(("vend", upto))
        self._receive("applied", None)

    def cpu_seconds(self) -> float:
        """The CPU time the emulator's process has used so far (all its threads)."""
        self._conn.send(("cpu",))
        return self._receive("cpu", READY_TIMEOUT_S)[1]

    def _receive(self, kind: str, timeout: float | None):
        while not self._conn.poll(1 if timeout is None else min(1, timeout)):
            if not self._process.is_alive():
                raise SystemExit(f"fleet benchmark: the moto process ended (exit code {self._process.exitcode})")
            if timeout is not None:
                timeout -= 1
                if timeout <= 0:
                    raise SystemExit(f"fleet benchmark: the moto process sent no {kind!r} in {READY_TIMEOUT_S} s")
        message = self._conn.recv()
        if message[0] != kind:
            raise SystemExit(f"fleet benchmark: the moto process sent {message[0]!r}, expected {kind!r}")
        return message

    def __exit__(self, *exc) -> None:
        if self._process is None:
            return
        if self._process.is_alive():
            try:
                self._conn.send(("stop",))
            except OSError:
                pass
            self._process.join(30)
        if self._process.is_alive():
            self._process.kill()
            self._process.join(5)


def _proxy(conn, upstream: str, options: dict) -> None:
    """The child: a LatencyProxy, its counts asked for and reset over `conn`, until told to stop."""
    from vendor.sandbox.latency_proxy import LatencyProxy

    proxy = LatencyProxy(upstream, **options).start()
    conn.send(proxy.url)
    try:
        while (message := conn.recv()) != "stop":
            if message == "reset":
                proxy.reset_counts()
            conn.send((proxy.forwarded, sum(proxy.throttled.values())))
    finally:
        proxy.stop()


class ProxyProcess:
    """`LatencyProxy(upstream, **options)` in a process of its own: .url, .reset_counts(), .totals()."""

    def __init__(self, upstream: str, **options):
        spawn = multiprocessing.get_context("spawn")
        self._conn, child = spawn.Pipe()
        self._process = spawn.Process(target=_proxy, args=(child, upstream, options), name="fleet-proxy", daemon=True)
        self._process.start()
        if not self._conn.poll(READY_TIMEOUT_S):
            raise SystemExit("fleet benchmark: the latency proxy did not start")
        self.url = self._conn.recv()

    def reset_counts(self) -> None:
        self._conn.send("reset")
        self._conn.recv()

    def totals(self) -> tuple[int, int]:
        """(requests forwarded, requests answered with a throttling error) since the last reset."""
        self._conn.send("totals")
        return self._conn.recv()

    def stop(self) -> None:
        try:
            self._conn.send("stop")
        except OSError:
            pass
        self._process.join(10)
        if self._process.is_alive():
            self._process.kill()
