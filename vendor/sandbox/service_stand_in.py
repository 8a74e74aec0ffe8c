#!/usr/bin/python3
"""vend sandbox: the stand-in for `systemctl` and `service` on local hosts, which have no systemd.

Installed on every local host as /usr/bin/systemctl and /usr/sbin/service (this file, standard
library only, run by the host's python3). It starts, stops, restarts, reloads and reports the
services an image installs, as an instance's systemd would, from:

  1. a unit file the admin wrote: /etc/systemd/system/NAME.service (and /run/systemd/system);
  2. the package's init script: /etc/init.d/NAME (apache2, nginx, postgresql, ... on Debian/Ubuntu);
  3. the package's unit file: /lib/systemd/system, /usr/lib/systemd/system.

From a unit file it runs ExecStartPre/ExecStart/ExecStartPost/ExecReload/ExecStop with User,
Group, WorkingDirectory, Environment, EnvironmentFile and RuntimeDirectory, for Type simple,
exec, notify, idle, forking and oneshot; output goes to /var/log/vend-services/NAME.log (no
journal). It says so, naming itself, for what it does not do: other unit types, other commands,
directives it ignores (no restart on failure, no sandboxing). Services enabled (`systemctl enable`,
or a package's default, recorded by the local bake) start when the host boots: `systemctl vend-boot`.
"""
from __future__ import annotations

import grp
import os
import pwd
import re
import shlex
import signal
import subprocess
import sys
import time

TAG = "vend sandbox (no systemd on this host): systemctl stand-in"
ADMIN_UNITS = ("/etc/systemd/system", "/run/systemd/system")
PACKAGE_UNITS = ("/lib/systemd/system", "/usr/lib/systemd/system")
INIT_DIR = "/etc/init.d"
STATE = "/run/vend-services"
LOGS = "/var/log/vend-services"
ENABLED = "/var/lib/vend-services/enabled"
BOOT = "vend-boot"  # vend's launch script: start the enabled services (not a systemctl command)
PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
START_TIMEOUT = 90.0
STOP_TIMEOUT = 10.0
UNIT_NAME = re.compile(r"^[A-Za-z0-9:_.\\-]+(@[A-Za-z0-9:_.\\-]*)?(\.[a-z]+)?$")
LONG_RUNNING = ("simple", "exec", "notify", "idle", "dbus")
SUPPORTED_KEYS = {"Type", "ExecStart", "ExecStartPre", "ExecStartPost", "ExecReload", "ExecStop", "ExecStopPost",
                  "User", "Group", "WorkingDirectory", "Environment", "EnvironmentFile", "RuntimeDirectory",
                  "RuntimeDirectoryMode", "PIDFile", "RemainAfterExit", "TimeoutStartSec", "TimeoutStopSec",
                  "TimeoutSec", "KillMode", "StandardOutput", "StandardError", "SyslogIdentifier", "GuessMainPID"}
ACTIONS = ("start", "stop", "restart", "reload", "try-restart", "reload-or-restart", "try-reload-or-restart",
           "force-reload", "status", "is-active", "is-failed", "is-enabled", "enable", "disable", "daemon-reload",
           "daemon-reexec", "reset-failed")
QUIET_OPTIONS = {"--no-pager", "--no-block", "--no-ask-password", "--full", "-l", "--system", "--no-legend",
                 "--plain", "--now", "-q", "--quiet", "--force", "-f"}


class Refused(Exception):
    """Something this stand-in does not do (exit code, message)."""

    def __init__(self, message: str, code: int = 1):
        super().__init__(message)
        self.code = code


def note(message: str) -> None:
    print(f"{TAG}: {message}", file=sys.stderr, flush=True)


# -- unit files -------------------------------------------------------------------------------

def parse_unit(text: str) -> dict[str, dict[str, list[str]]]:
    """Sections -> key -> values, as systemd reads them (continuation lines, repeated keys
    append, an empty assignment resets the list)."""
    sections: dict[str, dict[str, list[str]]] = {}
    current: dict[str, list[str]] | None = None
    lines = iter(text.splitlines())
    for raw in lines:
        line = raw.strip()
        while line.endswith("\\"):
            line = line[:-1] + " " + next(lines, "").strip()
        if not line or line[0] in "#;":
            continue
        if line.startswith("[") and line.endswith("]"):
            current = sections.setdefault(line[1:-1], {})
            continue
        if current is None or "=" not in line:
            continue
        key, _, value = line.partition("=")
        key, value = key.strip(), value.strip()
        if value == "":
            current[key] = []
        else:
            current.setdefault(key, []).append(value)
    return sections


