"""The reads of one fleet run (many environments planned at once in one region), made once.

Hooked into the clients every environment's context shares (botocore's `before-call` event, the
way its Stubber answers), a read is answered here instead of going to AWS when:

- it asks for one named resource of a kind listed in bulk: the kind is listed once per run
  (every VPC, subnet, security group, ... tagged ManagedBy=vend; every target group, load
  balancer, launch template (each one's default version), auto-scaling group, scaling policy, DB
  instance and subnet group, metric alarm, IAM role (GetAccountAuthorizationDetails), instance
  profile, CodeBuild project, CodeDeploy application, log group, EventBridge rule, SNS topic and
  subscription, S3 bucket; the vend AMIs; bucket tags through the Resource Groups Tagging API's
  GetResources) and the answer, or AWS's not-found error, is taken from the list;
- the very same read was made before in this run (shared ALB, its listeners, rules and their
  tags, zones, certificates, the caller's identity, ...): its answer is reused, and concurrent
  askers wait for the one call in flight.

A read of a shape not recognised goes to AWS as before. Answers from here are marked in the
call's context (`LOCAL`) so `CallCounter` counts only the calls that reached AWS. Any call
that changes something clears the run's remembered answers of its service. Reads of a run are
a snapshot: use it for plan and status, where AWS is only read.

The run's clients are wrapped (`AnsweringClient`) so that a read answered here skips botocore's
request building as well; `once` makes anything else once per run (the listings, their indexes,
the shared load balancers' rules as vend reads them), and `prefetch` starts every listing at once
when many environments will need them.
"""
from __future__ import annotations

import functools
import json
import threading
from collections.abc import Callable
from concurrent.futures import Executor

from botocore.awsrequest import AWSResponse
from botocore.exceptions import BotoCoreError, ClientError

from vendor.aws.calls import LOCAL, CallCounter, is_mutating
from vendor.aws.fleet_answers import ANSWERS, LISTINGS, UNLISTED, NotFound, requoted

WAIT_S = 120.0
THROTTLING = {"Throttling", "ThrottlingException", "ThrottledException", "RequestLimitExceeded", "SlowDown",
              "TooManyRequestsException", "RequestThrottled", "RequestThrottledException", "ProvisionedThroughputExceededException"}

def _key(service: str, op: str, params: dict) -> tuple:
    return service, op, json.dumps(params, sort_keys=True, default=str)


def copied(value):
    """A copy of a call's parameters or parsed response (dicts and lists of plain values), ~2.5x faster
    than copy.deepcopy."""
    if isinstance(value, dict):
        return {k: copied(v) for k, v in value.items()}
    if isinstance(value, list):
        return [copied(v) for v in value]
    return value


