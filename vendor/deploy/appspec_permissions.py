"""The `permissions` section of an appspec (Linux only), checked like the CodeDeploy agent does."""
from __future__ import annotations

import re
from typing import Any

from vendor.deploy.appspec_model import Permission, SELinuxContext
from vendor.deploy.appspec_problems import Collector, type_name

PERMISSION_KEYS = ("object", "pattern", "except", "owner", "group", "mode", "acls", "context", "type")
CONTEXT_KEYS = ("name", "type", "range")
OBJECT_TYPES = ("file", "directory")

MODE_RE = re.compile(r"^[0-7]{3,4}$")
ACE_KINDS = {"u": "user", "user": "user", "g": "group", "group": "group",
             "m": "mask", "mask": "mask", "o": "other", "other": "other"}
RANGE_RE = re.compile(r"^s\d+(?:-s\d+)?(?::c\d+(?:\.c\d+)?(?:,c\d+(?:\.c\d+)?)*)?$")

EXAMPLE = "- object: /var/www/html"


def check_permissions(c: Collector, value: Any) -> tuple[Permission, ...]:
    out = []
    for i, item in enumerate(c.items(value, ("permissions",), "permission entries", EXAMPLE)):
        perm = _permission(c, item, ("permissions", i))
        if perm is not None:
            out.append(perm)
    return tuple(out)


def _permission(c: Collector, item: Any, path: tuple) -> Permission | None:
    entry = c.mapping(item, path, EXAMPLE)
    if entry is None:
        return None
    suggested = c.known_keys(entry, path, PERMISSION_KEYS)
    before = len(c.problems)
    obj = None
    if c.required(entry, "object", path, "add object: the host path the settings apply to", suggested):
        obj = c.text(entry["object"], path + ("object",), "write a host path such as /var/www/html")
        if obj is not None:
            obj = c.host_path(obj, path + ("object",), "/var/www/html")
    fields = {
        "pattern": _text_or_none(c, entry, "pattern", path),
        "except_": _text_list(c, entry, "except", path, "except: ['*.log']"),
        "owner": _name_or_none(c, entry, "owner", path),
        "group": _name_or_none(c, entry, "group", path),
        "mode": _mode(c, entry.get("mode"), path + ("mode",)),
        "acls": _acls(c, entry.get("acls"), path + ("acls",)),
        "context": _context(c, entry.get("context"), path + ("context",)),
        "type": _types(c, entry.get("type"), path + ("type",)),
    }
    if len(c.problems) > before or obj is None:
        return None
    return Permission(object=obj, **{k: v for k, v in fields.items() if v is not None})


def _text_or_none(c: Collector, entry: dict, key: str, path: tuple) -> str | None:
    if entry.get(key) is None:
        return None
    return c.text(entry[key], path + (key,), f"quote the value: {key}: '...'")


def _name_or_none(c: Collector, entry: dict, key: str, path: tuple) -> str | None:
    if entry.get(key) is None:
        return None
    return c.name(entry[key], path + (key,), "user" if key == "owner" else "group")


def _text_list(c: Collector, entry: dict, key: str, path: tuple, example: str) -> tuple[str, ...] | None:
    if entry.get(key) is None:
        return None
    values = entry[key]
    if not isinstance(values, list):
        c.add(path + (key,), f"must be a list, not {type_name(values)}", f"write it like: {example}")
        return None
    out = []
    for i, v in enumerate(values):
        text = c.text(v, path + (key, i), "quote the pattern, e.g. '*.log'")
        if text is not None:
            out.append(text)
    return tuple(out)


