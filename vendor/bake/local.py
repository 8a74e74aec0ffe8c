"""Bake on the embedded default: the same Packer run with a `null` source that reaches a local
build host over SSH, so the customer's provisioners really run there. The host boots from the
real `/` (standing in for the base AMI); what the build changed (its upper layer) becomes the
image's content in the layer store, and the AMI is registered in the emulator with its tags.

No network: packages cannot be downloaded. The build host starts from `/`, so every package
the image needs must already be installed there; the bake checks that first (and names what is
missing), then hands Packer an empty package list, since there is nothing left to install.
Provisioning scripts run as root over SSH, so `execute_command` drops `sudo`.
"""
from __future__ import annotations

import hashlib
import json
import socket
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from vendor.aws import images as ec2_images
from vendor.aws.images import Ami
from vendor.bake.images import Provenance
from vendor.bake.layers import LayerStore
from vendor.bake.manifest import only_build
from vendor.bake.target import BakeError, BaseImage, Finished, Say
from vendor.config.model import Config
from vendor.render.hcl import Raw, attributes
from vendor.render.packer import BuildSource, packages
from vendor.sandbox.hosts import Host, HostsBusy, LocalHosts
from vendor.ssh import connect, run

BUILD_HOSTS_WAIT = 30 * 60.0  # another bake on this machine holding the local build hosts
ROOT_EXECUTE = "chmod +x {{ .Path }}; {{ .Vars }} sh '{{ .Path }}'"
BASE_FILES = ("/etc/os-release", "/var/lib/dpkg/status")  # what identifies `/` as a base image
SSH_TIMEOUT = "30s"
_STRING = attributes([("type", Raw("string"))], 2)
_NUMBER = attributes([("type", Raw("number"))], 2)


def null_source(config: Config) -> BuildSource:
    body = attributes([
        ("communicator", "ssh"), ("ssh_host", Raw("var.build_host")), ("ssh_port", Raw("var.build_port")),
        ("ssh_username", Raw("var.build_user")), ("ssh_private_key_file", Raw("var.build_private_key_file")),
        ("ssh_file_transfer_method", "sftp"), ("ssh_timeout", SSH_TIMEOUT),
    ], 2)
    variables = (("build_host", _STRING), ("build_port", _NUMBER), ("build_user", _STRING),
                 ("build_private_key_file", _STRING))
    return BuildSource("null", "image", body, variables)


def local_base_image(files: Sequence[str] = BASE_FILES) -> BaseImage:
    """`/` as a base image: its id hashes the OS release and the installed packages."""
    digest = hashlib.sha256()
    pretty = "Linux"
    for name in files:
        try:
            data = Path(name).read_bytes()
        except FileNotFoundError:
            data = b""
        digest.update(name.encode() + b"\0" + data + b"\0")
        if name.endswith("os-release"):
            for line in data.decode(errors="replace").splitlines():
                if line.startswith("PRETTY_NAME="):
                    pretty = line.partition("=")[2].strip('"')
    return BaseImage(f"local-root-{digest.hexdigest()[:16]}", f"/ of {socket.gethostname()} ({pretty})")


@dataclass
class LocalSession:
    target: "LocalTarget"
    config: Config
    host_name: str
    variables: Sequence[tuple[str, str]] = field(default_factory=list)
    packages: Sequence[str] = ()
    say: Say = lambda text: None

    def finish(self, build: Finished) -> Ami:
        hosts, store = self.target.hosts, self.target.layers
        built = only_build(build.manifest)
        if built.builder_type != "null":
            raise BakeError(f"{build.manifest}: expected a null build on the local host, got {built.builder_type}")
        enabled = _enable_package_services(hosts.host(self.host_name), self.packages)
        self.say(f"services the image's packages enable at boot: {', '.join(enabled) or '(none)'}")
        hosts.stop(self.host_name)  # the disk stays: its upper layer is the image's content
        staging = store.stage(hosts.upper_dir(self.host_name))
        try:
            ec2 = self.target.ec2
            ami_id = ec2_images.register(ec2, name=build.name, description=build.description,
                                         root_device=self.config.image.root_device)
            store.commit(staging, ami_id)
        except BaseException:
            store.discard(staging)
            raise
        ec2_images.tag(ec2, ec2_images.get_image(ec2, ami_id), build.tags)
        return ec2_images.get_image(ec2, ami_id)


