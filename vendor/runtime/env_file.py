"""The env file each instance gets before BeforeInstall: one `KEY='value'` line per variable. Pure.

Values are single-quoted the way a POSIX shell reads them (`'` becomes `'\''`), so hooks can
`set -a; . /etc/vend/app.env; set +a`, and the starter apps parse the same lines. A value may not
contain a newline or a NUL: every variable is exactly one line.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import quote

PATH = "/etc/vend/app.env"
KEY = re.compile(r"^[A-Z_][A-Z0-9_]{0,127}$")
LINE = re.compile(r"^([A-Z_][A-Z0-9_]*)='(.*)'$")
# Names vend writes itself; config vars may not take them.
RESERVED = ("DATABASE_URL", "DB_HOST", "DB_PORT", "DB_NAME", "DB_USER", "DB_PASSWORD", "VEND_BUCKET",
            "AWS_REGION", "AWS_DEFAULT_REGION", "VEND_CUSTOMER", "VEND_ENVIRONMENT", "VEND_CONFIG_VARS")
# The group the starter app runs as, per stack (the env file is readable by it; root alone when
# the app runs as root).
APP_GROUPS = {"php-apache": "www-data", "static-site": "root", "python": "root"}
URL_SCHEMES = {"postgres": "postgresql", "mysql": "mysql", "mariadb": "mysql"}


class BadVariable(ValueError):
    pass


def check_key(key: str) -> str:
    if not KEY.match(key):
        raise BadVariable(f"{key!r} is not a usable variable name: use A-Z, 0-9 and _, not starting with a "
                          "digit, at most 128 characters (e.g. FEATURE_FLAGS)")
    if key in RESERVED or key.startswith("VEND_"):
        raise BadVariable(f"{key} is set by vend itself (the database, bucket, region, customer and environment): "
                          "pick another name")
    return key


def check_value(key: str, value: str) -> str:
    if "\n" in value or "\r" in value or "\0" in value:
        raise BadVariable(f"the value of {key} contains a line break or NUL: the env file holds one line per "
                          "variable (encode it, e.g. base64)")
    if len(value.encode()) > 4096:
        raise BadVariable(f"the value of {key} is longer than 4096 bytes (Parameter Store's standard tier limit)")
    return value


def parse_assignment(text: str) -> tuple[str, str]:
    """`KEY=VALUE` from the command line."""
    key, sep, value = text.partition("=")
    if not sep:
        raise BadVariable(f"{text!r}: write KEY=VALUE")
    return check_key(key), check_value(key, value)


@dataclass(frozen=True)
class DatabaseAccess:
    engine: str
    host: str
    port: int
    name: str
    user: str
    password: str

    def variables(self) -> dict[str, str]:
        url = (f"{URL_SCHEMES[self.engine]}://{quote(self.user, safe='')}:{quote(self.password, safe='')}"
               f"@{self.host}:{self.port}/{quote(self.name, safe='')}")
        return {"DATABASE_URL": url, "DB_HOST": self.host, "DB_PORT": str(self.port), "DB_NAME": self.name,
                "DB_USER": self.user, "DB_PASSWORD": self.password}


def variables(*, config_vars: dict[str, str], secret_names: set[str], database: DatabaseAccess | None,
              bucket: str, region: str, customer: str, environment: str) -> dict[str, str]:
    """Everything the app sees. VEND_CONFIG_VARS names the plain (non-secret) config vars, so an app
    may show those and never a secret."""
    out = dict(sorted(config_vars.items()))
    out["VEND_CONFIG_VARS"] = " ".join(k for k in sorted(config_vars) if k not in secret_names)
    if database:
        out.update(database.variables())
    out.update({"VEND_BUCKET": bucket, "AWS_REGION": region, "AWS_DEFAULT_REGION": region,
                "VEND_CUSTOMER": customer, "VEND_ENVIRONMENT": environment})
    return out


def quote_value(value: str) -> str:
    return "'" + value.replace("'", "'\\''") + "'"


def render(values: dict[str, str]) -> str:
    lines = ["# Written by vend before every deployment; changes here are overwritten."]
    for key, value in values.items():
        check_value(key, value)
        lines.append(f"{key}={quote_value(value)}")
    return "\n".join(lines) + "\n"


def parse(text: str) -> dict[str, str]:
    """The variables of a rendered env file (what the starter apps do, in Python)."""
    out = {}
    for line in text.splitlines():
        found = LINE.match(line)
        if found:
            out[found.group(1)] = found.group(2).replace("'\\''", "'")
    return out