def expand(word: str, env: dict[str, str]) -> list[str]:
    """systemd's variable expansion in Exec lines: `$VAR` alone is split into words, `${VAR}` is not."""
    whole = re.fullmatch(r"\$([A-Za-z_][A-Za-z0-9_]*)", word)
    if whole:
        return env.get(whole[1], "").split()
    return [re.sub(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}", lambda m: env.get(m[1], ""), word)]


def command(line: str, env: dict[str, str], specifiers: dict[str, str]) -> tuple[list[str], bool]:
    """(argv, failure ignored) for one Exec line."""
    ignore = False
    while line and line[0] in "-@:+!":
        ignore = ignore or line[0] == "-"
        if line[0] == "@":
            raise Refused(f"the '@' prefix in {line!r} is not supported")
        line = line[1:]
    found = re.findall(r"%(.)", line)
    for spec in found:
        if spec not in specifiers:
            raise Refused(f"the specifier %{spec} in {line!r} is not supported (only %i %I %n %N %p %%)")
    line = re.sub(r"%(.)", lambda m: specifiers[m[1]], line)
    argv = [part for word in shlex.split(line) for part in expand(word, env)]
    if not argv:
        raise Refused(f"empty command line {line!r}")
    return argv, ignore


def read_env_file(path: str) -> dict[str, str]:
    found = {}
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line or line[0] in "#;" or "=" not in line:
                continue
            key, _, value = line.partition("=")
            value = value.strip()
            if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
                value = value[1:-1]
            found[key.strip().removeprefix("export ").strip()] = value
    return found


# -- services ---------------------------------------------------------------------------------

class Service:
    def __init__(self, name: str):
        if "/" in name or not UNIT_NAME.match(name):
            raise Refused(f"invalid unit name {name!r}")
        unit = name if "." in name.rsplit("@", 1)[-1] and not name.endswith(".") else f"{name}.service"
        kind = unit.rsplit(".", 1)[1]
        if kind != "service":
            raise Refused(f"{unit}: only .service units are supported here (no {kind} units without systemd)")
        self.unit = unit
        self.name = unit[: -len(".service")]
        self.prefix, _, self.instance = self.name.partition("@")
        self.unit_file = self._find(ADMIN_UNITS)
        self.init_script = None
        if self.unit_file is None and os.access(f"{INIT_DIR}/{self.name}", os.X_OK):
            self.init_script = f"{INIT_DIR}/{self.name}"
        if self.unit_file is None and self.init_script is None:
            self.unit_file = self._find(PACKAGE_UNITS)
        if self.unit_file is None and self.init_script is None:
            raise Refused(f"Unit {self.unit} could not be found (no {INIT_DIR}/{self.name}, no {self.unit} in "
                          f"{', '.join(ADMIN_UNITS + PACKAGE_UNITS)}; install its package in the image)", 5)
        self.config = parse_unit(open(self.unit_file).read()).get("Service", {}) if self.unit_file else {}

    def _find(self, dirs: tuple[str, ...]) -> str | None:
        names = [self.unit] + ([f"{self.prefix}@.service"] if self.instance else [])
        return next((f"{d}/{n}" for n in names for d in dirs if os.path.isfile(f"{d}/{n}")), None)

    # -- state --

    @property
    def pid_file(self) -> str:
        return f"{STATE}/{self.name}.pid"

    def main_pid(self) -> int | None:
        files = [self.pid_file] + self.config.get("PIDFile", [])[-1:]
        for path in files:
            try:
                pid = int(open(path).read().split()[0])
            except (OSError, ValueError, IndexError):
                continue
            if _alive(pid):
                return pid
        return None

    def active(self) -> bool:
        if self.init_script:
            return _run([self.init_script, "status"], quiet=True) == 0
        if self.value("Type", "simple") == "oneshot":
            return os.path.exists(f"{STATE}/{self.name}.done")
        return self.main_pid() is not None

    def value(self, key: str, default: str = "") -> str:
        values = self.config.get(key)
        return values[-1] if values else default

    # -- actions --

    def start(self) -> int:
        if self.init_script:
            return _run([self.init_script, "start"])
        if self.active():
            return 0
        self._warn_ignored()
        env, kind = self.environment(), self.value("Type", "simple")
        self._runtime_dirs()
        for line in self.config.get("ExecStartPre", []):
            self._exec(line, env)
        starts = self.config.get("ExecStart", [])
        if not starts:
            raise Refused(f"{self.unit_file}: no ExecStart=")
        if kind in LONG_RUNNING:
            argv, _ = command(starts[-1], env, self.specifiers())
            pid = self._spawn(argv, env)
            _write(self.pid_file, f"{pid}\n")
        elif kind in ("forking", "oneshot"):
            for line in starts:
                self._exec(line, env)
            if kind == "oneshot" and self.value("RemainAfterExit", "no") in ("yes", "true", "1", "on"):
                _write(f"{STATE}/{self.name}.done", "")
        else:
            raise Refused(f"{self.unit_file}: Type={kind} is not supported (simple, exec, notify, idle, forking, oneshot)")
        for line in self.config.get("ExecStartPost", []):
            self._exec(line, env)
        return 0

    def stop(self) -> int:
        if self.init_script:
            return _run([self.init_script, "stop"])
        env, pid = self.environment(), self.main_pid()
        if pid:
            env["MAINPID"] = str(pid)
        for line in self.config.get("ExecStop", []):
            self._exec(line, env)
        if pid:
            _terminate(pid)
        for line in self.config.get("ExecStopPost", []):
            self._exec(line, env)
        for path in (self.pid_file, f"{STATE}/{self.name}.done"):
            if os.path.exists(path):
                os.unlink(path)
        return 0

    def reload(self) -> int:
        if self.init_script:
            return _run([self.init_script, "reload"])
        reloads = self.config.get("ExecReload", [])
        if not reloads:
            raise Refused(f"Job type reload is not applicable for unit {self.unit} (it has no ExecReload=)")
        if not self.active():
            raise Refused(f"{self.unit} is not active, cannot reload", 7)
        env = self.environment()
        env["MAINPID"] = str(self.main_pid() or "")
        for line in reloads:
            self._exec(line, env)
        return 0

    def status(self) -> int:
        active = self.active()
        source = self.init_script or self.unit_file
        print(f"* {self.unit} - from {source} ({TAG})")
        print(f"     Active: {'active (running)' if active else 'inactive (dead)'}")
        pid = None if self.init_script else self.main_pid()
        if pid:
            print(f"   Main PID: {pid}")
        if self.init_script:
            _run([self.init_script, "status"])
        else:
            log = f"{LOGS}/{self.name}.log"
            if os.path.exists(log):
                print(f"   Log: {log} (no journal here); last lines:")
                for line in open(log, errors="replace").read().splitlines()[-10:]:
                    print(f"     {line}")
        return 0 if active else 3

    # -- helpers --

    def specifiers(self) -> dict[str, str]:
        return {"i": self.instance, "I": self.instance, "n": self.unit, "N": self.name, "p": self.prefix, "%": "%"}

    def environment(self) -> dict[str, str]:
        env = {"PATH": PATH, "LANG": os.environ.get("LANG", "C.UTF-8")}
        user = self.value("User")
        if user:
            try:
                entry = pwd.getpwnam(user)
            except KeyError:
                raise Refused(f"{self.unit_file}: User={user} does not exist on this host") from None
            env.update(HOME=entry.pw_dir, USER=user, LOGNAME=user, SHELL=entry.pw_shell)
        for line in self.config.get("Environment", []):
            for pair in shlex.split(line):
                if "=" in pair:
                    key, _, value = pair.partition("=")
                    env[key] = value
        for line in self.config.get("EnvironmentFile", []):
            optional = line.startswith("-")
            path = line.lstrip("-")
            try:
                env.update(read_env_file(path))
            except OSError:
                if not optional:
                    raise Refused(f"{self.unit_file}: EnvironmentFile={path} cannot be read") from None
        return env

    def _warn_ignored(self) -> None:
        ignored = sorted(k for k in self.config if k not in SUPPORTED_KEYS)
        if ignored:
            note(f"{self.unit}: ignoring {', '.join(f'{k}=' for k in ignored)} (not supported here; "
                 "e.g. nothing restarts a service that exits)")

    def _runtime_dirs(self) -> None:
        mode = int(self.value("RuntimeDirectoryMode", "0755"), 8)
        for line in self.config.get("RuntimeDirectory", []):
            for name in line.split():
                path = f"/run/{name}"
                os.makedirs(path, mode=mode, exist_ok=True)
                ids = self._ids()
                if ids:
                    os.chown(path, *ids)

    def _ids(self) -> tuple[int, int] | None:
        user, group = self.value("User"), self.value("Group")
        if not user and not group:
            return None
        uid = pwd.getpwnam(user).pw_uid if user else 0
        gid = grp.getgrnam(group).gr_gid if group else (pwd.getpwnam(user).pw_gid if user else 0)
        return uid, gid

    def _popen_args(self, env: dict[str, str]) -> dict:
        args = {"env": env, "cwd": self.value("WorkingDirectory", "/").lstrip("-") or "/", "stdin": subprocess.DEVNULL}
        if args["cwd"] == "~":
            args["cwd"] = env.get("HOME", "/")
        ids = self._ids()
        if ids:
            args.update(user=ids[0], group=ids[1], extra_groups=[])
        return args

    def _exec(self, line: str, env: dict[str, str]) -> None:
        argv, ignore = command(line, env, self.specifiers())
        os.makedirs(LOGS, exist_ok=True)
        with open(f"{LOGS}/{self.name}.log", "ab") as log:
            try:
                done = subprocess.run(argv, stdout=log, stderr=subprocess.STDOUT, timeout=START_TIMEOUT,
                                      **self._popen_args(env))
            except OSError as e:
                raise Refused(f"{self.unit}: cannot run {argv[0]}: {e.strerror}") from None
            except subprocess.TimeoutExpired:
                raise Refused(f"{self.unit}: {' '.join(argv)} did not finish in {START_TIMEOUT:g}s") from None
        if done.returncode != 0 and not ignore:
            raise Refused(f"{self.unit}: {' '.join(argv)} exited with code {done.returncode} "
                          f"(see {LOGS}/{self.name}.log)")

    def _spawn(self, argv: list[str], env: dict[str, str]) -> int:
        os.makedirs(LOGS, exist_ok=True)
        with open(f"{LOGS}/{self.name}.log", "ab") as log:
            try:
                process = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
                                           **self._popen_args(env))
            except OSError as e:
                raise Refused(f"{self.unit}: cannot run {argv[0]}: {e.strerror}") from None
        return process.pid


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


