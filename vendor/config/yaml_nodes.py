"""YAML node graph -> plain data, within bounds. Pure.

Configs, appspecs and buildspecs are untrusted text. PyYAML's own construction expands aliases
without limit (a 1.4 KB "billion laughs" file exhausts memory), recurses on self-referencing
anchors and deep nesting, converts integers of any length, and raises on `<<: 5` or unknown tags.
Here every value is built by one walk that counts what it builds and refuses, with the file's
line, anything past these bounds. Only plain YAML is read: text, numbers, true/false, null,
dates, lists, mappings and `<<` merges; any other tag (`!!python/...`, `!!binary`, `!!set`, `!foo`)
is refused.
"""
from __future__ import annotations

from typing import Any

import yaml

MAX_DEPTH = 64  # levels of nesting, written or reached through aliases
MAX_NODES = 50_000  # values built, counting each alias expansion again (real files have a few hundred)
MAX_NUMBER_CHARS = 100  # an int or float written with more characters is refused

_TAG = "tag:yaml.org,2002:"
SCALAR_TAGS = {_TAG + t for t in ("str", "int", "float", "bool", "null", "timestamp")}
STR_TAG, INT_TAG, FLOAT_TAG = _TAG + "str", _TAG + "int", _TAG + "float"
NUMBER_TAGS = {INT_TAG, FLOAT_TAG}
MAP_TAG, SEQ_TAG, MERGE_TAG, VALUE_TAG = _TAG + "map", _TAG + "seq", _TAG + "merge", _TAG + "value"

BOMB_HINT = ("aliases repeat the anchored value and nested aliases multiply it (a YAML bomb): "
             "write the values out or use fewer aliases")


class TooDeep(yaml.composer.ComposerError):
    """Raised while composing: the text nests deeper than MAX_DEPTH."""


class _DepthBound:
    """A composer (PyYAML's recurses once per level) that stops at MAX_DEPTH."""
    _depth = 0

    def compose_node(self, parent, index):
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise TooDeep(None, None, f"nested deeper than {MAX_DEPTH} levels", self.peek_event().start_mark)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


class BoundedLoader(_DepthBound, yaml.SafeLoader):
    """PyYAML's safe loader whose composer and scanner (flow collections) stop at MAX_DEPTH."""

    def fetch_flow_collection_start(self, TokenClass):
        # the scanner looks ahead over every open [ or { (each may start a key): stop here, early
        if self.flow_level >= MAX_DEPTH:
            raise TooDeep(None, None, f"nested deeper than {MAX_DEPTH} levels", self.get_mark())
        super().fetch_flow_collection_start(TokenClass)


if yaml.__with_libyaml__:
    class FastLoader(_DepthBound, yaml.composer.Composer, yaml._yaml.CParser, yaml.constructor.SafeConstructor,
                     yaml.resolver.Resolver):
        """BoundedLoader's composer on libyaml's scanner and parser (C; composing is ~8x faster)."""

        def __init__(self, stream):
            yaml._yaml.CParser.__init__(self, stream)
            yaml.composer.Composer.__init__(self)
            yaml.constructor.SafeConstructor.__init__(self)
            yaml.resolver.Resolver.__init__(self)
else:  # PyYAML built without libyaml
    FastLoader = None


def compose(text: str) -> tuple[yaml.SafeLoader, yaml.Node | None]:
    """(the loader, `text`'s root node) within MAX_DEPTH. libyaml reads it when it can; text it
    refuses is read again by BoundedLoader, so a problem is always raised (a yaml.YAMLError,
    TooDeep past MAX_DEPTH) in PyYAML's own words."""
    if FastLoader is not None:
        try:
            return _composed(FastLoader, text)
        except yaml.YAMLError:
            pass  # said below, as PyYAML says it
    return _composed(BoundedLoader, text)


def _composed(loader_class, text: str) -> tuple[yaml.SafeLoader, yaml.Node | None]:
    loader = loader_class(text)
    try:
        return loader, loader.get_single_node()
    finally:
        loader.dispose()


class Stop(Exception):
    """A bound was passed: the walk ends with this one problem, (line, path, message, hint)."""

    def __init__(self, line: int, path: tuple, message: str, hint: str):
        super().__init__(message)
        self.line, self.path, self.message, self.hint = line, path, message, hint


def short_tag(tag: str) -> str:
    return "!!" + tag[len(_TAG):] if tag.startswith(_TAG) else tag


