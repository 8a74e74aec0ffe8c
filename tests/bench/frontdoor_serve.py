"""The processes `scripts/bench frontdoor` measures, each on its own (as in the sandbox, where the
front door is its own process):

    python -m tests.bench.frontdoor_serve backend
        a healthy host's app on 127.0.0.1 (asyncio, keep-alive, answers `ok` to everything)
    python -m tests.bench.frontdoor_serve door new|old EMULATOR_URL REGION COUNTER_FILE
        the front door routing from the emulator's ALBs in REGION: `new` = this commit's (cached
        view reloaded when COUNTER_FILE moves, pooled connections); `old` = the front door of
        commit BASELINE (read from git), as the sandbox ran it (refresh=0: every request reads the
        rules and target health from the emulator, a new connection per request)

Each prints its URL on the first line of stdout and serves until stdin closes.
"""
from __future__ import annotations

import asyncio
import subprocess
import sys
import types

import boto3

BASELINE = "0850785"  # main before issue 19's front door work


def old_frontdoor() -> types.ModuleType:
    source = subprocess.run(["git", "show", f"{BASELINE}:vendor/sandbox/frontdoor.py"], capture_output=True,
                            text=True, check=True).stdout
    module = types.ModuleType("frontdoor_at_baseline")
    sys.modules[module.__name__] = module  # dataclasses look their module up
    exec(compile(source, f"{BASELINE}:vendor/sandbox/frontdoor.py", "exec"), module.__dict__)
    return module


def _wait_for_stdin_close() -> None:
    sys.stdin.read()


async def _backend() -> None:
    from vendor.sandbox import http1

    async def client(reader, writer):
        http1.no_delay(writer)
        try:
            while (request := await http1.read_request(reader)) is not None:
                http1.write_response(writer, request, 200, [("Content-Type", "text/plain")], b"ok\n")
                await writer.drain()
                if not request.keep_alive:
                    break
        except (ConnectionError, asyncio.IncompleteReadError, http1.BadRequest, asyncio.CancelledError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(client, "127.0.0.1", 0, backlog=1024)
    print(f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}", flush=True)
    await asyncio.get_running_loop().run_in_executor(None, _wait_for_stdin_close)


def _door(which: str, emulator_url: str, region: str, counter: str) -> None:
    from vendor.aws.frontdoor_routes import routes
    from vendor.sandbox import elbv2_changes
    from vendor.sandbox.frontdoor import FrontDoor

    def client():
        return boto3.session.Session(region_name=region, aws_access_key_id="testing",
                                     aws_secret_access_key="testing").client("elbv2", endpoint_url=emulator_url)

    if which == "new":  # one client, kept (as vendor.sandbox.services does now); one read at a time
        elbv2 = client()
        door = FrontDoor(lambda: routes(elbv2, lambda target: target), refresh=1.0,
                         version=elbv2_changes.Reader(counter))
    else:  # as the sandbox services did at BASELINE: a client made for every read
        door = old_frontdoor().FrontDoor(lambda: routes(client(), lambda target: target), refresh=0)
    door.start()
    print(door.url, flush=True)
    _wait_for_stdin_close()
    door.stop()


if __name__ == "__main__":
    if sys.argv[1] == "backend":
        asyncio.run(_backend())
    else:
        _door(*sys.argv[2:6])
