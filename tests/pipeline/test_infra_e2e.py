"""The infrastructure pipeline end to end on the embedded default: a moto server over HTTP, a local
bake (Packer's null source on a local build host), real SMTP (aiosmtpd) and a real browser.

A production config in a temp git repository goes through four releases, in order:
1. the first commit: baked, the whole stack planned, approved, created;
2. an image input and fleet/max change: a new AMI, the mailed plan shows the AMI change, that an
   instance refresh replaces the instances, and the kept rule priority; approved in the browser,
   AWS then holds exactly that plan, the refresh is asked for (moto does not implement it: the
   Apply stage says the instances were not replaced), and an old unused AMI beyond image/keep is
   retired;
3. a fleet/max change only: the AMI is reused, the approver rejects in the browser, nothing changes;
4. the same commit again, but AWS changes after the request was mailed: the approved plan is not
   applied; the approvers get the new plan, and only its approval is applied.
"""
from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import threading
import time
from pathlib import Path
from types import SimpleNamespace

import pytest
from aiosmtpd.controller import Controller

from tests import browser
from tests.aws.conftest import Cloud
from vendor.approvals import outbox
from vendor.approvals.decisions import Decider
from vendor.approvals.gate import Gate
from vendor.approvals.mailer import SmtpMailer
from vendor.approvals.server import BackgroundServer
from vendor.approvals.settings import Settings
from vendor.approvals.store import Store
from vendor.approvals.tokens import Signer
from vendor.approvals.webapp import create_app
from vendor.aws import images as ec2_images
from vendor.aws.ami_rollout import AutoScalingRefresher
from vendor.aws.observe import observe
from vendor.aws.stack_ops import load_stack
from vendor.bake.baker import Baker
from vendor.bake.layers import LayerStore
from vendor.bake.local import LocalTarget
from vendor.bake.runner import Console, Packer
from vendor.config.loader import load_config
from vendor.pipeline.executions import Executions
from vendor.pipeline.infra import InfraRunner
from vendor.plan.diff import plan_apply

pytestmark = [pytest.mark.root, pytest.mark.skipif(browser.missing() is not None, reason=str(browser.missing()))]
SHOP = Path(__file__).resolve().parents[1] / "bake" / "configs" / "shop"
CONFIG = "configs/shop-production.yaml"
GROUP = "vend-shop-production"
RULE = "listener rule vend-shop-production-shared"
REGION = "ap-southeast-1"  # this module's own region of the session's moto server
AUTHOR = {"GIT_AUTHOR_NAME": "Ann Example", "GIT_AUTHOR_EMAIL": "ann@shop.example",
          "GIT_COMMITTER_NAME": "Ann Example", "GIT_COMMITTER_EMAIL": "ann@shop.example"}
