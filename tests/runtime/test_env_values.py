"""The env file's values read from the emulator: config vars from Parameter Store (secrets decrypted),
the database login from the RDS instance and the master user secret RDS keeps in Secrets Manager."""
from __future__ import annotations

import json
from pathlib import Path

import boto3
import pytest

from vendor.aws.database_access import DatabaseNotReady
from vendor.aws.endpoint import DUMMY_CREDENTIALS
from vendor.config.loader import load_config
from vendor.runtime import env_values

MINIMAL = Path(__file__).parents[1] / "config" / "minimal.yaml"


@pytest.fixture
def aws(moto_url, monkeypatch):
    key, secret = DUMMY_CREDENTIALS
    for name, value in {"AWS_ENDPOINT_URL": moto_url, "AWS_ACCESS_KEY_ID": key, "AWS_SECRET_ACCESS_KEY": secret}.items():
        monkeypatch.setenv(name, value)
    return lambda service: boto3.client(service, region_name="eu-west-1")


def _config(tmp_path, customer: str):
    path = tmp_path / f"{customer}-staging.yaml"
    path.write_text(MINIMAL.read_text().replace("customer: shop", f"customer: {customer}"))
    return load_config(str(path)).config


def test_values_come_from_parameters_and_the_rds_managed_secret(aws, tmp_path):
    config = _config(tmp_path, "envvals")
    store = env_values.config_vars(config, "123456789012")
    store.set("FOO", "bar", secret=False)
    store.set("API_KEY", "s3cr3t", secret=True)
    rds = aws("rds")
    db = rds.create_db_instance(DBInstanceIdentifier="vend-envvals-staging", Engine="postgres", DBName="app",
                                DBInstanceClass="db.t4g.micro", AllocatedStorage=20, MasterUsername="vend_admin",
                                ManageMasterUserPassword=True)["DBInstance"]
    secret = json.loads(aws("secretsmanager").get_secret_value(SecretId=db["MasterUserSecret"]["SecretArn"])["SecretString"])

    values = env_values.values(config)
    address = db["Endpoint"]["Address"]
    assert {k: values[k] for k in ("FOO", "API_KEY", "VEND_CONFIG_VARS", "DB_HOST", "DB_PORT", "DB_NAME", "DB_USER",
                                   "DB_PASSWORD", "VEND_BUCKET", "AWS_REGION", "VEND_CUSTOMER", "VEND_ENVIRONMENT")} == {
        "FOO": "bar", "API_KEY": "s3cr3t", "VEND_CONFIG_VARS": "FOO", "DB_HOST": address, "DB_PORT": "5432",
        "DB_NAME": "app", "DB_USER": "vend_admin", "DB_PASSWORD": secret["password"],
        "VEND_BUCKET": "vend-envvals-staging-123456789012-artifacts", "AWS_REGION": "eu-west-1",
        "VEND_CUSTOMER": "envvals", "VEND_ENVIRONMENT": "staging"}
    assert values["DATABASE_URL"].startswith("postgresql://vend_admin:") and values["DATABASE_URL"].endswith(f"@{address}:5432/app")

    local = env_values.values(config, endpoint=("10.214.3.1", 5432))  # the sandbox's PostgreSQL server
    assert (local["DB_HOST"], local["DB_PASSWORD"]) == ("10.214.3.1", secret["password"])


def test_a_missing_database_is_named(aws, tmp_path):
    with pytest.raises(DatabaseNotReady) as e:
        env_values.values(_config(tmp_path, "envnodb"))
    assert str(e.value) == "database vend-envnodb-staging does not exist (vend apply creates it)"
