"""The EC2 image's env file writer: packer/scripts/vend-env-file.py wrapped in an install script with
what the bake knows (customer, environment, the app's group, the RDS identifier). Pure."""
from __future__ import annotations

from vendor.config.model import Config
from vendor.config.names import base
from vendor.render import templates
from vendor.runtime.env_file import APP_GROUPS


def runtime_script(config: Config) -> str:
    writer = templates.packer_file("scripts/vend-env-file.py")
    if "\nVEND_ENV_FILE_PY\n" in writer:
        raise ValueError("vend-env-file.py may not contain the heredoc's end marker")
    return templates.render_packer("scripts/vend-runtime.sh.j2", {
        "customer": config.customer, "environment": config.environment,
        "group": APP_GROUPS[config.app.stack], "database": base(config) if config.database else "",
        "writer": writer})
