"""Which world a command works in, when the sandbox of `vend up` runs.

Without AWS credentials (and no AWS_ENDPOINT_URL or AWS_PROFILE), commands use the running
emulator; while the sandbox services run, approvals mail through their catcher and links point
at their pages. Anything set explicitly in the environment wins.
"""
from __future__ import annotations

from collections.abc import MutableMapping

from vendor.aws.endpoint import DUMMY_CREDENTIALS, has_credentials
from vendor.sandbox import emulator, services
from vendor.state import default_state_dir


def use_running_sandbox(environ: MutableMapping[str, str]) -> None:
    state = default_state_dir(environ)
    running = services.status(state)
    if running:
        for key, value in services.settings_env(running).items():
            environ.setdefault(key, value)
    if environ.get("AWS_ENDPOINT_URL") or environ.get("AWS_PROFILE"):
        return
    found = emulator.status(state)
    if found and not has_credentials():
        key, secret = DUMMY_CREDENTIALS
        environ.update({"AWS_ENDPOINT_URL": found.url, "AWS_ACCESS_KEY_ID": key, "AWS_SECRET_ACCESS_KEY": secret})