class FleetReads:
    def __init__(self, client_for: Callable[[str], object] | None = None):
        self.client_for = client_for  # service -> a client of the run's context (for the listings)
        self._answers: dict[tuple, tuple[int, dict]] = {}
        self._in_flight: dict[tuple, threading.Event] = {}
        self._made: dict[tuple, object] = {}
        self._making: dict[tuple, threading.Lock] = {}
        self._lock = threading.Lock()
        self._fetching = threading.local()  # a bulk listing's own calls are never answered from lists
        self.listed: list[str] = []  # the bulk lists made, in order (for reports and tests)

    def attach(self, client) -> None:
        events = client.meta.events
        events.register("before-parameter-build.*.*", self._keep_params)
        events.register_first("before-call.*.*", functools.partial(self._before_call, client))
        events.register("after-call.*.*", self._after_call)
        events.register("after-call-error.*.*", self._after_error)

    # -- hooks -------------------------------------------------------------------------------
    @staticmethod
    def _keep_params(params, context, **_kwargs) -> None:
        context["vend_params"] = copied(params)

    def answer(self, client, service: str, op: str, params: dict) -> tuple[int, dict] | None:
        """(HTTP status, parsed response) of a read answered from the run's listings or an
        identical earlier read, as botocore's handlers leave a response (a copy: callers change
        answers in place); None: the read goes to AWS."""
        if getattr(self._fetching, "on", False):
            return None  # a bulk listing's own pages: made once anyway, never answered or kept here
        answer = ANSWERS.get((service, op))
        if answer is not None:
            try:
                parsed = answer(self, client, params)
            except NotFound as error:
                return error.status, {"Error": {"Code": error.code, "Message": error.message}}
            if parsed is not None:
                return 200, copied(parsed)
        if service == "iam":  # kept as the wire has them or decoded: only _before_call's path requotes them
            return None
        with self._lock:
            kept = self._answers.get(_key(service, op, params))
        return None if kept is None else (kept[0], copied(kept[1]))

    def _before_call(self, client, model, context, **_kwargs):
        service, op = model.service_model.service_name, model.name
        params = context.get("vend_params", {})
        if is_mutating(op):
            with self._lock:
                for key in [k for k in self._answers if k[0] == service]:
                    del self._answers[key]
            return None
        answered = self.answer(client, service, op, params)
        if answered is not None:
            return self._local(context, answered[0], requoted(answered[1]) if service == "iam" else answered[1])
        if getattr(self._fetching, "on", False):
            return None
        key = _key(service, op, params)
        while True:
            with self._lock:
                if key in self._answers:
                    status, parsed = self._answers[key]
                    return self._local(context, status, requoted(copied(parsed)) if service == "iam" else
                                       copied(parsed))
                waiting = self._in_flight.get(key)
                if waiting is None:
                    self._in_flight[key] = threading.Event()
                    context["vend_key"] = key
                    return None
            if not waiting.wait(WAIT_S):
                return None

    def _after_call(self, http_response, parsed, context, **_kwargs) -> None:
        key = context.pop("vend_key", None)
        if key is None:
            return
        code = parsed.get("Error", {}).get("Code", "") if isinstance(parsed, dict) else ""
        kept = copied(parsed) if http_response.status_code < 500 and code not in THROTTLING else None
        with self._lock:
            if kept is not None:  # a throttled answer is never reused
                self._answers[key] = (http_response.status_code, kept)
            self._in_flight.pop(key).set()

    def _after_error(self, context, **_kwargs) -> None:
        key = context.pop("vend_key", None)
        if key is not None:
            with self._lock:
                self._in_flight.pop(key).set()

    @staticmethod
    def _local(context: dict, status: int, parsed: dict):
        context[LOCAL] = True
        parsed.setdefault("ResponseMetadata", {"HTTPStatusCode": status, "HTTPHeaders": {}, "RetryAttempts": 0})
        return AWSResponse("vend-fleet-reads", status, {}, None), parsed

    # -- made once per run ------------------------------------------------------------------
    def once(self, key: tuple, make: Callable[[], object]):
        """`make()`'s result, made once per run: a bulk listing, an index of one, what the shared
        load balancers' rules say. Concurrent askers wait for the one being made; a failure is
        not kept (the next asker tries again)."""
        with self._lock:
            lock = self._making.setdefault(key, threading.Lock())
        with lock:
            if key not in self._made:
                self._made[key] = make()
            return self._made[key]

    def prefetch(self, pool: Executor) -> None:
        """Start every listing of `LISTINGS` on `pool` at once (a run of many environments needs
        them all, and made one after another they hold every environment up)."""
        for name in LISTINGS:
            pool.submit(self.listing, name)

    def listing(self, name: str):
        """The listing `name` of `LISTINGS`, made once per run; UNLISTED when AWS cannot list it."""
        service, fetch = LISTINGS[name]
        return self.listed_once(name, lambda: fetch(self.client_for(service)))

    def listed_once(self, name: str, fetch: Callable[[], object]):
        """`fetch()`'s result, made once per run; UNLISTED when AWS (or the emulator) cannot list it."""
        def listing():
            self._fetching.on = True
            try:
                found = fetch()
            except (ClientError, BotoCoreError, KeyError):
                return UNLISTED
            finally:
                self._fetching.on = False
            self.listed.append(name)
            return found
        return self.once(("list", name), listing)


class AnsweringClient:
    """A fleet run's client: a read the run can answer (`FleetReads.answer`) is answered before
    botocore builds, signs and parses a request for it (the work of a call through botocore is
    most of a fleet run's CPU); anything else is the client's own. Answers are counted as the
    `before-call` path counts them (CallCounter.answered)."""

    def __init__(self, client, reads: FleetReads, counter: CallCounter):
        self._client, self._reads, self._counter = client, reads, counter
        self._service = client.meta.service_model.service_name

    def __getattr__(self, name: str):
        method = getattr(self._client, name)
        op = self._client.meta.method_to_api_mapping.get(name)
        if op is None or is_mutating(op):
            return method

        def call(**params):
            answered = self._reads.answer(self._client, self._service, op, params)
            if answered is None:
                return method(**params)
            self._counter.answered_here(self._service, op)
            status, parsed = answered
            parsed.setdefault("ResponseMetadata", {"HTTPStatusCode": status, "HTTPHeaders": {}, "RetryAttempts": 0})
            if "Error" in parsed:
                raise self._client.exceptions.from_code(parsed["Error"]["Code"])(parsed, op)
            return parsed
        return call
