"""The JSON Schema of the customer config, for editors (yaml-language-server) and the README."""
from __future__ import annotations

import json

from vendor.config.model import Config

SCHEMA_ID = "https://vend.invalid/vend-config.schema.json"


def json_schema() -> dict:
    schema = Config.model_json_schema(mode="validation")
    return {**schema, "$schema": "https://json-schema.org/draft/2020-12/schema", "$id": SCHEMA_ID,
            "title": "vend customer environment config"}


def json_schema_text() -> str:
    return json.dumps(json_schema(), indent=2, sort_keys=True) + "\n"
