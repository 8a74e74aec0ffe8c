"""Validation of a loaded appspec document into the typed model (EC2/on-premises, Linux).

All problems of a file are collected and raised together as one `SourceError`; an ECS or
Lambda appspec raises `OtherPlatformError` (a `SourceError`) with a single problem.
"""
from __future__ import annotations

import posixpath
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from vendor.config.source import Document
from vendor.deploy.appspec_model import (
    DEFAULT_FILE_EXISTS_BEHAVIOR, FILE_EXISTS_BEHAVIORS, HOOK_EVENTS, LIFECYCLE_ORDER,
    MAX_EVENT_TIMEOUT, RESERVED_EVENTS, AppSpec, FileMapping, HookScript, ordered_hooks)
from vendor.deploy.appspec_permissions import check_permissions
from vendor.deploy.appspec_problems import Collector, OtherPlatformError, closest, type_name

TOP_KEYS = ("version", "os", "files", "permissions", "hooks", "file_exists_behavior")
FILE_KEYS = ("source", "destination")
SCRIPT_KEYS = ("location", "timeout", "runas", "sudo")

RESERVED_HINTS = {
    "DownloadBundle": "put the scripts under BeforeInstall",
    "Install": "put the scripts under BeforeInstall or AfterInstall",
    "BlockTraffic": "put the scripts under BeforeBlockTraffic or AfterBlockTraffic",
    "AllowTraffic": "put the scripts under BeforeAllowTraffic or AfterAllowTraffic",
}
OLD_EVENT_NAMES = {  # names from early CodeDeploy agents
    "BeforeELBRemove": "BeforeBlockTraffic", "AfterELBRemove": "AfterBlockTraffic",
    "BeforeELBAdd": "BeforeAllowTraffic", "AfterELBAdd": "AfterAllowTraffic",
}
FILE_KEYS_IGNORED = {  # seen in real revisions: the agent ignores them, the revision deploys
    "overwrite": "CodeDeploy ignores it; to replace existing files set "
                 "file_exists_behavior: OVERWRITE at the top level",
}
FILES_EXAMPLE = "- source: /"
SCRIPT_EXAMPLE = "- location: scripts/start.sh"


def check_document(doc: Document, *, revision: Path | None, raw_lines: list[str]) -> AppSpec:
    """The AppSpec of `doc`, or SourceError with every problem found.

    `revision` is the revision directory the appspec belongs to; with None, the checks that
    files and scripts exist in the revision are skipped. `raw_lines` is the file's text (for
    checks YAML hides, such as `mode: 0644`); empty skips them.
    """
    c = Collector(doc, revision, raw_lines)
    data = doc.data
    if data is None:
        c.add((), "the appspec is empty", "start it with version: 0.0 and os: linux")
        raise c.error()
    top = c.mapping(data, (), "version: 0.0 on its own line")
    if top is None:
        raise c.error()
    if "Resources" in top:
        _other_platform(c, top)
    if top.get("os") == "windows":
        c.add(("os",), "windows is out of scope: vend deploys to Linux hosts",
              "write the appspec for Linux: os: linux, Linux paths and shell scripts")
        raise c.error()
    _top_level(c, top)
    files = _files(c, top.get("files"))
    permissions = check_permissions(c, top.get("permissions"))
    hooks = _hooks(c, top.get("hooks"))
    behavior = _file_exists_behavior(c, top.get("file_exists_behavior"))
    c.raise_if_any()
    return AppSpec(file=doc.file, files=files, permissions=permissions, hooks=hooks,
                   file_exists_behavior=behavior,
                   warnings=tuple(str(w) for w in sorted(c.warnings, key=lambda w: w.line or 0)))


def _other_platform(c: Collector, top: dict) -> None:
    text = repr(top.get("Resources"))
    if "AWS::Lambda::Function" in text:
        kind = "a Lambda appspec (Resources with AWS::Lambda::Function)"
    elif "AWS::ECS::Service" in text or "TargetService" in text:
        kind = "an ECS appspec (Resources with TargetService)"
    else:
        kind = "an ECS or Lambda appspec (Resources)"
    problem = c.doc.problem(("Resources",), f"this is {kind}; vend deploys to EC2/on-premises "
                                            "Linux hosts only",
                            "write an EC2 appspec: version: 0.0, os: linux, files and hooks")
    raise OtherPlatformError([problem])


