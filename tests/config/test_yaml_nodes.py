"""The two loaders behind `yaml_nodes.compose`: libyaml's (fast) and PyYAML's (the words of the
errors) compose the same nodes, and text either refuses is refused in PyYAML's words."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from vendor.config import yaml_nodes
from vendor.config.source import SourceError, parse_yaml

ROOT = Path(__file__).resolve().parents[2]
FILES = sorted([*ROOT.glob("configs/**/*.yaml"), *ROOT.glob("appspec_templates/**/*.yml"),
                *ROOT.glob("tests/**/buildspec*.yml"), *ROOT.glob("tests/config/*.yaml")])


def tree(node):
    """A node graph as plain tuples: tag, value, line and style of every node."""
    if isinstance(node, yaml.ScalarNode):
        return node.tag, node.value, node.start_mark.line, node.style or None  # plain: libyaml says "", PyYAML None
    if isinstance(node, yaml.MappingNode):
        return node.tag, node.start_mark.line, [(tree(k), tree(v)) for k, v in node.value]
    return node.tag, node.start_mark.line, [tree(item) for item in node.value]


def composed(loader_class, text: str):
    return tree(yaml_nodes._composed(loader_class, text)[1])


@pytest.mark.skipif(yaml_nodes.FastLoader is None, reason="PyYAML built without libyaml")
@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_libyaml_composes_what_pyyaml_does(path):
    text = path.read_text()
    assert composed(yaml_nodes.FastLoader, text) == composed(yaml_nodes.BoundedLoader, text)


def test_the_repository_has_files_to_compare():
    assert len(FILES) >= 10


@pytest.mark.parametrize("text, problem", [
    ("a: 1\n\tb: 2\n", "a tab indents this line"),
    ("a: [1, 2\n", "YAML syntax error: expected ',' or ']', but got '<stream end>'"),
    ("deep: " + "[" * 100_000 + "]" * 100_000 + "\n", "nested deeper than 64 levels"),
])
def test_refused_text_is_reported_in_pyyamls_words(text, problem):
    with pytest.raises(SourceError) as raised:
        parse_yaml(text, "c.yaml")
    assert problem in str(raised.value)
