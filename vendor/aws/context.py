"""One AWS connection for a stack command: a session, clients counted by one CallCounter, and
the account's identity. Clients go to `endpoint_url` when one is given (the embedded emulator),
otherwise wherever boto3 sends them (`AWS_ENDPOINT_URL`, or AWS itself)."""
from __future__ import annotations

from functools import cached_property

from vendor.aws import clients
from vendor.aws.calls import CallCounter


def each_time(key, make):
    """`once` for a context alone: whoever asks makes it."""
    return make()


class AwsContext:
    def __init__(self, session, *, endpoint_url: str | None = None, counter: CallCounter | None = None,
                 shared_clients=None, once=None):
        """`shared_clients(service)`: clients shared with other contexts (a fleet run's); made here otherwise.
        `once(key, make)`: what a read makes of its answers, made once for all the contexts of a
        run that only reads (a fleet run's); by default each asker makes its own."""
        self.session = session
        self._shared_clients = shared_clients
        self.once = once or each_time
        self.endpoint_url = endpoint_url
        self.counter = counter or CallCounter()
        self._clients: dict[str, object] = {}
        self.tags: dict[str, str] = {}  # the stack's tags, set by the executor
        self.delay = 5.0  # seconds between polls while AWS finishes something

    @property
    def region(self) -> str:
        return self.session.region_name

    def client(self, service: str):
        if self._shared_clients is not None:
            return self._shared_clients(service)
        if service not in self._clients:
            made = self.session.client(service, endpoint_url=self.endpoint_url, config=clients.RETRIES)
            self.counter.attach(made)
            self._clients[service] = made
        return self._clients[service]

    @cached_property
    def account(self) -> str:
        return self.client("sts").get_caller_identity()["Account"]

    @cached_property
    def partition(self) -> str:
        return self.session.get_partition_for_region(self.region)