class LocalTarget:
    builder = "local"

    def __init__(self, ec2, hosts: LocalHosts, layers: LayerStore):
        self.ec2, self.hosts, self.layers = ec2, hosts, layers

    def source(self, config: Config) -> BuildSource:
        return null_source(config)

    def base_image(self, config: Config) -> BaseImage:
        return local_base_image()

    @contextmanager
    def session(self, config: Config, provenance: Provenance, say: Say) -> Iterator[LocalSession]:
        name = f"bake-{uuid.uuid4().hex[:8]}"
        host = start_build_host(self.hosts, name, config.image.ssh_username, say)
        try:
            say(f"local build host {name} at {host.address} (boots from /, with the image's user "
                f"{config.image.ssh_username})")
            wanted = packages(config)
            missing = _missing_packages(host, wanted)
            if missing:
                raise BakeError(
                    f"image/packages: {', '.join(missing)} not installed on this machine; the local build "
                    "host starts from / and cannot download packages (install them here with "
                    f"`apt-get install {' '.join(missing)}`, or drop them from image/packages)")
            say(f"packages already on the local build host: {' '.join(wanted) or '(none)'}")
            yield LocalSession(self, config, name, [
                ("build_host", host.address), ("build_port", str(host.port)), ("build_user", host.user),
                ("build_private_key_file", str(host.key_path)), ("execute_command", ROOT_EXECUTE),
                ("packages", json.dumps([])),
            ], packages=wanted, say=say)
        finally:
            if self.hosts.running(name):
                self.hosts.stop(name)

    def missing_content(self, amis: Sequence[Ami]) -> set[str]:
        return {a.id for a in amis if not self.layers.has(a.id)}

    def forget(self, ami_id: str) -> None:
        self.layers.remove(ami_id)


def _missing_packages(host, wanted: list[str]) -> list[str]:
    if not wanted:
        return []
    with connect(host) as conn:
        result = run(conn, ["dpkg-query", "-W", "-f", "${Package}\\t${db:Status-Abbrev}\\n", *wanted], timeout=30)
    installed = {line.split("\t")[0] for line in result.stdout.splitlines()
                 if len(line.split("\t")) == 2 and line.split("\t")[1].startswith("ii")}
    return [p for p in wanted if p not in installed]


# Each package's services, as apt on Ubuntu enables them when it installs the package: their unit
# files (not templates) and init scripts. The stand-in for systemctl starts them as a host boots.
ENABLE_SERVICES = r"""set -eu
for pkg in "$@"; do dpkg-query -L "$pkg" 2>/dev/null || true; done \
  | sed -n -e 's|^/lib/systemd/system/\([^/@]*\)\.service$|\1|p' -e 's|^/usr/lib/systemd/system/\([^/@]*\)\.service$|\1|p' \
           -e 's|^/etc/init\.d/\([^/]*\)$|\1|p' \
  | sort -u | while IFS= read -r name; do
      mkdir -p /var/lib/vend-services/enabled && touch "/var/lib/vend-services/enabled/$name" && echo "$name"
    done
"""


def _enable_package_services(host, packages: Sequence[str]) -> list[str]:
    if not packages:
        return []
    with connect(host) as conn:
        result = run(conn, ["sh", "-c", ENABLE_SERVICES, "-", *packages], timeout=30)
    if not result.ok:
        raise BakeError(f"recording the services of {', '.join(packages)} on the build host failed: {result.stderr.strip()}")
    return sorted(result.stdout.split())


def start_build_host(hosts: LocalHosts, name: str, image_user: str, say: Say,
                     wait: float = BUILD_HOSTS_WAIT) -> Host:
    """Boot the build host; while another bake on this machine holds the build hosts' prefix,
    wait for it (saying so once), at most `wait` seconds."""
    deadline = time.monotonic() + wait
    told = False
    while True:
        try:
            (host,) = hosts.start(1, names=[name], image_user=image_user)
            return host
        except HostsBusy:
            if time.monotonic() >= deadline:
                raise BakeError(
                    f"another bake on this machine held the local build hosts (prefix {hosts.naming.prefix}) "
                    f"for {wait:g}s: wait for it to end, or give this one its own with VEND_BAKE_HOSTS_PREFIX "
                    "and VEND_BAKE_HOSTS_SUBNET") from None
            if not told:
                say(f"waiting for another bake on this machine (local build hosts {hosts.naming.prefix} in use)")
                told = True
            time.sleep(0.5)
