"""What the stand-in reads: unit files, Exec lines, environment files; its names and its refusals."""
from __future__ import annotations

import re
import shlex
import sys

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
UNIT_NAME = re.compile(r"^[A-Za-z0-9:_.-]+(@[A-Za-z0-9:_.-]*)?(\.[a-z]+)?$")
LONG_RUNNING = ("simple", "exec", "notify", "idle", "dbus")
SUPPORTED_KEYS = {"Type", "ExecStart", "ExecStartPre", "ExecStartPost", "ExecReload", "ExecStop", "ExecStopPost",
                  "User", "Group", "WorkingDirectory", "Environment", "EnvironmentFile", "RuntimeDirectory",
                  "RuntimeDirectoryMode", "PIDFile", "RemainAfterExit", "TimeoutStartSec", "TimeoutStopSec",
                  "TimeoutSec", "KillMode", "StandardOutput", "StandardError", "SyslogIdentifier", "GuessMainPID"}
INSTALL_KEYS = ("WantedBy", "RequiredBy", "UpheldBy", "Also", "Alias", "DefaultInstance")  # [Install]: enable-able
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


def parse_unit(text: str) -> dict[str, dict[str, list[str]]]:
    """Sections -> key -> values, as systemd reads them (continuation lines, repeated keys
    append, an empty assignment resets the list)."""
    sections: dict[str, dict[str, list[str]]] = {}
    current: dict[str, list[str]] | None = None
    lines = iter(text.splitlines())
    for raw in lines:
        line = raw.strip()
        while line.endswith("\\"):
            line = line[:-1].rstrip() + " " + next(lines, "").strip()
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


