"""Sample revisions for deploy tests, rendered from appspec_templates/ like a customer's starter."""
from __future__ import annotations

from pathlib import Path

from vendor.config.loader import load_config
from vendor.render.appspec import render_app
from vendor.render.outputs import write

MINIMAL = Path(__file__).parents[1] / "config" / "minimal.yaml"


def python_revision(directory: Path, *, version: str = "1", port: int = 8080, validate_exit: int | None = None,
                    fail_validate_if: str | None = None, extra_hook: tuple[str, str, int] | None = None) -> Path:
    """The python starter app, with VERSION=`version`. `validate_exit` makes ValidateService exit
    with that code; `fail_validate_if=PATH` makes it fail on hosts where PATH exists;
    `extra_hook=(event, shell body, timeout)` adds a script to an event."""
    config = directory.parent / f"{directory.name}.yaml"
    config.write_text(MINIMAL.read_text().replace("  hosts: [shop.example.com]", f"  hosts: [shop.example.com]\n  port: {port}"))
    write(render_app(load_config(config).config, prefix="."), directory)
    (directory / "app" / "VERSION").write_text(version + "\n")
    validate = directory / "scripts" / "validate_service.sh"
    if validate_exit is not None:
        validate.write_text(f"#!/bin/sh\necho 'validation fails on purpose'\nexit {validate_exit}\n")
    if fail_validate_if:
        head, rest = validate.read_text().split("\n", 1)
        validate.write_text(f"{head}\nif [ -e {fail_validate_if} ]; then echo 'marked to fail'; exit 1; fi\n{rest}")
    if extra_hook:
        event, body, timeout = extra_hook
        script = directory / "scripts" / "extra.sh"
        script.write_text("#!/bin/sh\n" + body + "\n")
        script.chmod(0o755)
        appspec = directory / "appspec.yml"
        appspec.write_text(appspec.read_text().replace(
            "hooks:\n", f"hooks:\n  {event}:\n    - location: scripts/extra.sh\n      timeout: {timeout}\n", 1))
    return directory
