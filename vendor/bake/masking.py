"""Secrets out of everything vend prints or logs: each secret value becomes `***`.

Masking is by value, so a secret is hidden wherever it shows up (Packer's console output, its
debug log, an error message, a command line), however it got there. Multi-line secrets (keys)
are also masked line by line, since output is masked one line at a time.
"""
from __future__ import annotations

import os
from collections.abc import Iterable, Mapping

MASK = "***"
MIN_LINE = 8  # lines of a multi-line secret shorter than this ("-----", "") are not secret
# credentials Packer may receive from the environment (the amazon-ebs builder uses them)
ENVIRONMENT_SECRETS = ("AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN")


class Masker:
    def __init__(self, secrets: Iterable[str] = ()):
        values: set[str] = set()
        for secret in secrets:
            if not secret:
                continue
            values.add(secret)
            if "\n" in secret:
                values.update(line.strip() for line in secret.splitlines() if len(line.strip()) >= MIN_LINE)
        # longest first, so a secret containing another is masked whole
        self._values = sorted(values, key=len, reverse=True)

    @classmethod
    def for_run(cls, secrets: Mapping[str, str], environ: Mapping[str, str] | None = None) -> "Masker":
        """The secret variables of a Packer run plus the credentials in its environment."""
        env = os.environ if environ is None else environ
        return cls([*secrets.values(), *(env.get(name, "") for name in ENVIRONMENT_SECRETS)])

    def __call__(self, text: str) -> str:
        for value in self._values:
            if value in text:
                text = text.replace(value, MASK)
        return text

    def __bool__(self) -> bool:
        return bool(self._values)
