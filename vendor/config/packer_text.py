"""Config text that Packer reads as a Go template is refused. Pure: config in, findings out.

Besides HCL's own `${...}`/`%{...}` (escaped by vendor.render.hcl), Packer renders provisioner
settings and the AMI's tags as Go templates: `{{ pwd }}`, `{{ uuid }}` or `{{ build "..." }}` in
a script name, an upload's source or destination, or a tag value is evaluated during the bake
(checked with Packer 1.6.6: a script named `x{{ uuid }}.sh` is looked for under a random name,
and an environment value is rendered twice, so no escaping holds). These values are refused.
"""
from __future__ import annotations

from vendor.config.model import Config

Finding = tuple[tuple, str, str]
ACTION = "{{"


def check(config: Config) -> list[Finding]:
    values = [(("image", "scripts", i), s) for i, s in enumerate(config.image.scripts)]
    for i, f in enumerate(config.image.files):
        values += [(("image", "files", i, "source"), f.source), (("image", "files", i, "destination"), f.destination)]
    values += [(("tags", key), value) for key, value in config.tags.items()]
    return [(path, "'{{' would be run by Packer as a template (it evaluates {{ ... }} while baking)",
             "remove the double braces") for path, value in values if ACTION in value]
