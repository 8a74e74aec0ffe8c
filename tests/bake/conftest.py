"""Fixtures for bakes on the embedded default: a moto server per module (the emulator, reached
over HTTP as the CLI reaches it) and local build hosts from the session's test slots."""
import urllib.request
from pathlib import Path

import boto3
import pytest
from moto.server import ThreadedMotoServer

CONFIGS = Path(__file__).parent / "configs"
REGION = "eu-west-1"


@pytest.fixture(scope="module")
def moto_endpoint():
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


def reset(endpoint: str) -> None:
    urllib.request.urlopen(urllib.request.Request(f"{endpoint}/moto-api/reset", method="POST"), timeout=10)


def client(endpoint: str, service: str):
    return boto3.client(service, region_name=REGION, endpoint_url=endpoint,
                        aws_access_key_id="testing", aws_secret_access_key="testing")