TEXT = """\
customer: shop
environment: production
region: ap-southeast-1
app:
  stack: python
network:
  create:
    cidr: 10.40.0.0/16
image:
  base_ami:
    id: ami-0123456789abcdef0
  ssh_username: root
  packages: []
  scripts: [shop/provision.sh]
  keep: 2
  files:
    - source: shop/motd
      destination: /etc/shop/motd
fleet:
  min: 1
  max: 2
routing:
  hosts: [shop.example.com]
pipeline:
  source:
    repository: shop
  approvers: [ops@shop.example]
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def world(moto_url, tmp_path_factory, local_hosts_factory):  # noqa: F811
    cloud = Cloud(moto_url)
    cloud.certificate("*.shop.example.com", shared=True, region=REGION)
    hosts = local_hosts_factory(1, names=[])  # a test slot for the build hosts
    root = tmp_path_factory.mktemp("infra")
    state, repo = root / "state", root / "repo"
    (repo / "configs").mkdir(parents=True)
    shutil.copytree(SHOP, repo / "configs" / "shop")
    (repo / CONFIG).write_text(TEXT)
    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=repo, check=True)

    settings = Settings(state_dir=state, host="127.0.0.1", port=0)
    store, signer = Store(settings.db_path), Signer(b"infra-test-key-" + b"0123456789abcdef" * 2)
    smtp = Controller(outbox.Catcher(settings.outbox), hostname="127.0.0.1", port=free_port())
    smtp.start()
    web = BackgroundServer(create_app(store, Decider(store, signer)), settings).start()
    gate = Gate(store, signer, SmtpMailer("127.0.0.1", smtp.port), base_url=web.url,
                sender="vend@shop.example")
    layers, bake_output = LayerStore(state), []

    def connect(source, work):
        ctx = cloud.context(REGION)
        ec2 = ctx.client("ec2")
        return ctx, Baker(ec2=ec2, target=LocalTarget(ec2, hosts, layers), packer=Packer(),
                          console=Console(bake_output.append), out_dir=work / "build")

    events, refreshes = [], []

    def refresher(ctx):  # the real one, recording what it was asked
        real = AutoScalingRefresher(ctx.client("autoscaling"))

        def start(group, **settings):
            refreshes.append((group, settings))
            return real.start(group, **settings)
        return SimpleNamespace(start=start)

    runner = InfraRunner(state, connect=connect, gate=gate, poll=0.05, refresher=refresher,
                         on_event=lambda *event: events.append(event))
    yield {"cloud": cloud, "repo": repo, "state": state, "settings": settings, "store": store, "signer": signer,
           "runner": runner, "events": events, "bake_output": bake_output, "layers": layers,
           "refreshes": refreshes}
    web.stop()
    smtp.stop()
    for ami_dir in layers.root.glob("ami-*"):
        layers.unmount(ami_dir.name)


def commit(world, message: str, date: str, replace: dict[str, str] | None = None) -> str:
    path = world["repo"] / CONFIG
    text = path.read_text()
    for old, new in (replace or {}).items():
        assert old in text
        text = text.replace(old, new)
    path.write_text(text)
    env = {**os.environ, **AUTHOR, "GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date}
    subprocess.run(["git", "add", "-A"], cwd=world["repo"], check=True, env=env)
    subprocess.run(["git", "commit", "-qm", message], cwd=world["repo"], check=True, env=env)
    return subprocess.run(["git", "rev-parse", "HEAD"], cwd=world["repo"], check=True, capture_output=True,
                          text=True).stdout.strip()


class Release:
    """One run of the pipeline in a thread, so the test can act as the approvers meanwhile."""

    def __init__(self, world, sha: str):
        self.world, self.result, self.error = world, None, None
        self.seen = {e.request_id for e in outbox.entries(world["settings"].outbox)}
        self.thread = threading.Thread(target=self._run, args=(sha,), daemon=True)
        self.thread.start()

    def _run(self, sha: str) -> None:
        try:
            self.result = self.world["runner"].run(self.world["repo"] / CONFIG, sha)
        except BaseException as e:  # noqa: BLE001 - re-raised in the test thread by finish()
            self.error = e

    def mail(self, timeout: float = 90.0) -> tuple[str, str]:
        """(text, request id) of the next approval email of this release (one approver: one per request)."""
        box = self.world["settings"].outbox
        deadline = time.monotonic() + timeout
        while not (new := [e for e in outbox.entries(box) if e.request_id not in self.seen]):
            assert self.thread.is_alive(), f"the release ended without mailing: {self.error or self.result}"
            assert time.monotonic() < deadline, "no approval email"
            time.sleep(0.05)
        [entry] = new
        self.seen.add(entry.request_id)
        return outbox.text_of(outbox.read(box, entry.key)), entry.request_id

    def finish(self):
        self.thread.join(120)
        if self.error:
            raise self.error
        assert self.result is not None, "the release did not finish"
        return self.result


def link(text: str, verb: str) -> str:
    return re.search(rf"^{verb}: +(\S+)$", text, re.M)[1]


def plan_of(text: str) -> list[str]:
    start = text.index("What apply will do in AWS")
    return [line[2:] for line in text[start:].split("\n\n")[0].splitlines()[1:]]


def stages(execution) -> dict[str, tuple[str, str]]:
    return {s.name: (s.status, s.summary) for s in execution.stages}


def decide(world, request_id: str, approved: bool) -> None:
    Decider(world["store"], world["signer"]).decide(request_id, approved, by="ops@shop.example", source="test")


def aws_state(world, ami: str):
    cf = load_config(world["repo"] / CONFIG)
    ctx = world["cloud"].context(REGION)
    resources = load_stack(ctx, cf, ami_id=ami).resources
    found = observe(ctx, resources)
    return {k: (v.id, v.props) for k, v in found.items() if v is not None}, plan_apply(resources, found)


def group(world) -> dict:
    return world["cloud"].client("autoscaling", REGION).describe_auto_scaling_groups(
        AutoScalingGroupNames=[GROUP])["AutoScalingGroups"][0]


def template_image(world, version: str) -> str:
    return world["cloud"].client("ec2", REGION).describe_launch_template_versions(
        LaunchTemplateName=GROUP, Versions=[version])["LaunchTemplateVersions"][0]["LaunchTemplateData"]["ImageId"]


@pytest.fixture(scope="module")
def first(world):
    sha = commit(world, "Create the shop's production environment", "2026-01-31T12:00:00Z")
    release = Release(world, sha)
    text, request = release.mail()
    decide(world, request, True)
    execution = release.finish()
    ami = ec2_images.get_image(world["cloud"].client("ec2", REGION), re.search(r"ami-\w+", stages(execution)["Bake"][1])[0])
    return sha, text, execution, ami


def test_the_first_release_bakes_plans_the_whole_stack_and_creates_it_after_approval(world, first):
    sha, text, execution, ami = first
    assert execution.status == "Succeeded", stages(execution)
    assert execution.pipeline == "vend-shop-production-infra" and execution.commit == sha
    got = stages(execution)
    assert got["Source"] == ("Succeeded", f"commit {sha[:12]} Create the shop's production environment "
                                          f"(Ann Example <ann@shop.example>, 2026-01-31T12:00:00Z): {CONFIG}")
    assert got["Bake"][1].startswith(f"baked {ami.id}: no AMI with this bake key yet")
    assert ami.description == (f"vend image for shop/production at {sha} (bake key {ami.tags['BakeKey']}); "
                               "2026-01-31T12:00:00Z by Ann Example <ann@shop.example>: "
                               "Create the shop's production environment")
    assert ami.tags["SourceCommit"] == sha
    plan = plan_of(text)
    assert plan[0].startswith(f"Plan for shop/production in {REGION} (plan ")
    assert "  + create launch template vend-shop-production" in plan
    assert plan[-2] == f"AMI: {ami.id} (new launch template)"
    assert plan[-1] == (f"{RULE}: new; its priority is the first free one on the load balancer, chosen at apply")
    assert got["Apply"][0] == "Succeeded" and got["Apply"][1].endswith(" 0 updated, 0 deleted")
    assert world["refreshes"] == []  # a new fleet starts on the AMI: nothing to replace
    assert template_image(world, "$Latest") == ami.id
    _, after = aws_state(world, ami.id)
    assert {s.action for s in after} == {"keep"}
    recorded = Executions(world["state"], "vend-shop-production-infra").all()
    assert [e.id for e in recorded] == [execution.id]


@pytest.fixture(scope="module")
def second(world, first):
    (world["repo"] / "configs/shop/provision.sh").write_text(
        (SHOP / "provision.sh").read_text() + "echo stamped > /opt/shop/STAMP\n")  # an image input
    sha = commit(world, "Raise the shop's fleet to 3 and stamp the image", "2026-02-01T09:30:00Z",
                 {"  max: 2": "  max: 3"})
    world["bake_output"].clear()
    ec2 = world["cloud"].client("ec2", REGION)  # an AMI older than the two baked ones, used by nothing
    stale = ec2.register_image(Name="vend-shop-production-old", RootDeviceName="/dev/sda1")["ImageId"]
    ec2.create_tags(Resources=[stale], Tags=[  # (moto ignores register_image's TagSpecifications)
        {"Key": "ManagedBy", "Value": "vend"}, {"Key": "Customer", "Value": "shop"},
        {"Key": "Environment", "Value": "production"}, {"Key": "BuildTime", "Value": "2025-12-01T00:00:00Z"}])
    release = Release(world, sha)
    text, _ = release.mail()
    rule = rule_priority(world)
    page = browser.decide_in_browser(link(text, "Approve"), "approve", screenshot="infra-approval.png",
                                     comment="Plan checked")
    return sha, text, page, rule, release.finish(), stale


def test_an_image_change_bakes_a_new_ami_and_the_browser_approval_applies_exactly_the_mailed_plan(world, first, second):
    _, _, _, old = first
    sha, text, page, rule, execution, stale = second
    assert execution.status == "Succeeded", stages(execution)
    new = re.search(r"baked (ami-\w+)", stages(execution)["Bake"][1])[1]
    assert new != old.id and "$ packer build" in "".join(world["bake_output"])
    template = world["cloud"].client("ec2", REGION).describe_launch_templates(
        LaunchTemplateNames=[GROUP])["LaunchTemplates"][0]["LaunchTemplateId"]
    plan = plan_of(text)
    fingerprint = re.fullmatch(r"Plan for shop/production in ap-southeast-1 \(plan (\w{12})\):", plan[0])[1]
    assert plan[1:6] == [
        f"  ~ update launch template vend-shop-production ({template})",
        f"      image: {old.id} -> {new}",
        "  ~ update auto-scaling group vend-shop-production (vend-shop-production)",
        "      version: 1 -> (known after apply)",
        "      max: 2 -> 3",
    ]
    assert re.fullmatch(r"Plan: 0 to create, 2 to update, 0 to delete, \d+ unchanged\.", plan[6])
    assert plan[7:] == [f"AMI: {old.id} -> {new}",
                        "instances: replaced by an instance refresh after apply (min healthy 0%, warm-up 300 s)",
                        f"{RULE}: priority {rule} on vend-shared-1, kept"]
    assert "Decision recorded" in page and f"image: {old.id} -> {new}" in page  # the page shows the plan too
    assert stages(execution)["Approve"][1].startswith(f"approved by ops@shop.example: Plan checked (plan {fingerprint}")
    status, applied = stages(execution)["Apply"]
    assert status == "Succeeded"
    assert applied.startswith(f"applied plan {fingerprint}: 0 created, 2 updated, 0 deleted; the running instances "
                              "were not replaced (they keep the old launch template version): starting the "
                              f"instance refresh of {GROUP} failed (")
    assert applied.endswith(f"; this endpoint may not implement StartInstanceRefresh; retired 1 AMI(s) beyond "
                            f"image/keep 2: {stale}")
    remaining = ec2_images.list_images(world["cloud"].client("ec2", REGION), "shop", "production")
    assert sorted(a.id for a in remaining) == sorted([new, old.id])  # the newest 2 (old is also in use)
    assert world["refreshes"] == [(GROUP, {"template": GROUP, "version": 2, "min_healthy_percentage": 0,
                                           "warmup_seconds": 300})]
    asg = group(world)
    assert asg["MaxSize"] == 3 and asg["LaunchTemplate"]["Version"] == "2"
    assert template_image(world, "2") == new
    assert rule_priority(world) == rule
    _, after = aws_state(world, new)
    assert {s.action for s in after} == {"keep"}  # AWS now holds exactly the config with the new AMI
    ami = ec2_images.get_image(world["cloud"].client("ec2", REGION), new)
    assert ami.description == (f"vend image for shop/production at {sha} (bake key {ami.tags['BakeKey']}); "
                               "2026-02-01T09:30:00Z by Ann Example <ann@shop.example>: "
                               "Raise the shop's fleet to 3 and stamp the image")


def rule_priority(world) -> int:
    """The priority of the one rule on the shared load balancer's HTTPS listener."""
    elbv2 = world["cloud"].client("elbv2", REGION)
    lb = elbv2.describe_load_balancers(Names=["vend-shared-1"])["LoadBalancers"][0]["LoadBalancerArn"]
    https = next(l["ListenerArn"] for l in elbv2.describe_listeners(LoadBalancerArn=lb)["Listeners"] if l["Port"] == 443)
    (rule,) = [r for r in elbv2.describe_rules(ListenerArn=https)["Rules"] if not r["IsDefault"]]
    return int(rule["Priority"])


