"""Plan many environments at once: a bounded pool of environments, one region's clients shared.

Each region of the run gets one boto3 session and one client per service, shared by every
environment's context (boto3 clients are safe to call from several threads): botocore's adaptive
retry mode then sees the whole fleet's throttling on one rate limiter per client, and the run's
`FleetReads` answers the reads environments have in common, or that one bulk listing covers,
once. Each environment is observed and planned as `vend plan` does it alone; what one
environment's AWS or config gets wrong is that environment's error, not the run's.
"""
from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, ThreadPoolExecutor
from dataclasses import dataclass, field

from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from vendor.aws.base import StackError
from vendor.aws.calls import CallCounter
from vendor.aws.context import AwsContext
from vendor.aws.fleet_reads import AnsweringClient, FleetReads
from vendor.aws.listener_rules import ListenerRulesError
from vendor.aws.observe import observe
from vendor.aws.stack_ops import Target, context, load_stack
from vendor.config.loader import load_config
from vendor.config.source import SourceError
from vendor.plan.diff import Step, plan_apply
from vendor.plan.priority import PriorityPlanError

DEFAULT_JOBS = 16
LISTING_JOBS = 8  # bulk listings made at once, ahead of the environments of a run of many
MAX_ATTEMPTS = 10


@dataclass
class Planned:
    """One environment's plan, or why there is none."""
    config: str
    environment: str | None = None
    region: str | None = None
    steps: list[Step] = field(default_factory=list)
    error: str | None = None


class RegionClients:
    """One region's clients for the run: adaptive retries, one counter, the run's FleetReads."""

    def __init__(self, target: Target, region: str, *, jobs: int, counter: CallCounter, shared_reads: bool = True,
                 prefetch: Executor | None = None):
        self.session = context(target, region).session
        self.target, self.counter = target, counter
        self.config = Config(retries={"mode": "adaptive", "max_attempts": MAX_ATTEMPTS},
                             max_pool_connections=max(10, jobs))
        self.reads = FleetReads(self.client) if shared_reads else None
        self._clients: dict[str, object] = {}
        self._lock = threading.Lock()
        if self.reads is not None and prefetch is not None:
            self.reads.prefetch(prefetch)

    def client(self, service: str):
        with self._lock:
            if service not in self._clients:
                made = self.session.client(service, endpoint_url=self.target.endpoint_url, config=self.config)
                self.counter.attach(made)
                if self.reads is not None:
                    self.reads.attach(made)
                    made = AnsweringClient(made, self.reads, self.counter)
                self._clients[service] = made
            return self._clients[service]

    def context(self) -> AwsContext:
        ctx = AwsContext(self.session, endpoint_url=self.target.endpoint_url, counter=self.counter,
                         shared_clients=self.client, once=self.reads.once if self.reads is not None else None)
        ctx.delay = 0
        return ctx


def error_text(error: Exception) -> str:
    """What `vend plan` says on stderr for the same failure, without `error: `."""
    if isinstance(error, ClientError):
        err = error.response.get("Error", {})
        return f"AWS refused {error.operation_name}: {err.get('Code')}: {err.get('Message')}"
    if isinstance(error, SourceError):
        return "; ".join(str(p) for p in error.problems)
    if isinstance(error, BotoCoreError):
        return f"{error} (check --profile/--region or AWS_ENDPOINT_URL)"
    return str(error)


FAILURES = (StackError, ListenerRulesError, PriorityPlanError, ClientError, BotoCoreError, SourceError)


def plan_fleet(paths: Sequence[str], target: Target, *, jobs: int = DEFAULT_JOBS, region: str | None = None,
               shared_certificate: str | None = None, counter: CallCounter | None = None,
               shared_reads: bool = True, done: Callable[[Planned], None] | None = None) -> list[Planned]:
    """Each config's plan (in the order given), `jobs` environments at a time."""
    counter = counter if counter is not None else CallCounter()
    regions: dict[str, RegionClients] = {}
    lock = threading.Lock()

    def clients_for(name: str) -> RegionClients:
        with lock:
            if name not in regions:
                regions[name] = RegionClients(target, name, jobs=jobs, counter=counter, shared_reads=shared_reads,
                                              prefetch=listings if len(paths) > 1 else None)
            return regions[name]

    def one(path: str) -> Planned:
        out = Planned(path)
        try:
            cf = load_config(path)
            out.environment, out.region = cf.config.slug, region or cf.config.region
            ctx = clients_for(out.region).context()
            st = load_stack(ctx, cf, shared_certificate=shared_certificate)
            out.steps = plan_apply(st.resources, observe(ctx, st.resources))
        except FAILURES as error:
            out.error = error_text(error)
        except Exception as error:  # noqa: BLE001 - one environment's failure is its row, not the run's
            out.error = f"unexpected {type(error).__name__}: {error}"
        if done is not None:
            done(out)
        return out

    with ThreadPoolExecutor(max_workers=LISTING_JOBS, thread_name_prefix="vend-fleet-lists") as listings, \
            ThreadPoolExecutor(max_workers=max(1, jobs), thread_name_prefix="vend-fleet") as pool:
        return list(pool.map(one, paths))
