"""The reads of one fleet run (many environments planned at once in one region), made once.

Hooked into the clients every environment's context shares (botocore's `before-call` event, the
way its Stubber answers), a read is answered here instead of going to AWS when:

- it asks for one named resource of a kind listed in bulk: the kind is listed once per run
  (every VPC, subnet, security group, ... tagged ManagedBy=vend; every target group, load
  balancer, auto-scaling group, scaling policy, DB instance and subnet group, metric alarm, IAM
  role (GetAccountAuthorizationDetails), instance profile, CodeBuild project, CodeDeploy
  application, log group, EventBridge rule, SNS topic and subscription, S3 bucket; the vend AMIs;
  bucket tags through the Resource Groups Tagging API's GetResources) and the answer, or AWS's
  not-found error, is taken from the list;
- the very same read was made before in this run (shared ALB, its listeners, rules and their
  tags, zones, certificates, the caller's identity, ...): its answer is reused, and concurrent
  askers wait for the one call in flight.

A read of a shape not recognised goes to AWS as before. Answers from here are marked in the
call's context (`LOCAL`) so `CallCounter` counts only the calls that reached AWS. Any call
that changes something clears the run's remembered answers of its service. Reads of a run are
a snapshot: use it for plan and status, where AWS is only read.
"""
from __future__ import annotations

import copy
import functools
import json
import threading
from collections.abc import Callable

from botocore.awsrequest import AWSResponse
from botocore.exceptions import BotoCoreError, ClientError

from vendor.aws.calls import LOCAL, is_mutating
from vendor.aws.fleet_answers import ANSWERS, UNLISTED, NotFound, requoted

WAIT_S = 120.0
THROTTLING = {"Throttling", "ThrottlingException", "ThrottledException", "RequestLimitExceeded", "SlowDown",
              "TooManyRequestsException", "RequestThrottled", "RequestThrottledException", "ProvisionedThroughputExceededException"}

class FleetReads:
    def __init__(self, client_for: Callable[[str], object] | None = None):
        self.client_for = client_for  # service -> a client of the run's context (for GetResources)
        self._answers: dict[tuple, tuple[int, dict]] = {}
        self._in_flight: dict[tuple, threading.Event] = {}
        self._lists: dict[str, object] = {}
        self._list_locks: dict[str, threading.Lock] = {}
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
        context["vend_params"] = copy.deepcopy(params)

    def _before_call(self, client, model, context, **_kwargs):
        service, op = model.service_model.service_name, model.name
        params = context.get("vend_params", {})
        if is_mutating(op):
            with self._lock:
                for key in [k for k in self._answers if k[0] == service]:
                    del self._answers[key]
            return None
        answer = None if getattr(self._fetching, "on", False) else ANSWERS.get((service, op))
        if answer is not None:
            try:
                parsed = answer(self, client, params)
            except NotFound as error:
                return self._local(context, error.status, {"Error": {"Code": error.code, "Message": error.message}})
            if parsed is not None:
                parsed = copy.deepcopy(parsed)  # the caller's hooks change answers in place; the lists stay
                return self._local(context, 200, requoted(parsed) if service == "iam" else parsed)
        key = (service, op, json.dumps(params, sort_keys=True, default=str))
        while True:
            with self._lock:
                if key in self._answers:
                    status, parsed = self._answers[key]
                    return self._local(context, status, requoted(copy.deepcopy(parsed)) if service == "iam" else
                                       copy.deepcopy(parsed))
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
        with self._lock:
            code = parsed.get("Error", {}).get("Code", "") if isinstance(parsed, dict) else ""
            if http_response.status_code < 500 and code not in THROTTLING:  # a throttled answer is never reused
                self._answers[key] = (http_response.status_code, copy.deepcopy(parsed))
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

    # -- bulk lists --------------------------------------------------------------------------
    def listed_once(self, name: str, fetch: Callable[[], object]):
        """`fetch()`'s result, made once per run; UNLISTED when AWS (or the emulator) cannot list it."""
        with self._lock:
            lock = self._list_locks.setdefault(name, threading.Lock())
        with lock:
            if name not in self._lists:
                self._fetching.on = True
                try:
                    self._lists[name] = fetch()
                    self.listed.append(name)
                except (ClientError, BotoCoreError, KeyError):
                    self._lists[name] = UNLISTED
                finally:
                    self._fetching.on = False
            return self._lists[name]