def _terminate(pid: int) -> None:
    for sig, wait in ((signal.SIGTERM, STOP_TIMEOUT), (signal.SIGKILL, 2.0)):
        for kill in (lambda: os.killpg(pid, sig), lambda: os.kill(pid, sig)):
            try:
                kill()
            except OSError:
                pass
        deadline = time.monotonic() + wait
        while _alive(pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        if not _alive(pid):
            return


def _run(argv: list[str], quiet: bool = False) -> int:
    """An init script with the environment `service` gives it: a clean one."""
    out = subprocess.DEVNULL if quiet else None
    env = {"PATH": PATH, "LANG": os.environ.get("LANG", "C.UTF-8"), "TERM": os.environ.get("TERM", "dumb")}
    return subprocess.run(argv, env=env, cwd="/", stdin=subprocess.DEVNULL, stdout=out, stderr=out).returncode


def _write(path: str, text: str) -> None:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


# -- commands ---------------------------------------------------------------------------------

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
                code = _run([service.init_script, "restart"])
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
                print("enabled" if enabled else "disabled")
            code = 0 if enabled else 1
        elif action in ("enable", "disable"):
            marker = f"{ENABLED}/{service.name}"
            if action == "enable":
                _write(marker, "")
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
    systemd starts an instance's; one that fails is reported in the boot log and the rest go on."""
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
        return _run([unit.init_script, *rest])
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


if __name__ == "__main__":
    sys.exit(main(sys.argv))
