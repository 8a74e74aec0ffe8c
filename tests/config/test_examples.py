"""Every example config under configs/ validates, and the published schema is current."""
from __future__ import annotations

import json

import pytest

from vendor.config.loader import load_config
from vendor.config.schema import json_schema, json_schema_text
from vendor.paths import REPO_ROOT

EXAMPLES = sorted((REPO_ROOT / "configs").glob("*.yaml"))


def test_there_are_examples_for_production_and_staging():
    names = {p.name for p in EXAMPLES}
    assert {"acme-production.yaml", "acme-staging.yaml"} <= names


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_example_is_valid(path):
    cf = load_config(path)
    assert f"{cf.config.customer}-{cf.config.environment}" == path.stem


def test_published_schema_is_current():
    published = REPO_ROOT / "configs" / "vend-config.schema.json"
    assert published.read_text() == json_schema_text(), "run: vend schema --out configs/vend-config.schema.json"


def test_schema_forbids_unknown_keys_and_lists_required_ones():
    schema = json_schema()
    assert schema["additionalProperties"] is False
    assert {"customer", "environment", "region", "app", "network", "image", "routing", "pipeline"} <= set(schema["required"])
    json.dumps(schema)


def test_readme_config_reference_is_current():
    from vendor.config.reference import END, START, markdown

    readme = (REPO_ROOT / "README.md").read_text()
    section = readme[readme.index(START): readme.index(END) + len(END)] + "\n"
    assert section == markdown(), "run: vend schema --markdown and paste it into README.md"
