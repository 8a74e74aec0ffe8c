"""`vend doctor`'s Packer check: the version the chosen builder needs and, for amazon-ebs on
Packer 1.7+, the Amazon plugin installed (`packer init` puts it there; `vend bake` runs it)."""
from __future__ import annotations

from vendor.bake import packer_version
from vendor.bake.runner import Packer, PackerError
from vendor.plan.preflight import Finding, fail, ok

AMAZON_PLUGIN = "github.com/hashicorp/amazon"


def packer(binary: str, builder: str) -> Finding:
    runner = Packer(binary)
    try:
        version = runner.version()
    except PackerError as error:
        return fail("packer", str(error), "install Packer, or point VEND_PACKER at it")
    too_old = packer_version.problem(builder, version)
    if too_old:
        detail, _, fix = too_old.partition(". Install")
        return fail("packer", detail, "install" + fix)
    if not packer_version.needs_init(builder, version):
        return ok("packer", f"Packer {version} for the {builder} builder (plugin built in or not needed)")
    if AMAZON_PLUGIN not in runner.installed_plugins():
        return ok("packer", f"Packer {version} for {builder}; the Amazon plugin is not installed yet "
                  "(vend bake runs packer init plugins.pkr.hcl)")
    return ok("packer", f"Packer {version} for {builder}, Amazon plugin installed")
