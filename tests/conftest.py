"""Shared test fixtures.

Local hosts (network namespaces + sshd) need root, `ip` and `sshd`; without them the tests
that use these fixtures are skipped with the reason. Each LocalHosts gets its own test slot
(prefix `vt{n}`, subnet 10.213.{8+n}.0/24, n < 32) so parallel test sessions on one machine do not
collide, and every one started is stopped at the end of the session, failed tests or not.
"""
from __future__ import annotations

import os
import shutil
import tempfile

import pytest
from moto.server import ThreadedMotoServer

from vendor.sandbox.hosts import (
    HostsBusy,
    LocalHosts,
    LocalHostsError,
    SubnetInUse,
    missing_requirements,
)
from vendor.sandbox.emulator import relax_moto

TEST_SLOTS = [(f"vt{n}", f"10.213.{8 + n}.0/24") for n in range(32)]  # (prefix, subnet)
# Each pytest-xdist worker (gw0, gw1, ...) starts its search at its own slot, so parallel workers
# rarely reach for the same one (a slot held by another process is skipped all the same).
_WORKER = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0")[2:] or 0)
TEST_SLOTS = TEST_SLOTS[_WORKER * 8 % 32:] + TEST_SLOTS[:_WORKER * 8 % 32]


# The longest files (end-to-end flows), started first so that parallel workers finish together:
# scripts/test keeps each file in one worker and hands files out in collection order
# (--dist loadfile --no-loadscope-reorder).
RUN_FIRST = ("tests/cli/test_up.py", "tests/aws/test_stack_e2e.py", "tests/cli/test_up_static_site.py",
             "tests/cli/test_stack_cmds.py", "tests/aws/test_approvals_service_e2e.py",
             "tests/pipeline/test_infra_e2e.py", "tests/deploy/test_rollout_faults.py", "tests/cli/test_deploy_cmds.py")


def pytest_configure(config):
    """A sandbox running on this machine (`vend up` keeps one in ~/.local/state/vend) is not the
    tests': vend's command group points its process at a running sandbox it finds there, which made
    every later test of that worker talk to it. Tests that do not name a state dir get an empty one."""
    if not os.environ.get("VEND_STATE_DIR"):
        os.environ["VEND_STATE_DIR"] = config._vend_state_dir = tempfile.mkdtemp(prefix="vend-test-state-")


def pytest_unconfigure(config):
    if getattr(config, "_vend_state_dir", None):
        shutil.rmtree(config._vend_state_dir, ignore_errors=True)


def pytest_collection_modifyitems(items):
    rank = {path: n for n, path in enumerate(RUN_FIRST)}
    items.sort(key=lambda item: rank.get(item.nodeid.partition("::")[0], len(RUN_FIRST)))  # stable


@pytest.fixture(scope="session")
def local_host_slots() -> list[tuple[str, str]]:
    """(prefix, subnet) pairs tests may use for LocalHosts; skips where hosts cannot run."""
    problems = missing_requirements()
    if problems:
        pytest.skip("local hosts unavailable: " + "; ".join(problems))
    return TEST_SLOTS


@pytest.fixture(scope="session")
def local_hosts_factory(local_host_slots):
    """`make(count=3, user="root", image_user=None, **start_kwargs) -> LocalHosts` with `count`
    hosts already running, reached as `user` (another user has passwordless sudo, as on a cloud
    image; so has `image_user`, the base image's default user, when given)."""
    started: list[LocalHosts] = []

    def make(count: int = 3, user: str = "root", image_user: str | None = None, **start_kwargs) -> LocalHosts:
        for prefix, subnet in local_host_slots:
            hosts = LocalHosts(prefix=prefix, subnet=subnet, user=user, image_user=image_user)
            try:
                hosts.start(count, **start_kwargs)
            except (HostsBusy, SubnetInUse):
                continue  # this slot belongs to another LocalHosts or test session
            except BaseException:
                hosts.stop_all()
                raise
            started.append(hosts)
            return hosts
        raise LocalHostsError(f"all {len(local_host_slots)} local-host test slots are busy")

    try:
        yield make
    finally:
        failures = []
        for hosts in started:  # every one, even if stopping another failed
            try:
                hosts.stop_all()
            except Exception as e:  # noqa: BLE001 - reported below, after the others
                failures.append(f"{hosts.naming.prefix}: {e}")
        if failures:
            raise LocalHostsError("stopping local hosts failed: " + "; ".join(failures))


@pytest.fixture(scope="session")
def local_hosts(local_hosts_factory) -> LocalHosts:
    """Three running local hosts shared by the session (`.hosts`); tests must not stop them."""
    return local_hosts_factory(3)


@pytest.fixture(scope="session")
def moto_url():
    """A moto server over HTTP with the emulator's changes (`relax_moto`), shared by the session."""
    relax_moto()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()
