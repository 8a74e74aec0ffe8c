"""The sandbox services: one background process serving, on 127.0.0.1,

- the approvals service's Lambda handler: fed from the emulator's `vend-approvals` queue as
  Lambda's event source mapping feeds it on AWS (`approvals_feed.py`), and answering the approval
  links as the Function URL hands them to it (`approvals_web.py`; the pending list is the web
  app of `vend approvals serve`),
- a mail catcher (real SMTP; every message lands in the approvals outbox),
- the front door: HTTP routed by Host header and path to the healthy registered local hosts of
  each customer's target group, as the ALB's listener rules do.

`vend up` starts it (recorded as `services.json` in the state dir); while it runs, vend commands
mail through its catcher and put its address in approval links (see `settings_env`).
"""
from __future__ import annotations

import socket
import sys
from dataclasses import dataclass
from pathlib import Path

from vendor.sandbox import daemons, emulator, environments

RECORD = "services.json"
LOG = "services.log"
PREFERRED = {"front_door_port": 8080, "web_port": 8377, "smtp_port": 8025}


class ServicesError(RuntimeError):
    pass


@dataclass(frozen=True)
class Services:
    pid: int
    front_door_port: int
    web_port: int
    smtp_port: int

    @property
    def front_door(self) -> str:
        return f"http://{daemons.HOST}:{self.front_door_port}"

    @property
    def web(self) -> str:
        return f"http://{daemons.HOST}:{self.web_port}"


def status(state_dir: Path) -> Services | None:
    record = daemons.read(Path(state_dir) / RECORD)
    return Services(**record) if record else None


def _port(preferred: int, taken: set[int]) -> int:
    """`preferred` when it is free here, else any free port not in `taken`."""
    if preferred not in taken:
        try:
            with socket.socket() as s:
                s.bind((daemons.HOST, preferred))
            return preferred
        except OSError:
            pass
    port = daemons.free_port()
    while port in taken:
        port = daemons.free_port()
    return port


def start(state_dir: Path) -> tuple[Services, bool]:
    """(the services, True if this call started them). Reuses running ones."""
    running = status(state_dir)
    if running:
        return running, False
    state, ports = Path(state_dir), {}
    for key, preferred in PREFERRED.items():
        ports[key] = _port(preferred, set(ports.values()))
    argv = [sys.executable, "-m", "vendor.sandbox.services", str(state),
            *(str(ports[k]) for k in ("front_door_port", "web_port", "smtp_port"))]
    try:
        record = daemons.launch(state / RECORD, argv, ports, log=state / LOG, what="the sandbox services")
    except daemons.DaemonError as e:
        raise ServicesError(str(e)) from None
    return Services(**record), True


def stop(state_dir: Path) -> Services | None:
    record = daemons.terminate(Path(state_dir) / RECORD)
    return Services(**record) if record else None


def settings_env(services: Services) -> dict[str, str]:
    """Approvals settings while the services run: mail goes to the catcher, links to the pages."""
    return {"VEND_MAIL_TRANSPORT": "smtp", "VEND_SMTP_HOST": daemons.HOST, "VEND_SMTP_PORT": str(services.smtp_port),
            "VEND_SMTP_SECURITY": "none", "VEND_APPROVALS_PUBLIC_URL": services.web}


# -- the process itself ------------------------------------------------------------------------

def _routes(state_dir: Path):
    """Front-door routes of every sandbox environment, read fresh from the emulator (one client per
    region and emulator, kept: making one costs more than the reads)."""
    from vendor.aws import clients
    from vendor.aws.endpoint import DUMMY_CREDENTIALS
    from vendor.aws.frontdoor_routes import routes

    made = {}

    def read():
        running = emulator.status(state_dir)
        envs = environments.load_all(state_dir)
        if running is None or not envs:
            return []
        addresses = {iid: env.hosts[iid]["address"] for env in envs for iid in env.hosts}
        key, secret = DUMMY_CREDENTIALS
        out = []
        for region in sorted({e.region for e in envs}):
            if (region, running.url) not in made:
                made[(region, running.url)] = clients.session(region=region).client(
                    "elbv2", endpoint_url=running.url, aws_access_key_id=key, aws_secret_access_key=secret,
                    config=clients.RETRIES)
            out += routes(made[(region, running.url)], addresses.get)
        return sorted(out, key=lambda r: r.priority)

    return read


def serve(state_dir: Path, front_door_port: int, web_port: int, smtp_port: int) -> None:
    from aiosmtpd.controller import Controller

    from vendor.approvals.outbox import Catcher
    from vendor.approvals.server import BackgroundServer, app_from_settings
    from vendor.approvals.settings import Settings
    from vendor.sandbox import approvals_web, elbv2_changes
    from vendor.sandbox.approvals_feed import Feed
    from vendor.sandbox.frontdoor import FrontDoor

    settings = Settings.from_env({"VEND_STATE_DIR": str(state_dir),
                                  "VEND_APPROVALS_BIND": f"{daemons.HOST}:{web_port}",
                                  "VEND_APPROVALS_PUBLIC_URL": f"http://{daemons.HOST}:{web_port}"})
    daemons.hold_stop_signals()
    feed = Feed(state_dir, settings.base_url, daemons.HOST, smtp_port)
    web = BackgroundServer(approvals_web.create_app(app_from_settings(settings), feed.link_service), settings).start()
    mail = Controller(Catcher(settings.outbox), hostname=daemons.HOST, port=smtp_port)
    mail.start()
    # routes are reloaded before the next request whenever the emulator's change counter moves
    # (a register/deregister, a rule change), so a host the rollout has just deregistered gets no
    # new request (the ALB's behaviour once a target is draining); every second as a safety net
    changes = elbv2_changes.Reader(Path(state_dir) / elbv2_changes.FILE)
    door = FrontDoor(_routes(state_dir), port=front_door_port, refresh=1.0, version=changes).start()
    feed.start()
    daemons.wait_for_stop()
    feed.stop()
    door.stop()
    mail.stop()
    web.stop()


if __name__ == "__main__":
    serve(Path(sys.argv[1]), *(int(a) for a in sys.argv[2:5]))
