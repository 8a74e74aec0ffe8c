"""The commands: `systemctl ACTION NAME...`, `service NAME ACTION`, and the boot start (`vend-boot`)."""
from __future__ import annotations

import os
import shutil

from .service import Service, run_init, write_file
from .units import ACTIONS, BOOT, ENABLED, QUIET_OPTIONS, STATE, Refused, note

def act(action: str, names: list[str], now: bool, quiet: bool) -> int:
    if action in ("daemon-reload", "daemon-reexec", "reset-failed"):
        return 0
    if not names:
        raise Refused(f"{action} needs a unit name")
    worst = 0
    for name in names:
        service = Service(name)
        if action == "start":
            code = service.start()
        elif action == "stop":
            code = service.stop()
        elif action == "restart":
            if service.init_script:
                code = run_init([service.init_script, "restart"])
            else:
                service.stop()
                code = service.start()
        elif action in ("reload", "force-reload"):
            code = service.reload()
        elif action == "try-restart":
            code = act("restart", [name], False, True) if service.active() else 0
        elif action in ("reload-or-restart", "try-reload-or-restart"):
            if not service.active():
                code = service.start() if action == "reload-or-restart" else 0
            elif service.init_script or service.config.get("ExecReload"):
                code = service.reload()
            else:
                code = act("restart", [name], False, True)
        elif action == "status":
            code = service.status()
        elif action in ("is-active", "is-failed"):
            active = service.active()
            if not quiet:
                print("active" if active else "inactive")
            code = (0 if active else 3) if action == "is-active" else 1
        elif action == "is-enabled":
            enabled = os.path.exists(f"{ENABLED}/{service.name}")
            if not quiet:
                print("enabled" if enabled else "static" if service.static else "disabled")
            code = 0 if enabled or service.static else 1
        elif action in ("enable", "disable") and service.static:
            note(f"{action} {service.unit}: the unit has no installation config (WantedBy=, RequiredBy=, UpheldBy=, "
                 "Also=, Alias= in [Install]), so, as systemd, nothing is " + ("enabled: it does not start when "
                 "the host boots" if action == "enable" else "disabled"))
            code = (service.start() if action == "enable" else service.stop()) if now else 0
        elif action in ("enable", "disable"):
            marker = f"{ENABLED}/{service.name}"
            if action == "enable":
                write_file(marker, "")
            elif os.path.exists(marker):
                os.unlink(marker)
            note(f"{action} {service.unit}: " + ("it starts when the host boots" if action == "enable"
                                                 else "it no longer starts when the host boots"))
            code = (service.start() if action == "enable" else service.stop()) if now else 0
        else:
            raise Refused(f"{action!r} is not supported")
        worst = worst or code
    return worst


def boot() -> int:
    """What the host runs as it boots (vend's launch script): start every enabled service, as
    systemd starts an instance's; one that fails is reported in the boot log and the rest go on.
    First it forgets what it noted before the host went down: an instance's /run is a fresh tmpfs
    at boot, a host's is on its disk, and a pid noted then may be another process's now."""
    shutil.rmtree(STATE, ignore_errors=True)
    names = sorted(os.listdir(ENABLED)) if os.path.isdir(ENABLED) else []
    for name in names:
        try:
            code = Service(name).start()
        except Refused as e:
            note(f"boot: {e}")
            continue
        print(f"boot: {name} {'started' if code == 0 else f'failed to start (exit code {code})'}", flush=True)
    return 0


def systemctl(args: list[str]) -> int:
    options = [a for a in args if a.startswith("-")]
    words = [a for a in args if not a.startswith("-")]
    for option in options:
        if option == "--user":
            raise Refused("--user (per-user services) is not supported")
        if option not in QUIET_OPTIONS and not option.startswith(("--lines", "--output", "-n", "-o")):
            raise Refused(f"option {option} is not supported")
    if not words:
        raise Refused("listing units is not supported; name a service (systemctl status NAME)")
    action = words[0]
    if action == BOOT and len(words) == 1:
        return boot()
    if action not in ACTIONS:
        raise Refused(f"'systemctl {action}' is not supported (supported: {', '.join(ACTIONS)})")
    return act(action, words[1:], "--now" in options, "-q" in options or "--quiet" in options)


def service(args: list[str]) -> int:
    if not args or args[0].startswith("-"):
        raise Refused("usage here: service NAME ACTION (--status-all and options are not supported)")
    name, rest = args[0], args[1:]
    if not rest:
        raise Refused(f"service {name}: name an action (start, stop, restart, reload, status)")
    unit = Service(name)
    if unit.init_script:  # as Debian's `service` does without systemd: the init script, any action
        return run_init([unit.init_script, *rest])
    if rest[0] not in ACTIONS:
        raise Refused(f"'service {name} {rest[0]}' is not supported")
    return act(rest[0], [name], False, False)


def main(argv: list[str]) -> int:
    program = os.path.basename(argv[0])
    try:
        return service(argv[1:]) if program == "service" else systemctl(argv[1:])
    except Refused as e:
        note(str(e))
        return e.code

