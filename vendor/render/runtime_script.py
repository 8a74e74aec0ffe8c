"""The EC2 image's runtime: packer/scripts/vend-env-file.py wrapped in an install script with what the
bake knows (customer, environment, the app's group, the RDS identifier), and the CloudWatch agent
with its configuration. Pure."""
from __future__ import annotations

import json

from vendor.config.model import Config
from vendor.config.names import base
from vendor.render import templates
from vendor.runtime.env_file import APP_GROUPS
from vendor.runtime.log_sources import shipped


def cloudwatch_agent_config(config: Config) -> str:
    """The CloudWatch agent's configuration: the app's, the web server's, the deployments' and the
    system's logs to the environment's log group (retention is the group's, from the config)."""
    group = f"/vend/{config.customer}/{config.environment}"
    files = [{"file_path": s.path, "log_group_name": group, "log_stream_name": "{instance_id}/" + s.label,
              "timezone": "UTC"} for s in shipped(config.app.stack, config.customer)]
    return json.dumps({"agent": {"run_as_user": "root"}, "logs": {"logs_collected": {"files": {"collect_list": files}}}},
                      indent=2) + "\n"


def runtime_script(config: Config) -> str:
    writer = templates.packer_file("scripts/vend-env-file.py")
    if "\nVEND_ENV_FILE_PY\n" in writer:
        raise ValueError("vend-env-file.py may not contain the heredoc's end marker")
    return templates.render_packer("scripts/vend-runtime.sh.j2", {
        "customer": config.customer, "environment": config.environment,
        "group": APP_GROUPS[config.app.stack], "database": base(config) if config.database else "",
        "writer": writer, "agent_config": cloudwatch_agent_config(config)})
