"""Serving the approvals web app with uvicorn: in the foreground (`vend approvals serve`) or
in a background thread of the current process (tests, embedded sandbox)."""
from __future__ import annotations

import threading
import time

import uvicorn

from vendor.approvals import decisions, keys, tokens
from vendor.approvals.settings import Settings
from vendor.approvals.store import Store
from vendor.approvals.webapp import create_app


def app_from_settings(settings: Settings, pipelines=None):
    store = Store(settings.db_path)
    signer = tokens.Signer(keys.load_key(settings.state_dir))
    return create_app(store, decisions.Decider(store, signer, pipelines))


def config(app, settings: Settings, *, log_level: str = "info") -> uvicorn.Config:
    # X-Forwarded-For/Proto are believed only from the configured proxies; without one, the
    # peer's own address is what a decision records (any local client could claim any text)
    trusted = settings.forwarded_allow_ips.strip()
    return uvicorn.Config(app, host=settings.host, port=settings.port, proxy_headers=bool(trusted),
                          forwarded_allow_ips=trusted or None, log_level=log_level,
                          access_log=False, server_header=False)


def serve(settings: Settings, *, pipelines=None, app=None) -> None:
    """Run until interrupted (Ctrl-C / SIGTERM)."""
    uvicorn.Server(config(app or app_from_settings(settings, pipelines), settings)).run()


class BackgroundServer:
    """uvicorn in a thread; port 0 picks a free port. Use as a context manager."""

    def __init__(self, app, settings: Settings, *, log_level: str = "warning"):
        self.server = uvicorn.Server(config(app, settings, log_level=log_level))
        self.thread = threading.Thread(target=self.server.run, name="vend-approvals-web", daemon=True)
        self.host = settings.host

    def start(self, timeout: float = 10.0) -> "BackgroundServer":
        self.thread.start()
        deadline = time.monotonic() + timeout
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the approvals web server did not start (is the address in use?)")
            time.sleep(0.01)
        return self

    @property
    def port(self) -> int:
        return self.server.servers[0].sockets[0].getsockname()[1]

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)

    def __enter__(self) -> "BackgroundServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