@pytest.fixture(scope="module")
def third(world, second):
    sha = commit(world, "Allow 4 instances", "2026-02-02T08:00:00Z", {"  max: 3": "  max: 4"})
    ami = re.search(r"baked (ami-\w+)", stages(second[4])["Bake"][1])[1]
    before, _ = aws_state(world, ami)
    world["bake_output"].clear()
    release = Release(world, sha)
    text, _ = release.mail()
    page = browser.decide_in_browser(link(text, "Reject"), "reject", comment="Not this week")
    return sha, ami, text, page, before, release.finish()


def test_a_config_only_change_reuses_the_ami_and_a_rejection_changes_nothing(world, third):
    sha, ami, text, page, before, execution = third
    got = stages(execution)
    assert got["Bake"][1].startswith(f"reused {ami}: same bake key as {ami}")
    assert "$ packer build" not in "".join(world["bake_output"])
    assert [line for line in plan_of(text) if line.startswith(("  ~", "      ", "AMI"))] == [
        "  ~ update auto-scaling group vend-shop-production (vend-shop-production)", "      max: 3 -> 4",
        f"AMI: {ami} (unchanged)"]
    assert "shop/production is rejected" in page
    assert execution.status == "Failed"
    assert got["Approve"] == ("Rejected", "rejected by ops@shop.example: Not this week")
    assert got["Apply"] == ("NotRun", "not run: Approve rejected")
    after, _ = aws_state(world, ami)
    assert after == before and group(world)["MaxSize"] == 3


