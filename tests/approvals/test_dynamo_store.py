"""The DynamoDB store against the moto server: the same behaviour as the SQLite store."""
from __future__ import annotations

import threading
import uuid

import boto3
import pytest

from tests.conftest import moto_url  # noqa: F401 - the shared moto server fixture
from vendor.approvals.dynamo_store import DynamoStore
from vendor.approvals.model import (APPROVED, EXPIRED, PENDING, REJECTED, ApprovalRequest, Decision,
                                    PipelineRef, Summary)
from vendor.approvals.store import DuplicateRequest

T = 1_700_000_000.0


def make_table(client) -> str:
    name = f"vend-approvals-{uuid.uuid4().hex[:8]}"
    client.create_table(TableName=name, AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
                        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}], BillingMode="PAY_PER_REQUEST")
    return name


@pytest.fixture
def dynamo(moto_url):  # noqa: F811
    client = boto3.client("dynamodb", region_name="eu-west-1", endpoint_url=moto_url,
                          aws_access_key_id="testing", aws_secret_access_key="testing")
    return DynamoStore(client, make_table(client))


def _request(rid="apr-1", pipeline=None):
    return ApprovalRequest(rid, "acme", "production", ("ann@example.com", "bob@example.com"),
                           Summary("r42", "abc123", "ami-1", ("fix login",), plan=("~ update x",), build="Build: Succeeded"),
                           T, T + 3600, pipeline)


def test_round_trip_keeps_the_pipeline_region(dynamo):
    ref = PipelineRef("acme-prod", "Approve", "Manual", "tok-1", "eu-west-1")
    dynamo.add(_request(pipeline=ref))
    assert dynamo.get("apr-1") == _request(pipeline=ref)
    assert dynamo.get("apr-nope") is None
    assert dynamo.pending(T) == [_request(pipeline=ref)] and dynamo.pending(T + 3600) == []


def test_a_request_is_added_once(dynamo):
    dynamo.add(_request())
    with pytest.raises(DuplicateRequest, match="apr-1 exists already"):
        dynamo.add(_request())


def test_only_one_of_many_concurrent_deciders_wins(dynamo):
    dynamo.add(_request())
    wins = []

    def decide(i):
        d = Decision("apr-1", APPROVED if i % 2 else REJECTED, f"p{i}@x.io", T + 1, "test", "web", link_id=f"l{i}")
        if dynamo.decide(d, T + 1):
            wins.append(d)

    threads = [threading.Thread(target=decide, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(wins) == 1
    assert dynamo.get("apr-1").decision == wins[0]
    assert dynamo.list(status=wins[0].status) == [dynamo.get("apr-1")]


def test_no_decision_after_expiry_nor_for_a_missing_request(dynamo):
    dynamo.add(_request())
    late = Decision("apr-1", APPROVED, "ann@example.com", T + 3600, "test", "web")
    assert not dynamo.decide(late, T + 3600)
    assert not dynamo.decide(Decision("apr-x", APPROVED, "a@b.c", T, "t", "web"), T)
    assert not dynamo.expire("apr-1", T + 3599)
    assert dynamo.expire("apr-1", T + 3600)
    assert not dynamo.expire("apr-1", T + 3601)
    assert dynamo.get("apr-1").status == EXPIRED and dynamo.get("apr-1").decision.via == "timeout"


def test_undo_reopens_only_the_decision_it_names(dynamo):
    dynamo.add(_request())
    d = Decision("apr-1", REJECTED, "bob@example.com", T + 5, "10.0.0.1", "web", "no", "l1")
    assert dynamo.decide(d, T + 5)
    assert not dynamo.undo(Decision("apr-1", REJECTED, "ann@example.com", T + 5, "x", "web"))
    assert dynamo.undo(d)
    again = dynamo.get("apr-1")
    assert again.status == PENDING and again.decision is None
    assert again == _request()