def _top_level(c: Collector, top: dict) -> None:
    hints = {}
    for key in top:
        letters = re.sub(r"[^A-Za-z]", "", str(key))
        if key not in TOP_KEYS and letters in LIFECYCLE_ORDER + tuple(OLD_EVENT_NAMES):
            extra = " and remove the stray characters" if letters != key else ""
            hints[key] = f"'{letters}' is a lifecycle event: indent it under hooks{extra}"
    suggested = c.known_keys(top, (), TOP_KEYS, hints)
    if c.required(top, "version", (), "add version: 0.0", suggested):
        version = top["version"]
        if isinstance(version, str) and version.strip() == "0.0":
            c.add(("version",), "'0.0' is text, CodeDeploy needs the number 0.0",
                  "remove the quotes: version: 0.0")
        elif isinstance(version, bool) or not isinstance(version, (int, float)) or version != 0:
            c.add(("version",), f"{type_name(version)} is not supported",
                  "write version: 0.0, the only appspec version")
    if c.required(top, "os", (), "add os: linux", suggested):
        os_name = top["os"]
        if os_name != "linux":
            guess = closest(str(os_name), ["linux"])
            c.add(("os",), f"{type_name(os_name)} is not supported",
                  "did you mean 'linux'?" if guess else "write os: linux")


def _files(c: Collector, value: Any) -> tuple[FileMapping, ...]:
    out = []
    for i, item in enumerate(c.items(value, ("files",), "file mappings", FILES_EXAMPLE)):
        path = ("files", i)
        entry = c.mapping(item, path, FILES_EXAMPLE)
        if entry is None:
            continue
        suggested = c.known_keys(entry, path, FILE_KEYS, ignored=FILE_KEYS_IGNORED)
        source = destination = None
        if c.required(entry, "source", path, "add source: / for the whole revision, or a path in it",
                      suggested):
            source = _source(c, entry["source"], path + ("source",))
        if c.required(entry, "destination", path, "add destination: the host path, e.g. /var/www/html",
                      suggested):
            text = c.text(entry["destination"], path + ("destination",),
                          "write a host path such as /var/www/html")
            if text is not None:
                destination = c.host_path(text, path + ("destination",), "/var/www/html")
        if source is not None and destination is not None:
            out.append(FileMapping(source, posixpath.normpath(destination)))
    return tuple(out)


def _source(c: Collector, value: Any, path: tuple) -> str | None:
    text = c.text(value, path, "write a path in the revision, or / for all of it")
    if text is None:
        return None
    relative = c.revision_path(text, path)
    if relative is not None:
        c.in_revision(relative, path, want_file=False)
    return relative


def _hooks(c: Collector, value: Any) -> Mapping[str, tuple[HookScript, ...]]:
    if value is None:
        return ordered_hooks({})
    hooks = c.mapping(value, ("hooks",), "ApplicationStart: indented on the next line")
    if hooks is None:
        return ordered_hooks({})
    out = {}
    for event, scripts in hooks.items():
        path = ("hooks", event)
        if event in RESERVED_EVENTS:
            c.add(path, f"{event} is run by the CodeDeploy agent itself and cannot have scripts",
                  RESERVED_HINTS[event])
        elif event in OLD_EVENT_NAMES:
            c.add(path, f"unknown lifecycle event '{event}' (an old name)",
                  f"use '{OLD_EVENT_NAMES[event]}'")
        elif event not in HOOK_EVENTS:
            guess = closest(event, HOOK_EVENTS)
            c.add(path, f"unknown lifecycle event '{event}'",
                  f"did you mean '{guess}'?" if guess else "events: " + ", ".join(HOOK_EVENTS))
        else:
            checked = _scripts(c, event, scripts)
            if checked is not None:
                out[event] = checked
    return ordered_hooks(out)