class Walk:
    """Builds plain data from `loader`'s nodes. `lines` gets the line of every path; `report`
    is called with (line, path, message, hint) for a problem the walk can step over."""

    def __init__(self, loader: yaml.SafeLoader, lines: dict, report):
        self.loader, self.lines, self.report = loader, lines, report
        self.built = 0
        self.depth = 0  # how deep build() is: bounds Python's recursion whatever the path
        self.open: set[int] = set()  # ids of the collections being built: an alias to one is a cycle
        self.scalars: dict[int, Any] = {}  # id(node) -> its value (immutable), built once however often aliased

    def build(self, node: yaml.Node, path: tuple) -> Any:
        self.depth += 1
        try:
            return self._build(node, path)
        finally:
            self.depth -= 1

    def _build(self, node: yaml.Node, path: tuple) -> Any:
        line = node.start_mark.line + 1
        self.lines.setdefault(path, line)
        self.built += 1
        # past these bounds an alias is being expanded (its values carry the anchor's line):
        # name the top-level entry that expands, where the alias is used
        if self.built > MAX_NODES:
            raise Stop(self.lines.get(path[:1], line), path[:1],
                       f"more than {MAX_NODES} values, counting each alias expansion", BOMB_HINT)
        if self.depth > MAX_DEPTH:  # levels of the path, and of merges (a merge keeps the path)
            raise Stop(self.lines.get(path[:1], line), path[:1], f"nested deeper than {MAX_DEPTH} levels "
                       "through aliases or merges", "flatten the structure or use fewer aliases")
        if isinstance(node, yaml.ScalarNode):
            if id(node) not in self.scalars:
                self.scalars[id(node)] = self.scalar(node, path)
            return self.scalars[id(node)]
        if id(node) in self.open:
            raise Stop(line, path, "an alias refers to a value that contains it (a recursive anchor)",
                       "an alias may only name a value outside itself")
        expected = MAP_TAG if isinstance(node, yaml.MappingNode) else SEQ_TAG
        if node.tag != expected:
            return self.refuse_tag(node, path)
        self.open.add(id(node))
        try:
            if isinstance(node, yaml.MappingNode):
                return self.mapping(node, path)
            return [self.build(child, path + (i,)) for i, child in enumerate(node.value)]
        finally:
            self.open.discard(id(node))

    def scalar(self, node: yaml.ScalarNode, path: tuple) -> Any:
        tag = STR_TAG if node.tag == VALUE_TAG else node.tag
        if tag not in SCALAR_TAGS:
            return self.refuse_tag(node, path)
        line = node.start_mark.line + 1
        if tag in NUMBER_TAGS and len(node.value) > MAX_NUMBER_CHARS:
            self.report(line, path, f"a number of {len(node.value)} characters is too long "
                        f"(at most {MAX_NUMBER_CHARS})", "quote it if it is text")
            return None
        implied = self.loader.resolve(yaml.ScalarNode, node.value, (True, False))
        if tag != STR_TAG and implied != tag and not (tag == FLOAT_TAG and implied == INT_TAG):
            # an explicit tag on a value that is not of its kind (`!!bool 1:2:3`): PyYAML would fail oddly
            self.report(line, path, f"'{_shorten(node.value)}' is not a valid {short_tag(tag)}",
                        "remove the tag, or write a value of that kind")
            return None
        try:
            return self.loader.construct_object(yaml.ScalarNode(tag, node.value, node.start_mark, node.end_mark,
                                                                node.style))
        except (yaml.YAMLError, ArithmeticError, LookupError, TypeError, ValueError) as e:
            self.report(line, path, f"cannot read value: {getattr(e, 'problem', None) or e}", "quote the value")
            return None

    def refuse_tag(self, node: yaml.Node, path: tuple) -> None:
        self.report(node.start_mark.line + 1, path, f"the tag {short_tag(node.tag)} is not allowed "
                    "(only plain YAML: text, numbers, true/false, lists and mappings)", "remove the tag")
        return None

    def mapping(self, node: yaml.MappingNode, path: tuple) -> dict:
        out: dict = {}
        merges = []
        for key_node, value_node in node.value:
            if key_node.tag == MERGE_TAG:
                merges.append((key_node, value_node))
                continue
            key = self.key(key_node, path)
            if key is None:
                continue
            key_line = key_node.start_mark.line + 1
            if key in out:
                self.report(key_line, path + (key,), f"duplicate key '{key}' (first on line "
                            f"{self.lines[path + (key,)]})", "keep only one of them")
                continue
            self.lines.setdefault(path + (key,), key_line)
            out[key] = self.build(value_node, path + (key,))
        for key_node, value_node in merges:  # explicit keys win over merged ones, earlier merges over later
            for merged in self.merged(key_node, value_node, path):
                for key, value in merged.items():
                    out.setdefault(key, value)
        return out

    def key(self, key_node: yaml.Node, path: tuple) -> str | None:
        line = key_node.start_mark.line + 1
        # a list or mapping as a key is built (within the bounds) only to be shown in the error
        key = self.build(key_node, path if isinstance(key_node, yaml.ScalarNode) else path + ("(key)",))
        if not isinstance(key, (str, int)) or isinstance(key, bool):
            if key is not None or key_node.tag in SCALAR_TAGS:
                shown = repr(key)
                shown = shown if len(shown) <= 60 else shown[:57] + "..."
                self.report(line, path, f"key {shown} is not a plain name", "use a text key")
            return None
        return str(key)

    def merged(self, key_node: yaml.Node, value_node: yaml.Node, path: tuple) -> list[dict]:
        sources = value_node.value if isinstance(value_node, yaml.SequenceNode) else [value_node]
        if not sources or not all(isinstance(s, yaml.MappingNode) for s in sources):
            self.report(key_node.start_mark.line + 1, path, "<< merges a mapping or a list of mappings, "
                        f"not {_describe(value_node)}", "write <<: *anchor where &anchor names a mapping")
            return []
        if any(id(s) in self.open for s in sources):
            raise Stop(key_node.start_mark.line + 1, path, "<< merges a mapping that contains it (a recursive anchor)",
                       "merge only mappings defined outside this one")
        return [m for m in (self.build(s, path) for s in sources) if isinstance(m, dict)]


def _shorten(text: str) -> str:
    return text if len(text) <= 40 else text[:37] + "..."


def _describe(node: yaml.Node) -> str:
    if isinstance(node, yaml.ScalarNode):
        return f"'{_shorten(node.value)}'"
    return "a list of other values" if isinstance(node, yaml.SequenceNode) else "this value"
