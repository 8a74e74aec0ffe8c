"""One bake, start to end: render, reuse or build, register and tag. The I/O edge of bake/.

    render (with the target's source) -> bake key -> an AMI with this key already? reuse it
    -> packer validate -> packer build (streamed, masked) -> AMI from the finished build, tagged

A build that times out is not the end: if it got as far as creating the AMI, that AMI is found
by its bake key and reused (waiting for it when still pending).
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from vendor.aws import images as ec2_images
from vendor.aws.images import Ami
from vendor.bake import images as plan
from vendor.bake.bake_key import bake_key, config_hash
from vendor.bake import packer_version
from vendor.bake.masking import Masker
from vendor.bake.runner import Console, Packer, PackerTimeout, Run
from vendor.bake.target import BakeError, BuildTarget, Finished
from vendor.config.loader import ConfigFile
from vendor.config.names import base
from vendor.render.appspec import render_app
from vendor.render.outputs import Output, write
from vendor.render.packer import file_names, render_packer

DEFAULT_TIMEOUT = 3600.0


@dataclass(frozen=True)
class BakeResult:
    ami: Ami
    reused: bool
    reason: str
    bake_key: str
    build_dir: Path


@dataclass(frozen=True)
class Prepared:
    files: list[Output]  # the rendered Packer files the bake key covers
    provenance: plan.Provenance
    started: datetime


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


class Baker:
    def __init__(self, *, ec2, target: BuildTarget, packer: Packer, console: Console, out_dir: Path,
                 timeout: float = DEFAULT_TIMEOUT, secrets: Mapping[str, str] | None = None,
                 now: Callable[[], datetime] = utc_now):
        self.ec2, self.target, self.packer, self.console = ec2, target, packer, console
        self.out_dir, self.timeout, self.now = Path(out_dir), timeout, now
        self.secrets = dict(secrets or {})
        self.masker = Masker.for_run(self.secrets, packer.environ)

    def say(self, text: str) -> None:
        self.console.output(self.masker(text))

    def prepare(self, cf: ConfigFile, *, commit: str = "uncommitted",
                info: plan.CommitInfo = plan.CommitInfo()) -> Prepared:
        """Render with the target's source and work out the bake key and provenance (no build).
        `info`: the commit's time, author and subject, for the AMI description."""
        config = cf.config
        started = self.now()
        files = render_packer(cf, cf.path.name, source=self.target.source)
        version = self.packer.version()
        base_image = self.target.base_image(config)
        key = bake_key(files, {"builder": self.target.builder, "base_image": base_image.id,
                               "packer_version": version})
        provenance = plan.Provenance(
            customer=config.customer, environment=config.environment, source_commit=commit,
            config_hash=config_hash(config), bake_key=key, base_ami_id=base_image.id,
            base_ami_name=base_image.name, packer_version=version,
            build_time=started.strftime("%Y-%m-%dT%H:%M:%SZ"), builder=self.target.builder, commit_info=info)
        return Prepared(files, provenance, started)

    def bake(self, cf: ConfigFile, *, commit: str = "uncommitted", force: bool = False,
             info: plan.CommitInfo = plan.CommitInfo()) -> BakeResult:
        config = cf.config
        prepared = self.prepare(cf, commit=commit, info=info)
        packer_files, provenance, key = prepared.files, prepared.provenance, prepared.provenance.bake_key
        build_dir = self.out_dir / config.slug
        self.say(f"bake {config.slug}: key {key[:16]}, base {provenance.base_ami_id} ({provenance.base_ami_name}), "
                 f"Packer {provenance.packer_version}, builder {self.target.builder}")

        decision = self._decide(config.customer, config.environment, base(config), key, force)
        if isinstance(decision, plan.Reuse):
            return self._reuse(decision, provenance, config.tags, build_dir)
        too_old = packer_version.problem(self.target.builder, provenance.packer_version)
        if too_old:  # reusing needs no Packer; building does, before anything is written or launched
            raise BakeError(too_old)
        self.say(f"baking: {decision.reason}")

        write(packer_files + render_app(config), build_dir)
        names = file_names(config)
        (build_dir / names["manifest"]).unlink(missing_ok=True)
        finished = Finished(
            manifest=build_dir / names["manifest"],
            name=f"{base(config)}-{commit}-{prepared.started.strftime('%Y%m%d%H%M%S')}",
            description=provenance.description(),
            tags=provenance.tags(config.tags))
        with self.target.session(config, provenance, self.say) as session:
            run = Run(build_dir, names["template"], names["vars"],
                      [("source_commit", commit), *session.variables], self.secrets)
            if packer_version.needs_init(self.target.builder, provenance.packer_version):
                self.packer.init(build_dir, names["plugins"], self.masker)
                self.say(f"packer init: {names['plugins']}")
            self.packer.validate(run, self.masker)
            self.say(f"packer validate: {names['template']} is valid")
            try:
                self.packer.build(run, self.masker, console=self.console, log_path=build_dir / "packer.log",
                                  timeout=self.timeout, label=f"bake {config.slug}")
            except PackerTimeout as timeout:
                found = self._decide(config.customer, config.environment, base(config), key, False)
                if isinstance(found, plan.Reuse):
                    self.say(f"{timeout}; but the bake got as far as creating {found.ami.id}")
                    return self._reuse(found, provenance, config.tags, build_dir)
                raise
            ami = session.finish(finished)
        self.say(f"baked {ami.id} ({ami.name})")
        return BakeResult(ami, False, decision.reason, key, build_dir)

    def _decide(self, customer: str, environment: str, name_prefix: str, key: str, force: bool) -> plan.Decision:
        found = [a for a in ec2_images.find_by_bake_key(self.ec2, f"{name_prefix}-", key)
                 if a.tags.get("Customer", customer) == customer and a.tags.get("Environment", environment) == environment]
        return plan.plan_bake(found, force=force, missing_content=self.target.missing_content(found))

    def _reuse(self, decision: plan.Reuse, provenance: plan.Provenance, extra: Mapping[str, str],
               build_dir: Path) -> BakeResult:
        ami = decision.ami
        if decision.wait:
            self.say(f"waiting for {ami.id} to become available")
            ami = ec2_images.wait_available(self.ec2, ami.id, timeout=self.timeout)
        if decision.tag:
            ec2_images.tag(self.ec2, ami, plan.recovered_tags(ami, provenance, extra))
            ami = ec2_images.get_image(self.ec2, ami.id) or ami
        if ami.state != "available":
            raise BakeError(f"{ami.id} is {ami.state}, not available: bake again with --force")
        self.say(f"reusing {ami.id}: {decision.reason} (--force bakes anyway)")
        return BakeResult(ami, True, decision.reason, provenance.bake_key, build_dir)
