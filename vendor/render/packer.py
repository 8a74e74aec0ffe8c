"""Customer config -> Packer template, plugins file and var file. Pure: no file is read or written.

The outputs list names the customer's scripts and files to copy next to the template, so that the
build directory is self-contained (`${path.root}` refers to it).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import PurePosixPath

from vendor.config.loader import ConfigFile
from vendor.config.model import Config
from vendor.config.names import base, ownership_tags
from vendor.paths import PACKER_DIR
from vendor.render import templates
from vendor.render.hcl import Raw, attributes, comment, root_file, template_string
from vendor.render.outputs import Copy, Output, Text
from vendor.render.runtime_script import runtime_script

# what each application stack needs in its image, before the customer's own packages
STACK_PACKAGES = {
    "static-site": ["nginx", "curl"],
    "php-apache": ["apache2", "libapache2-mod-php", "php", "curl"],
    "python": ["python3", "python3-venv", "curl"],
}
VEND_SCRIPTS = ["install-packages.sh", "install-files.sh", "base.sh"]
AGENT_SCRIPT = "codedeploy-agent.sh"
RUNTIME_SCRIPT = "vend-runtime.sh"  # EC2 builds only, next to the agent (vendor/render/runtime_script.py)
DEFAULT_EXECUTE = "chmod +x {{ .Path }}; {{ .Vars }} sudo -E sh '{{ .Path }}'"
STAGING_DIR = "/tmp/vend-files"


@dataclass(frozen=True)
class BuildSource:
    """The template's `source` block (where Packer builds) and the variables only it needs.

    `body` is the block's inside, indented two spaces; `variables` are (name, attributes) pairs
    declared after the template's own. The default is `amazon_ebs`; a local build passes another.
    """

    type: str
    name: str
    body: str
    variables: tuple[tuple[str, str], ...] = ()

    @property
    def reference(self) -> str:
        return f"source.{self.type}.{self.name}"


SourceFor = Callable[[Config], BuildSource]


def file_names(config: Config) -> dict[str, str]:
    slug = config.slug
    return {"template": f"packer-{slug}.pkr.hcl", "vars": f"{slug}.pkrvars.hcl",
            "plugins": "plugins.pkr.hcl", "manifest": "manifest.json"}


# how each stack's starter app reaches its database (its health check queries it)
DATABASE_PACKAGES = {("php-apache", "postgres"): ["php-pgsql"], ("php-apache", "mysql"): ["php-mysql"],
                     ("php-apache", "mariadb"): ["php-mysql"], ("python", "postgres"): ["postgresql-client"]}


def packages(config: Config) -> list[str]:
    engine = config.database.engine if config.database else None
    wanted = STACK_PACKAGES[config.app.stack] + DATABASE_PACKAGES.get((config.app.stack, engine), []) + config.image.packages
    return list(dict.fromkeys(wanted))


def render_packer(cf: ConfigFile, config_label: str, source: SourceFor | None = None) -> list[Output]:
    config = cf.config
    block = (source or amazon_ebs)(config)
    names = file_names(config)
    scripts = [f"scripts/{i:02d}-{PurePosixPath(s).name}" for i, s in enumerate(config.image.scripts)]
    uploads = [f"files/{i:02d}-{PurePosixPath(f.source).name}" for i, f in enumerate(config.image.files)]
    context = {
        "config_file": comment(config_label),  # a file name may hold a newline: it would start HCL
        "var_file": names["vars"],
        "template_file": names["template"],
        "plugins_file": names["plugins"],
        "variables": _variables(config) + list(block.variables),
        "locals": attributes(_locals(config), 2),
        "source": block,
        "prepare": attributes([("inline", [f"mkdir -p {STAGING_DIR}"])], 4),
        # Into the staging directory (trailing slash): a file keeps its name there and a directory
        # is created with its tree (Packer cannot upload a directory to a path that does not exist);
        # either way it lands at STAGING_DIR/NN-name, which install-files.sh finds by its NN.
        "uploads": [attributes([("source", root_file(u)), ("destination", f"{STAGING_DIR}/")], 4)
                    for u in uploads],
        "provision": attributes(_provision(config, scripts), 4),
        "agent": attributes(_agent(), 4),
        "manifest": attributes(_manifest(config, names["manifest"]), 4),
    }
    outputs: list[Output] = [
        Text(names["template"], templates.render_packer("image.pkr.hcl.j2", context)),
        Text(names["plugins"], templates.packer_file("plugins.pkr.hcl")),
        Text(names["vars"], attributes(_var_values(config), 0) + "\n"),
    ]
    outputs += [Copy(f"scripts/{name}", PACKER_DIR / "scripts" / name, executable=True)
                for name in VEND_SCRIPTS + [AGENT_SCRIPT]]
    outputs.append(Text(f"scripts/{RUNTIME_SCRIPT}", runtime_script(config), executable=True))
    outputs += [Copy(dst, cf.base_dir / src, executable=True) for dst, src in zip(scripts, config.image.scripts)]
    outputs += [Copy(dst, cf.base_dir / f.source) for dst, f in zip(uploads, config.image.files)]
    return outputs


def _var_values(c: Config) -> list[tuple[str, object]]:
    values: list[tuple[str, object]] = [("region", c.region), ("instance_type", c.image.instance_type),
                                        ("ssh_username", c.image.ssh_username)]
    ami = c.image.base_ami
    values += [("base_ami_id", ami.id)] if ami.id else [("base_ami_owner", ami.owner), ("base_ami_name", ami.name)]
    values += [("root_device", c.image.root_device), ("volume_size_gb", c.image.volume_size_gb),
               ("encrypted", c.image.encrypted), ("kms_key_id", c.image.kms_key_id or ""),
               ("packages", packages(c))]
    build = c.image.build
    values += [(f"build_{key}", getattr(build, key)) for key in ("vpc_id", "subnet_id") if getattr(build, key)]
    return values


def _variables(c: Config) -> list[tuple[str, str]]:
    types = {str: "string", int: "number", bool: "bool", list: "list(string)"}
    out = [(name, attributes([("type", Raw(types[type(value)]))], 2)) for name, value in _var_values(c)]
    out.append(("source_commit", attributes([("type", Raw("string")), ("default", "uncommitted"),
                                             ("description", "Commit of the config the image is baked from.")], 2)))
    out.append(("execute_command", attributes([("type", Raw("string")), ("default", DEFAULT_EXECUTE),
                                               ("description", "How Packer runs the provisioning scripts as root.")], 2)))
    return out


def _tags(c: Config) -> dict[str, object]:
    tags: dict[str, object] = {**ownership_tags(c.customer, c.environment),
                               "SourceCommit": Raw("var.source_commit")}
    tags.update(sorted(c.tags.items()))
    return tags


def _locals(c: Config) -> list[tuple[str, object]]:
    return [("timestamp", Raw('formatdate("YYYYMMDDhhmmss", timestamp())')),
            ("ami_name", Raw(template_string(f"{base(c)}-${{var.source_commit}}-${{local.timestamp}}"))),
            ("tags", _tags(c))]


def amazon_ebs(c: Config, *, description: str = "", tags: str = "local.tags",
               variables: tuple[tuple[str, str], ...] = ()) -> BuildSource:
    """The EC2 build: `description` is appended to the AMI description (a template string),
    `tags` is the HCL expression for the AMI's, snapshots' and build instance's tags."""
    attrs: list[tuple[str, object]] = [
        ("region", Raw("var.region")), ("instance_type", Raw("var.instance_type")),
        ("ssh_username", Raw("var.ssh_username")), ("ami_name", Raw("local.ami_name")),
        ("ami_description", Raw(template_string(f"vend image for {c.customer}/{c.environment} at ${{var.source_commit}}{description}"))),
    ]
    if c.image.base_ami.id:
        attrs.append(("source_ami", Raw("var.base_ami_id")))
    attrs += [("encrypt_boot", Raw("var.encrypted")), ("kms_key_id", Raw("var.kms_key_id")),
              ("tags", Raw(tags)), ("snapshot_tags", Raw(tags)), ("run_tags", Raw(tags))]
    body = attributes(attrs, 2)
    ami_filter = _ami_filter(c)
    if ami_filter:
        body += "\n\n  source_ami_filter {\n" + ami_filter + "\n  }"
    body += "\n\n  launch_block_device_mappings {\n" + attributes(_root_volume(), 4) + "\n  }"
    body += "\n\n" + attributes(_launch(c), 2)
    return BuildSource("amazon-ebs", "image", body, variables)