def _mode(c: Collector, value: Any, path: tuple) -> str | None:
    if value is None:
        return None
    written = c.raw_value(path)
    if isinstance(value, int) and not isinstance(value, bool) and written and written.isdigit() \
            and written.startswith("0") and len(written) > 1:
        plain = written.lstrip("0") or "0"
        c.add(path, f"{written} has a leading 0, so YAML reads it as an octal number and "
                    f"CodeDeploy would get {value}, not {plain}",
              f"write mode: {plain} or quote it: mode: '{written}'")
        return None
    text = str(value) if isinstance(value, (int, str)) and not isinstance(value, bool) else None
    if text is None or not MODE_RE.match(text):
        c.add(path, f"{type_name(value)} is not 3 or 4 octal digits",
              "write it like chmod does, e.g. mode: 644 or mode: 2775")
        return None
    return text


def _acls(c: Collector, value: Any, path: tuple) -> tuple[str, ...] | None:
    if value is None:
        return None
    if not isinstance(value, list):
        c.add(path, f"must be a list, not {type_name(value)}", "write it like: acls: ['u:bob:rw']")
        return None
    out = []
    for i, ace in enumerate(value):
        if isinstance(ace, str) and is_acl_entry(ace.strip()):
            out.append(ace.strip())
        else:
            c.add(path + (i,), f"{type_name(ace)} is not an ACL entry",
                  "write a quoted setfacl entry such as u:NAME:rwx, g:NAME:rx, m::rwx or d:o::r")
    return tuple(out)


def is_acl_entry(ace: str) -> bool:
    """`[d:][u|g|m|o:]NAME:PERMS` as the CodeDeploy agent's AceInfo accepts it (setfacl syntax).

    Entries without a name, other than the mask, must be defaults: the base entries come
    from `mode`.
    """
    parts = ace.split(":")
    if not 2 <= len(parts) <= 4:
        return False
    default = False
    if len(parts) == 4:
        if parts[0] not in ("d", "default"):
            return False
        default, parts = True, parts[1:]
    kind = None
    if len(parts) == 3:
        if parts[0] in ("d", "default") and not default:
            default = True
        elif parts[0] in ACE_KINDS:
            kind = ACE_KINDS[parts[0]]
        else:
            return False
    who, perms = parts[-2], parts[-1]
    name = ""
    if ACE_KINDS.get(who) in ("mask", "other"):
        kind, name = (ACE_KINDS[who], "") if kind is None else (kind, who)
    else:
        kind, name = kind or "user", who
    if kind in ("mask", "other") and name:
        return False
    if not default and kind != "mask" and not name:
        return False
    return bool(re.fullmatch(r"[0-7]|[rwx-]*", perms))


def _context(c: Collector, value: Any, path: tuple) -> SELinuxContext | None:
    if value is None:
        return None
    ctx = c.mapping(value, path, "context: {type: httpd_sys_content_t}")
    if ctx is None:
        return None
    suggested = c.known_keys(ctx, path, CONTEXT_KEYS,
                             {"user": "the CodeDeploy agent reads the SELinux user from 'name'"})
    kind = None
    if c.required(ctx, "type", path, "add the SELinux type, e.g. type: httpd_sys_content_t", suggested):
        kind = c.text(ctx["type"], path + ("type",), "write an SELinux type, e.g. httpd_sys_content_t")
    name = None
    if ctx.get("name") is not None:
        name = c.text(ctx["name"], path + ("name",), "write an SELinux user, e.g. system_u")
    rng = None
    if ctx.get("range") is not None:
        rng = str(ctx["range"]).strip()
        if not RANGE_RE.match(rng):
            c.add(path + ("range",), f"'{rng}' is not an SELinux range",
                  "write it like s0, s0-s1 or s0:c0.c255")
            rng = None
    return SELinuxContext(type=kind, name=name, range=rng) if kind else None


def _types(c: Collector, value: Any, path: tuple) -> tuple[str, ...] | None:
    if value is None:
        return None
    if not isinstance(value, list):
        c.add(path, f"must be a list, not {type_name(value)}",
              "write it like: type: [file] or type: [file, directory]")
        return None
    for i, kind in enumerate(value):
        if kind not in OBJECT_TYPES:
            c.add(path + (i,), f"{type_name(kind)} is not file or directory",
                  "use file and/or directory")
    return tuple(value) if all(k in OBJECT_TYPES for k in value) else None
