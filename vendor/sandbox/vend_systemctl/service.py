"""One service: found by name (admin unit, init script, package unit), started, stopped, reported."""
from __future__ import annotations

import grp
import os
import pwd
import shlex
import signal
import subprocess
import time

from .units import (ADMIN_UNITS, INIT_DIR, INSTALL_KEYS, LOGS, LONG_RUNNING, PACKAGE_UNITS, PATH, START_TIMEOUT, STATE,
                    STOP_TIMEOUT, SUPPORTED_KEYS, TAG, UNIT_NAME, Refused, command, note, parse_unit,
                    read_env_file)

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
        sections = parse_unit(open(self.unit_file).read()) if self.unit_file else {}
        self.config = sections.get("Service", {})
        self.install = sections.get("Install", {})

    @property
    def static(self) -> bool:
        """A unit file with no installation config: systemd cannot enable it (is-enabled: static)."""
        return self.unit_file is not None and not any(self.install.get(k) for k in INSTALL_KEYS)

    def _find(self, dirs: tuple[str, ...]) -> str | None:
        names = [self.unit] + ([f"{self.prefix}@.service"] if self.instance else [])
        return next((f"{d}/{n}" for n in names for d in dirs if os.path.isfile(f"{d}/{n}")), None)

    # -- state --

    @property
    def pid_file(self) -> str:
        return f"{STATE}/{self.name}.pid"

    def main_pid(self) -> int | None:
        """The live main process of a service this stand-in started, else None. As systemd, a
        PIDFile counts only once the service was started (systemd reads it after ExecStart): a
        daemon that wrote it on its own (pm2's, spawned by a hook) does not make the unit active."""
        if not os.path.exists(self.pid_file):
            return None
        for path in self.config.get("PIDFile", [])[-1:] + [self.pid_file]:  # the daemon may rewrite its own
            pid = _read_pid(path)
            if pid and _alive(pid):
                return pid
        return None

    def active(self) -> bool:
        if self.init_script:
            return run_init([self.init_script, "status"], quiet=True) == 0
        if self.value("Type", "simple") == "oneshot":
            return os.path.exists(f"{STATE}/{self.name}.done")
        return self.main_pid() is not None

    def value(self, key: str, default: str = "") -> str:
        values = self.config.get(key)
        return values[-1] if values else default

    # -- actions --

    def start(self) -> int:
        if self.init_script:
            return run_init([self.init_script, "start"])
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
            write_file(self.pid_file, f"{pid}\n")
        elif kind in ("forking", "oneshot"):
            for line in starts:
                self._exec(line, env)
            if kind == "forking":
                self._note_forked_pid()
            if kind == "oneshot" and self.value("RemainAfterExit", "no") in ("yes", "true", "1", "on"):
                write_file(f"{STATE}/{self.name}.done", "")
        else:
            raise Refused(f"{self.unit_file}: Type={kind} is not supported (simple, exec, notify, idle, forking, oneshot)")
        for line in self.config.get("ExecStartPost", []):
            self._exec(line, env)
        return 0

    def stop(self) -> int:
        if self.init_script:
            return run_init([self.init_script, "stop"])
        if not self.active():  # as systemd: stopping an inactive unit runs no ExecStop, kills nothing
            self._forget()
            return 0
        env, pid = self.environment(), self.main_pid()
        if pid:
            env["MAINPID"] = str(pid)
        for line in self.config.get("ExecStop", []):
            self._exec(line, env)
        if pid:
            _terminate(pid)
        for line in self.config.get("ExecStopPost", []):
            self._exec(line, env)
        self._forget()
        return 0

    def _forget(self) -> None:
        for path in (self.pid_file, f"{STATE}/{self.name}.done"):
            if os.path.exists(path):
                os.unlink(path)

    def _note_forked_pid(self) -> None:
        """After a forking unit's ExecStart: its main pid from PIDFile, waited for as systemd waits
        (up to the start timeout); without PIDFile, systemd guesses the main process from the
        unit's cgroup, which this stand-in has not: it says so and the unit counts as inactive."""
        pid_files = self.config.get("PIDFile", [])[-1:]
        if not pid_files:
            note(f"{self.unit}: Type=forking without PIDFile=: its main process is not known here (no cgroups); "
                 "the service runs but is-active and stop do not see it (add PIDFile=)")
            return
        deadline = time.monotonic() + START_TIMEOUT
        while not ((pid := _read_pid(pid_files[0])) and _alive(pid)):
            if time.monotonic() > deadline:
                raise Refused(f"{self.unit}: PID file {pid_files[0]} not readable (yet?) after start: "
                              "the service failed (as systemd would say)")
            time.sleep(0.05)
        write_file(self.pid_file, f"{pid}\n")

    def reload(self) -> int:
        if self.init_script:
            return run_init([self.init_script, "reload"])
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
            run_init([self.init_script, "status"])
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


def _read_pid(path: str) -> int | None:
    try:
        return int(open(path).read().split()[0])
    except (OSError, ValueError, IndexError):
        return None


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


def run_init(argv: list[str], quiet: bool = False) -> int:
    """An init script with the environment `service` gives it: a clean one."""
    out = subprocess.DEVNULL if quiet else None
    env = {"PATH": PATH, "LANG": os.environ.get("LANG", "C.UTF-8"), "TERM": os.environ.get("TERM", "dumb")}
    return subprocess.run(argv, env=env, cwd="/", stdin=subprocess.DEVNULL, stdout=out, stderr=out).returncode


def write_file(path: str, text: str) -> None:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