def _launch(c: Config) -> list[tuple[str, object]]:
    """How Packer reaches the build instance: an ed25519 key (Ubuntu 22.04+ refuses RSA/SHA-1
    logins), in the configured build subnet or else the region's default VPC."""
    build = c.image.build
    return [("temporary_key_pair_type", "ed25519"),
            *[(key, Raw(f"var.build_{key}")) for key in ("vpc_id", "subnet_id") if getattr(build, key)]]


def _ami_filter(c: Config) -> str:
    if c.image.base_ami.id:
        return ""
    filters = {"name": Raw("var.base_ami_name"), "root-device-type": "ebs", "virtualization-type": "hvm"}
    return attributes([("filters", filters), ("owners", Raw("[var.base_ami_owner]")), ("most_recent", True)], 4)


def _root_volume() -> list[tuple[str, object]]:
    return [("device_name", Raw("var.root_device")), ("volume_size", Raw("var.volume_size_gb")),
            ("volume_type", "gp3"), ("iops", 3000), ("throughput", 125), ("encrypted", Raw("var.encrypted")), ("kms_key_id", Raw("var.kms_key_id")),
            ("delete_on_termination", True)]


def _provision(c: Config, scripts: list[str]) -> list[tuple[str, object]]:
    files = "\n".join(f"{i}:{f.destination}" for i, f in enumerate(c.image.files))
    env: list[object] = [Raw(template_string('VEND_PACKAGES=${join(" ", var.packages)}')), f"VEND_FILES={files}",
                         f"VEND_CUSTOMER={c.customer}", f"VEND_ENVIRONMENT={c.environment}",
                         Raw(template_string("VEND_SOURCE_COMMIT=${var.source_commit}"))]
    paths = [root_file(p)  # the customer's file names are escaped: a name must not become HCL
             for p in [f"scripts/{n}" for n in VEND_SCRIPTS] + scripts]
    return [("environment_vars", env), ("execute_command", Raw("var.execute_command")), ("scripts", paths)]


def _agent() -> list[tuple[str, object]]:
    return [("only", ["amazon-ebs.image"]),
            ("environment_vars", [Raw(template_string("AWS_REGION=${var.region}"))]),
            ("execute_command", Raw("var.execute_command")),
            ("scripts", [Raw(template_string(f"${{path.root}}/scripts/{name}")) for name in (AGENT_SCRIPT, RUNTIME_SCRIPT)])]


def _manifest(c: Config, manifest: str) -> list[tuple[str, object]]:
    return [("output", Raw(template_string("${path.root}/" + manifest))), ("strip_path", True),
            ("custom_data", {"customer": c.customer, "environment": c.environment,
                             "source_commit": Raw("var.source_commit")})]
