"""Config vars of one environment in SSM Parameter Store, under `/vend/<customer>/<environment>/config/`.

Plain values are `String` parameters, secrets `SecureString` (the account's `aws/ssm` key). The
instance role reads its own prefix already; this is the consultant's side.
"""
from __future__ import annotations

from dataclasses import dataclass

from botocore.exceptions import ClientError

from vendor.aws.base import tag_list

SECURE, PLAIN = "SecureString", "String"


@dataclass(frozen=True)
class ConfigVar:
    key: str
    secret: bool
    version: int
    modified: str  # ISO time
    value: str | None = None  # only when read with decryption


class ConfigVars:
    def __init__(self, ssm, parameters_prefix: str, tags: dict[str, str] | None = None):
        self.ssm, self.prefix, self.tags = ssm, parameters_prefix + "config/", tags or {}

    def name(self, key: str) -> str:
        return self.prefix + key

    def list(self, *, values: bool = False) -> list[ConfigVar]:
        found, token = [], None
        while True:
            args = {"Path": self.prefix, "Recursive": False, "WithDecryption": values, "MaxResults": 10}
            if token:
                args["NextToken"] = token
            page = self.ssm.get_parameters_by_path(**args)
            found += [self._var(p, values) for p in page["Parameters"]]
            token = page.get("NextToken")
            if not token:
                return sorted(found, key=lambda v: v.key)

    def get(self, key: str, *, reveal: bool = False) -> ConfigVar | None:
        try:
            p = self.ssm.get_parameter(Name=self.name(key), WithDecryption=reveal)["Parameter"]
        except ClientError as error:
            if error.response["Error"]["Code"] == "ParameterNotFound":
                return None
            raise
        return self._var(p, reveal)

    def set(self, key: str, value: str, *, secret: bool) -> int:
        """The parameter's new version. A key changes type (plain <-> secret) in place."""
        args = {"Name": self.name(key), "Value": value, "Type": SECURE if secret else PLAIN, "Tier": "Standard"}
        existing = self.get(key)
        if existing is None:
            return self.ssm.put_parameter(**args, Tags=tag_list(self.tags))["Version"]
        return self.ssm.put_parameter(**args, Overwrite=True)["Version"]

    def unset(self, key: str) -> bool:
        try:
            self.ssm.delete_parameter(Name=self.name(key))
        except ClientError as error:
            if error.response["Error"]["Code"] == "ParameterNotFound":
                return False
            raise
        return True

    def _var(self, p: dict, with_value: bool) -> ConfigVar:
        modified = p.get("LastModifiedDate")
        return ConfigVar(p["Name"].removeprefix(self.prefix), p["Type"] == SECURE, p.get("Version", 0),
                         modified.strftime("%Y-%m-%dT%H:%M:%SZ") if modified else "-",
                         p.get("Value") if with_value else None)