def test_a_plan_made_stale_after_the_request_is_not_applied_and_the_new_plan_is_asked_for(world, third):
    sha, ami, _, _, _, _ = third
    world["events"].clear()
    release = Release(world, sha)
    text, request = release.mail()
    elbv2 = world["cloud"].client("elbv2", REGION)
    tg = elbv2.describe_target_groups(Names=[GROUP])["TargetGroups"][0]["TargetGroupArn"]
    elbv2.modify_target_group(TargetGroupArn=tg, HealthCheckPath="/changed-by-hand")  # AWS changes meanwhile
    decide(world, request, True)

    second_text, second_request = release.mail()
    assert group(world)["MaxSize"] == 3  # the approved plan was not applied
    assert elbv2.describe_target_groups(TargetGroupArns=[tg])["TargetGroups"][0]["HealthCheckPath"] == "/changed-by-hand"
    assert f"AWS changed after {request} was approved by ops@shop.example, so nothing was applied." in second_text
    assert ("  - target group vend-shop-production: not in the approved plan, now update health_check "
            in second_text)
    new_plan = plan_of(second_text)
    assert "  ~ update target group vend-shop-production (" + tg + ")" in new_plan
    assert "      max: 3 -> 4" in new_plan
    stale = [e for e in world["events"] if e[1] == "Stale"]
    assert len(stale) == 1 and stale[0][2].startswith(f"plan {plan_of(text)[0].split('(plan ')[1][:12]} approved in {request}")

    decide(world, second_request, True)
    execution = release.finish()
    assert execution.status == "Succeeded", stages(execution)
    assert f"request {second_request}, request 2 of at most 3" in stages(execution)["Approve"][1]
    assert group(world)["MaxSize"] == 4
    assert elbv2.describe_target_groups(TargetGroupArns=[tg])["TargetGroups"][0]["HealthCheckPath"] == "/health"
    _, after = aws_state(world, ami)
    assert {s.action for s in after} == {"keep"}
