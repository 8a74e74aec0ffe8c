"""A front door in front of a real ALB in the moto server (over HTTP), for the front-door tests and
`scripts/bench frontdoor`: an HTTPS listener with one rule (host -> an `ip` target group), the
emulator's change counter published to a file, and a steady client that counts what failed."""
from __future__ import annotations

import http.client
import itertools
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import boto3

from vendor.aws.frontdoor_routes import routes
from vendor.sandbox import elbv2_changes
from vendor.sandbox.certificates import self_signed
from vendor.sandbox.frontdoor import FrontDoor

REGION = "sa-east-1"  # the benchmark's (its own emulator)
# the tests share one moto server: each scene gets a region of its own, so the front door reads
# only its own load balancer (it reads every one of the region's, as the sandbox's does)
REGIONS = itertools.cycle(("sa-east-1", "ap-south-1", "ap-northeast-2", "ca-central-1", "eu-north-1", "eu-west-3",
                           "us-west-1", "ap-southeast-1", "ap-southeast-2", "eu-central-1", "eu-west-2", "us-east-2"))


@dataclass
class Scene:
    elbv2: object
    ec2: object
    listener: str
    target_group: str
    rule: str
    host: str
    counter: Path

    def door(self, **kwargs) -> FrontDoor:
        """A front door routing from the emulator, reloading when the counter moves (refresh 60 s:
        only the counter can make it see a change in a test's time)."""
        return FrontDoor(lambda: routes(self.elbv2, lambda target: target), refresh=kwargs.pop("refresh", 60.0),
                         version=elbv2_changes.Reader(self.counter), **kwargs)

    def register(self, *targets: tuple[str, int]) -> None:
        self.elbv2.register_targets(TargetGroupArn=self.target_group,
                                    Targets=[{"Id": a, "Port": p} for a, p in targets])

    def deregister(self, *targets: tuple[str, int]) -> None:
        self.elbv2.deregister_targets(TargetGroupArn=self.target_group,
                                      Targets=[{"Id": a, "Port": p} for a, p in targets])


def scene(moto_url: str, counter: Path, *, port: int = 8080, target_type: str = "ip", publish: bool = True,
          region: str | None = None) -> Scene:
    """`publish`: this process's moto (the tests' in-process server) counts changes into `counter`;
    False when the emulator is its own process and publishes there."""
    if publish:
        elbv2_changes.publish(counter)
    region = region or next(REGIONS)
    session = boto3.session.Session(region_name=region, aws_access_key_id="testing", aws_secret_access_key="testing")
    ec2, elbv2, acm = (session.client(n, endpoint_url=moto_url) for n in ("ec2", "elbv2", "acm"))
    tag = uuid.uuid4().hex[:8]
    vpc = ec2.create_vpc(CidrBlock="10.77.0.0/16")["Vpc"]["VpcId"]
    subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.77.{i}.0/24", AvailabilityZone=f"{region}{az}")
               ["Subnet"]["SubnetId"] for i, az in enumerate("ab")]
    lb = elbv2.create_load_balancer(Name=f"fd-{tag}", Subnets=subnets)["LoadBalancers"][0]["LoadBalancerArn"]
    pem, key = self_signed("*.example.com")  # imported, so ISSUED: a listener refuses a pending one
    cert = acm.import_certificate(Certificate=pem, PrivateKey=key)["CertificateArn"]
    listener = elbv2.create_listener(
        LoadBalancerArn=lb, Protocol="HTTPS", Port=443, Certificates=[{"CertificateArn": cert}],
        DefaultActions=[{"Type": "fixed-response", "FixedResponseConfig": {"StatusCode": "404"}}],
    )["Listeners"][0]["ListenerArn"]
    tg = elbv2.create_target_group(Name=f"fd-{tag}", Protocol="HTTP", Port=port, VpcId=vpc,
                                   TargetType=target_type)["TargetGroups"][0]["TargetGroupArn"]
    host = f"shop-{tag}.example.com"
    rule = elbv2.create_rule(ListenerArn=listener, Priority=10,
                             Conditions=[{"Field": "host-header", "HostHeaderConfig": {"Values": [host]}}],
                             Actions=[{"Type": "forward", "TargetGroupArn": tg}])["Rules"][0]["RuleArn"]
    return Scene(elbv2, ec2, listener, tg, rule, host, counter)


@dataclass
class Load:
    """`rate` requests a second to `url` with Host `host`, from `workers` keep-alive clients, until
    stopped; every answer but 200 (or no answer) is a failure, kept with what it was."""
    url: str
    host: str
    rate: float
    workers: int = 4
    path: str = "/"
    sent: int = 0
    failures: list[str] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)  # seconds, of the answered ones
    bodies: dict[str, int] = field(default_factory=dict)

    def __post_init__(self):
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._threads = [threading.Thread(target=self._worker, args=(i,), daemon=True) for i in range(self.workers)]

    def __enter__(self) -> "Load":
        self._start = time.monotonic()
        for t in self._threads:
            t.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        for t in self._threads:
            t.join(15)

    def _worker(self, index: int) -> None:
        hostport = self.url.split("//", 1)[1]
        conn = http.client.HTTPConnection(hostport, timeout=10)
        n = 0
        while not self._stop.is_set():
            due = self._start + (n * self.workers + index) / self.rate
            n += 1
            delay = due - time.monotonic()
            if delay > 0 and self._stop.wait(delay):
                break
            began = time.monotonic()
            try:
                conn.request("GET", self.path, headers={"Host": self.host})
                response = conn.getresponse()
                body = response.read().decode(errors="replace")
                outcome = None if response.status == 200 else f"HTTP {response.status}: {body.strip()[:80]}"
            except (OSError, http.client.HTTPException) as e:
                conn.close()
                conn = http.client.HTTPConnection(hostport, timeout=10)
                body, outcome = "", f"{type(e).__name__}: {e}"
            with self._lock:
                self.sent += 1
                if outcome:
                    self.failures.append(outcome)
                else:
                    self.bodies[body] = self.bodies.get(body, 0) + 1
                    self.latencies.append(time.monotonic() - began)
        conn.close()
