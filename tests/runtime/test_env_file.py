"""The env file's text is exact, reads back the same in Python, and refuses what it cannot hold."""
from __future__ import annotations

import subprocess

import pytest

from vendor.runtime.env_file import (BadVariable, DatabaseAccess, check_key, parse, parse_assignment, render,
                                     variables)

DB = DatabaseAccess("postgres", "10.214.0.1", 5432, "shop", "vend_admin", "p@ss:w/rd'x")


def _values():
    return variables(config_vars={"FOO": "bar", "API_KEY": "s3cr3t"}, secret_names={"API_KEY"}, database=DB,
                     bucket="vend-acme-staging-123456789012-artifacts", region="eu-west-1", customer="acme",
                     environment="staging")


def test_rendered_file_is_exact():
    assert render(_values()) == (
        "# Written by vend before every deployment; changes here are overwritten.\n"
        "API_KEY='s3cr3t'\n"
        "FOO='bar'\n"
        "VEND_CONFIG_VARS='FOO'\n"
        "DATABASE_URL='postgresql://vend_admin:p%40ss%3Aw%2Frd%27x@10.214.0.1:5432/shop'\n"
        "DB_HOST='10.214.0.1'\n"
        "DB_PORT='5432'\n"
        "DB_NAME='shop'\n"
        "DB_USER='vend_admin'\n"
        "DB_PASSWORD='p@ss:w/rd'\\''x'\n"
        "VEND_BUCKET='vend-acme-staging-123456789012-artifacts'\n"
        "AWS_REGION='eu-west-1'\n"
        "AWS_DEFAULT_REGION='eu-west-1'\n"
        "VEND_CUSTOMER='acme'\n"
        "VEND_ENVIRONMENT='staging'\n")


def test_python_and_the_shell_read_back_the_same_values(tmp_path):
    values = _values()
    text = render(values)
    assert parse(text) == values
    path = tmp_path / "app.env"
    path.write_text(text)
    shell = subprocess.run(["sh", "-c", 'set -a; . "$1"; printf "%s|%s" "$DB_PASSWORD" "$DATABASE_URL"', "-", str(path)],
                           capture_output=True, text=True, check=True)
    assert shell.stdout == f"{values['DB_PASSWORD']}|{values['DATABASE_URL']}"


@pytest.mark.parametrize("text, message", [
    ("foo=bar", "'foo' is not a usable variable name: use A-Z, 0-9 and _, not starting with a digit, at most "
                "128 characters (e.g. FEATURE_FLAGS)"),
    ("FOO", "'FOO': write KEY=VALUE"),
    ("DATABASE_URL=x", "DATABASE_URL is set by vend itself (the database, bucket, region, customer and "
                       "environment): pick another name"),
    ("VEND_X=1", "VEND_X is set by vend itself (the database, bucket, region, customer and environment): pick "
                 "another name"),
    ("FOO=a\nb", "the value of FOO contains a line break or NUL: the env file holds one line per variable "
                 "(encode it, e.g. base64)"),
])
def test_bad_assignments_are_refused_with_the_fix(text, message):
    with pytest.raises(BadVariable) as e:
        parse_assignment(text)
    assert str(e.value) == message


def test_a_value_may_hold_equals_signs_and_quotes():
    assert parse_assignment("DSN=a=b 'c'") == ("DSN", "a=b 'c'")
    assert check_key("_X1") == "_X1"
