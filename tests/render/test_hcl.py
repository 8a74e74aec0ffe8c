"""HCL values are escaped and laid out exactly as `packer fmt` wants."""
from __future__ import annotations

from vendor.render.hcl import Raw, attributes, comment, expr, root_file, string


def test_strings_escape_quotes_backslashes_newlines_and_interpolation():
    assert string('a "b" \\ c\nd ${x} %{y}') == '"a \\"b\\" \\\\ c\\nd $${x} %%{y}"'


def test_control_characters_are_escaped_by_code():
    assert string("a\x01b\x7f") == '"a\\u0001b\\u007f"'


def test_a_file_next_to_the_template_keeps_path_root_and_escapes_the_name():
    assert root_file('scripts/00-a"b${c}%{d}') == Raw('"${path.root}/scripts/00-a\\"b$${c}%%{d}"')


def test_a_comment_stays_on_its_line():
    assert comment("c\nlocals {}\r\u2028.yaml") == "c\\nlocals {}\\r\\u2028.yaml"


def test_values():
    assert expr(True) == "true"
    assert expr(20) == "20"
    assert expr(["a", Raw("var.b")]) == '["a", var.b]'
    assert expr({}) == "{}"


def test_single_line_attributes_align_and_multi_line_ones_stand_alone():
    text = attributes([("a", 1), ("long_name", 2), ("obj", {"k": "v", "key-2": "w"}), ("z", 3)], 2)
    assert text == (
        "  a         = 1\n"
        "  long_name = 2\n"
        "  obj = {\n"
        '    k     = "v"\n'
        '    key-2 = "w"\n'
        "  }\n"
        "  z = 3"
    )


def test_object_keys_that_are_not_identifiers_are_quoted():
    assert attributes([("m", {"cost:center": "1"})], 0) == 'm = {\n  "cost:center" = "1"\n}'
