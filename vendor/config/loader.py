"""Load a customer config: YAML with line numbers -> typed model -> defaults -> checks.

Every problem of a file is collected and raised together as one SourceError.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from vendor.config import checks, image_sources, packer_text, schema_errors
from vendor.config.defaults import resolve
from vendor.config.model import Config
from vendor.config.source import Document, SourceError, load_yaml


@dataclass(frozen=True)
class ConfigFile:
    path: Path
    config: Config

    @property
    def base_dir(self) -> Path:
        """Relative paths in the config (scripts, files, keys) are relative to this."""
        return self.path.parent


def load_config(path: str | Path) -> ConfigFile:
    doc = load_yaml(path)
    if not isinstance(doc.data, dict):
        raise SourceError([doc.problem((), "the file must be a mapping of config keys",
                                       "start with customer:, environment:, region: ...")])
    try:
        config = Config.model_validate(doc.data)
    except ValidationError as e:
        raise SourceError(_located(doc, schema_errors.findings(e, Config)))
    config = resolve(config)
    findings = checks.check(config) + packer_text.check(config) + image_sources.check(config, Path(path).parent)
    if findings:
        raise SourceError(_located(doc, findings))
    return ConfigFile(Path(path), config)


def load_configs(paths: list[str | Path]) -> list[ConfigFile]:
    """Load several configs, reporting the problems of all of them together."""
    loaded, problems = [], []
    for path in paths:
        try:
            loaded.append(load_config(path))
        except SourceError as e:
            problems.extend(e.problems)
    if problems:
        raise SourceError(problems)
    return loaded


def _located(doc: Document, findings: list[checks.Finding]):
    problems = [doc.problem(path, message, hint) for path, message, hint in findings]
    return sorted(problems, key=lambda p: (p.line or 0, p.path))

