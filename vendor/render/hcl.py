"""Writing HCL values and attribute blocks exactly as `packer fmt` would lay them out.

`packer fmt` aligns the `=` of consecutive single-line attributes; a multi-line value (an object)
stands alone. `attributes()` follows that rule so rendered files are fmt-clean by construction.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")  # other than \t \n \r, escaped by name


@dataclass(frozen=True)
class Raw:
    """An HCL expression written as is (a reference or a function call), not quoted."""

    text: str


def escape(value: str) -> str:
    """The inside of an HCL quoted string that means exactly `value`: quotes, backslashes and
    control characters escaped, and `${`/`%{` doubled so no interpolation or directive starts."""
    escaped = (value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
               .replace("\r", "\\r").replace("\t", "\\t").replace("${", "$${").replace("%{", "%%{"))
    return CONTROL.sub(lambda m: f"\\u{ord(m[0]):04x}", escaped)


def string(value: str) -> str:
    return f'"{escape(value)}"'


def root_file(rel: str) -> Raw:
    """`"${path.root}/REL"`: a file next to the template, REL escaped (it may hold a user's file name)."""
    return Raw(f'"${{path.root}}/{escape(rel)}"')


def comment(text: str) -> str:
    """`text` fit for one `#` comment line: characters that are not printable (a newline would end
    the comment and start HCL) are written as escapes."""
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text)


def template_string(value: str) -> str:
    """A quoted template whose `${...}` interpolations are kept: only for text vend itself writes
    (names checked by the config's patterns), never for free text from a user."""
    return f'"{value}"'


def expr(value: object, indent: int = 0) -> str:
    if isinstance(value, Raw):
        return value.text
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, str):
        return string(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(expr(v, indent) for v in value) + "]"
    if isinstance(value, dict):
        if not value:
            return "{}"
        inner = attributes(list(value.items()), indent + 2, keys_as_object=True)
        return "{\n" + inner + "\n" + " " * indent + "}"
    raise TypeError(f"no HCL form for {type(value).__name__}")


def key(name: str, *, object_key: bool) -> str:
    if IDENTIFIER.match(name):
        return name
    if object_key:
        return string(name)
    raise ValueError(f"'{name}' is not an HCL identifier")


def attributes(pairs: list[tuple[str, object]], indent: int, *, keys_as_object: bool = False) -> str:
    """Lines `key = value`, aligned in groups of consecutive single-line values."""
    rendered = [(key(k, object_key=keys_as_object), expr(v, indent)) for k, v in pairs]
    lines: list[str] = []
    group: list[tuple[str, str]] = []

    def flush() -> None:
        width = max((len(k) for k, _ in group), default=0)
        lines.extend(f"{' ' * indent}{k.ljust(width)} = {v}" for k, v in group)
        group.clear()

    for k, v in rendered:
        if "\n" in v:
            flush()
            lines.append(f"{' ' * indent}{k} = {v}")
        else:
            group.append((k, v))
    flush()
    return "\n".join(lines)