def _scripts(c: Collector, event: str, value: Any) -> tuple[HookScript, ...] | None:
    path = ("hooks", event)
    if value is None or value == []:  # the agent skips an event without scripts
        c.warn(path, "no scripts listed: CodeDeploy skips this event",
               f"list scripts under it, e.g. {SCRIPT_EXAMPLE}, or remove it")
        return None
    before = len(c.problems)
    out = []
    for i, item in enumerate(c.items(value, path, "scripts", SCRIPT_EXAMPLE)):
        script = _script(c, item, path + (i,))
        if script is not None:
            out.append(script)
    if len(c.problems) > before:
        return None
    given = [s["timeout"] for s in value if s.get("timeout") is not None]
    if sum(given) > MAX_EVENT_TIMEOUT:
        c.add(path, f"timeouts add up to {sum(given)} seconds, more than the "
                    f"{MAX_EVENT_TIMEOUT} CodeDeploy allows for one event",
              "shorten the timeouts or move scripts to another event")
        return None
    return tuple(out)


def _script(c: Collector, item: Any, path: tuple) -> HookScript | None:
    entry = c.mapping(item, path, SCRIPT_EXAMPLE)
    if entry is None:
        return None
    before = len(c.problems)
    suggested = c.known_keys(entry, path, SCRIPT_KEYS)
    location = None
    if c.required(entry, "location", path, "add location: the script's path in the revision",
                  suggested):
        location = _location(c, entry["location"], path + ("location",))
    fields = {}
    if entry.get("timeout") is not None:
        timeout = entry["timeout"]
        if isinstance(timeout, bool) or not isinstance(timeout, int) or not 0 < timeout <= MAX_EVENT_TIMEOUT:
            c.add(path + ("timeout",), f"{type_name(timeout)} is not a whole number of "
                                       "seconds from 1 to 3600",
                  "write e.g. timeout: 300; the default is 3600")
        else:
            fields["timeout"] = timeout
    if entry.get("runas") is not None:
        fields["runas"] = c.name(entry["runas"], path + ("runas",), "user")
    if entry.get("sudo") is not None:
        if isinstance(entry["sudo"], bool):
            fields["sudo"] = entry["sudo"]
        else:  # the agent takes any value but false as true: sudo: 'false' would run with sudo
            c.add(path + ("sudo",), f"{type_name(entry['sudo'])} is not true or false "
                                    "(CodeDeploy runs the script with sudo for any value but false)",
                  "write sudo: true or sudo: false, without quotes")
    if len(c.problems) > before or location is None:
        return None
    return HookScript(location, **fields)


def _location(c: Collector, value: Any, path: tuple) -> str | None:
    text = c.text(value, path, "write the script's path in the revision")
    if text is None:
        return None
    # The agent joins a location to the revision root (File.join(archive, location)): a leading
    # '/' does not make it a host path, /scripts/start.sh is the revision's scripts/start.sh.
    relative = c.revision_path(text, path)
    if relative == ".":
        c.add(path, f"'{text}' is not a script", "give the script's path, e.g. scripts/start.sh")
        return None
    if relative is not None and text.startswith("/"):
        if c.revision is not None and not (c.revision / relative).is_file():
            c.add(path, f"'{text}' is read inside the revision (CodeDeploy joins hook locations to the "
                        f"revision root): '{relative}' is not a file in the revision {c.revision}",
                  "add the script to the revision at that path, or give the path of a script that is "
                  "in it, e.g. scripts/stop.sh")
    elif relative is not None:
        c.in_revision(relative, path, want_file=True)
    return relative


def _file_exists_behavior(c: Collector, value: Any) -> str:
    if value is None:
        return DEFAULT_FILE_EXISTS_BEHAVIOR
    if value in FILE_EXISTS_BEHAVIORS:
        return value
    guess = closest(str(value), FILE_EXISTS_BEHAVIORS)
    c.add(("file_exists_behavior",), f"{type_name(value)} is not one of "
                                     + ", ".join(FILE_EXISTS_BEHAVIORS),
          f"did you mean '{guess}'?" if guess else "use DISALLOW (the default), OVERWRITE or RETAIN")
    return DEFAULT_FILE_EXISTS_BEHAVIOR
