"""What a failed deployment's hook output shows that the user should be told in words.

Two causes a first-time user met in the sandbox (issue 21) and could not tell from "exited with
100": the host reaches no internet (name lookups fail: an `apt-get install` or `pip install` in a
hook), and vend's systemctl/service stand-in (sandbox hosts have no systemd) refused something.
The hook's lines are watched as they are printed; a failed result gets the notes appended.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace

# What resolvers and clients print when a name cannot be resolved or nothing beyond the subnet
# answers (glibc, apt, curl, wget, pip/urllib3, Python's socket, Node, git).
NO_INTERNET = re.compile(
    r"Temporary failure in name resolution|Temporary failure resolving|Could not resolve|Name or service not known"
    r"|No address associated with hostname|getaddrinfo (?:failed|EAI_AGAIN|ENOTFOUND)|EAI_AGAIN|ENOTFOUND"
    r"|unable to resolve host address|Failed to establish a new connection: \[Errno -?\d+\]"
    r"|Network is unreachable|No route to host", re.IGNORECASE)
STAND_IN = re.compile(r"vend sandbox \(no systemd on this host\): systemctl stand-in: (.+)")
# what systemd's other tools (hostnamectl, timedatectl, loginctl, systemd-run, ...) say without it
NO_SYSTEMD = re.compile(r"System has not been booted with systemd as init system|Failed to connect to bus")
NO_INTERNET_NOTE = ("the hook's output shows failed name lookups or connections: the host reaches no internet "
                    "(sandbox hosts never do), so nothing can be downloaded while deploying; bake what the hook "
                    "installs into the image (image/packages, image/scripts)")
STAND_IN_NOTE = "the hook met vend's systemctl stand-in (sandbox hosts have no systemd): {}"
NO_SYSTEMD_NOTE = ("the hook needs systemd, which sandbox hosts do not run: vend stands in for systemctl and "
                   "service only (start, stop, restart, reload, status of services)")

Output = Callable[[str, str], None]


class HookNotes:
    """An on_output(host, line) for a rollout that also remembers what the lines show."""

    def __init__(self, output: Output):
        self.output = output
        self.notes: dict[str, None] = {}  # ordered, without repeats

    def __call__(self, host: str, line: str) -> None:
        self.output(host, line)
        stand_in = STAND_IN.search(line)
        if stand_in:
            self.notes[STAND_IN_NOTE.format(stand_in[1].strip())] = None
        elif NO_SYSTEMD.search(line):
            self.notes[NO_SYSTEMD_NOTE] = None
        elif NO_INTERNET.search(line):
            self.notes[NO_INTERNET_NOTE] = None

    def annotate(self, result):
        """`result` (a rollout's) with the notes added to its message when it failed."""
        if result.ok or not self.notes:
            return result
        return replace(result, message="; ".join([result.message, *(f"note: {n}" for n in self.notes)]))


class NotedRollout:
    """A rollout whose failed deployments carry the notes of their hooks' output."""

    def __init__(self, rollout, notes: HookNotes):
        self._rollout, self._notes = rollout, notes

    def deploy(self, bundle: bytes, revision: str, location=None):
        self._notes.notes.clear()
        return self._notes.annotate(self._rollout.deploy(bundle, revision, location))

    def __getattr__(self, name: str):
        return getattr(self._rollout, name)
