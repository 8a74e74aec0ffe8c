"""YAML loading with line numbers and refusal of files that are not YAML text."""
from __future__ import annotations

import pytest

from vendor.config.source import SourceError, load_yaml, parse_yaml


def test_lines_are_recorded_for_keys_and_items():
    doc = parse_yaml("a: 1\nb:\n  c: [x, y]\n  d:\n    - 1\n    - 2\n", "f.yaml")
    assert doc.data == {"a": 1, "b": {"c": ["x", "y"], "d": [1, 2]}}
    assert doc.lines[("b", "c")] == 3
    assert doc.lines[("b", "d", 1)] == 6


def test_missing_path_reports_nearest_ancestor_line():
    doc = parse_yaml("a: 1\nb:\n  c: 2\n", "f.yaml")
    assert doc.problem(("b", "zz"), "missing", "add it").line == 2
    assert str(doc.problem(("b", "zz"), "missing", "add it")) == "f.yaml:2 b/zz: missing (add it)"


def test_duplicate_keys_are_refused():
    with pytest.raises(SourceError) as e:
        parse_yaml("a: 1\nb: 2\na: 3\n", "f.yaml")
    assert str(e.value) == "f.yaml:3 a: duplicate key 'a' (first on line 1) (keep only one of them)"


def test_several_documents_are_refused():
    with pytest.raises(SourceError) as e:
        parse_yaml("a: 1\n---\nb: 2\n", "f.yaml")
    assert str(e.value) == "f.yaml:2 (file): more than one YAML document (---) (keep one document per file)"


def test_missing_file(tmp_path):
    with pytest.raises(SourceError) as e:
        load_yaml(tmp_path / "nope.yaml")
    assert str(e.value) == f"{tmp_path / 'nope.yaml'} (file): file not found (check the path)"


def test_binary_file(tmp_path):
    """A binary file given as a config is refused with a clear error, never parsed."""
    path = tmp_path / "junk.yaml"
    path.write_bytes(b"\x7fELF\x00\x01\x02")
    with pytest.raises(SourceError) as e:
        load_yaml(path)
    assert str(e.value) == f"{path} (file): file is binary, not YAML (check the path)"


def test_huge_file(tmp_path):
    """A huge config file is refused by its size, naming the limit."""
    path = tmp_path / "huge.yaml"
    path.write_text("a: " + "x" * 2000)
    with pytest.raises(SourceError) as e:
        load_yaml(path, max_bytes=1000)
    assert str(e.value) == f"{path} (file): file is 2003 bytes, larger than the 1000 allowed (this is not a config file; check the path)"


def test_not_utf8(tmp_path):
    """A config that is not UTF-8 is refused, naming the byte offset."""
    path = tmp_path / "latin.yaml"
    path.write_bytes("a: caf\xe9\n".encode("latin-1"))
    with pytest.raises(SourceError) as e:
        load_yaml(path)
    assert str(e.value) == f"{path} (file): not UTF-8 text (byte 6) (save the file as UTF-8)"


def test_unhashable_key_is_refused():
    with pytest.raises(SourceError) as e:
        parse_yaml("? [a, b]\n: 1\n", "f.yaml")
    assert str(e.value) == "f.yaml:1 (top level): key ['a', 'b'] is not a plain name (use a text key)"
