"""Customer config -> starter revision (appspec.yml, hook scripts, buildspec.yml, sample app).

Reads only the project's own `appspec_templates/`; everything the customer config decides comes
in through the template context.
"""
from __future__ import annotations

import os
from pathlib import Path

from vendor.config.model import Config
from vendor.paths import APPSPEC_TEMPLATES_DIR
from vendor.render import templates
from vendor.render.outputs import Copy, Output, Text

SHARED = "_shared"
TEMPLATE_SUFFIX = ".j2"
# stacks that serve files from a document root: the health check path is a file there
DOCUMENT_ROOTS = {"static-site": "site", "php-apache": "app"}
# The health check answers 200 only when the app can serve: with a database (DATABASE_URL in the
# env file vend writes on every instance), only when the database answers a query.
HEALTH_PHP = (APPSPEC_TEMPLATES_DIR / "php-apache" / "health.php.txt").read_text()


def render_app(config: Config, prefix: str = "app") -> list[Output]:
    context = {"customer": config.customer, "environment": config.environment,
               "port": config.routing.port, "health_path": config.routing.health_check.path}
    outputs: dict[str, Output] = {}
    for folder in (SHARED, config.app.stack):
        root = APPSPEC_TEMPLATES_DIR / folder
        for path in sorted(p for p in root.rglob("*") if p.is_file() and p.suffix != ".txt"):
            rel = path.relative_to(root).as_posix()
            executable = os.access(path, os.X_OK)
            if rel.endswith(TEMPLATE_SUFFIX):
                rel = rel[: -len(TEMPLATE_SUFFIX)]
                content = templates.render_appspec(f"{folder}/{path.relative_to(root).as_posix()}", context)
                outputs[rel] = Text(f"{prefix}/{rel}", content, executable)
            else:
                outputs[rel] = Copy(f"{prefix}/{rel}", path, executable)
    docroot = DOCUMENT_ROOTS.get(config.app.stack)
    if docroot:
        health = docroot + _health_file(config.routing.health_check.path)
        body = HEALTH_PHP if health.endswith(".php") else "ok\n"
        outputs.setdefault(health, Text(f"{prefix}/{health}", body))
    return [outputs[k] for k in sorted(outputs)]


def _health_file(path: str) -> str:
    path = path.split("?", 1)[0]
    return path + "index.html" if path.endswith("/") else path
