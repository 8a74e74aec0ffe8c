"""Pydantic's validation errors, said in the words of a config file: what is wrong and how to fix it."""
from __future__ import annotations

import difflib

from pydantic import BaseModel, ValidationError

from vendor.config.patterns import DESCRIPTIONS

Finding = tuple[tuple, str, str]

_KINDS = {
    "int": "a whole number", "bool": "true or false", "str": "text", "list": "a list",
    "dict": "a mapping", "float": "a number", "NoneType": "nothing (null)",
}


def _kind(value: object) -> str:
    return _KINDS.get(type(value).__name__, type(value).__name__)


def _shown(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def findings(error: ValidationError, model: type[BaseModel]) -> list[Finding]:
    out = []
    for e in error.errors(include_url=False):
        loc = tuple(step for step in e["loc"] if step != "[key]")  # a dict key's own error
        out.append((loc, *_describe(e, loc, model)))
    return out


def _describe(e: dict, loc: tuple, model: type[BaseModel]) -> tuple[str, str]:
    kind, value, ctx = e["type"], e.get("input"), e.get("ctx") or {}
    if kind == "missing":
        return "required key is missing", f"add {loc[-1]}:"
    if kind == "extra_forbidden":
        allowed = _allowed_keys(model, loc[:-1])
        close = difflib.get_close_matches(str(loc[-1]), allowed, n=1)
        hint = f"did you mean '{close[0]}'?" if close else f"allowed keys: {', '.join(allowed)}"
        return f"unknown key '{loc[-1]}'", hint
    expected = {
        "int_type": "a whole number", "bool_type": "true or false", "string_type": "text",
        "list_type": "a list", "dict_type": "a mapping", "model_type": "a mapping",
        "float_type": "a number", "int_from_float": "a whole number",
    }.get(kind)
    if expected:
        return f"expected {expected}, got {_kind(value)} {_shown(value)}", f"write {expected} here"
    if kind == "literal_error":
        return f"{_shown(value)} is not one of {ctx['expected']}", "use one of the listed values"
    if kind in ("greater_than_equal", "greater_than"):
        bound = ctx.get("ge", ctx.get("gt"))
        return f"{value} is too small, the minimum is {bound}", f"use {bound} or more"
    if kind in ("less_than_equal", "less_than"):
        bound = ctx.get("le", ctx.get("lt"))
        return f"{value} is too large, the maximum is {bound}", f"use {bound} or less"
    if kind == "string_too_long":
        return f"{_shown(value)} is {len(value)} characters, at most {ctx['max_length']} are allowed", "shorten it"
    if kind == "string_too_short":
        return "empty value", "write a value or remove the key"
    if kind == "string_pattern_mismatch":
        what, example = DESCRIPTIONS.get(ctx["pattern"], ("a value matching " + ctx["pattern"], ""))
        return f"{_shown(value)} is not {what}", f"for example {example}" if example else "fix the value"
    return e["msg"], "fix the value"


def _allowed_keys(model: type[BaseModel], loc: tuple) -> list[str]:
    """The field names of the model at `loc` (following nested models, lists and dicts)."""
    current: object = model
    for step in loc:
        if isinstance(step, int) or not (isinstance(current, type) and issubclass(current, BaseModel)):
            continue
        field = current.model_fields.get(step)
        if field is None:
            return []
        current = _inner_model(field.annotation)
    if isinstance(current, type) and issubclass(current, BaseModel):
        return list(current.model_fields)
    return []


def _inner_model(annotation: object) -> object:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()):
        found = _inner_model(arg)
        if found is not None:
            return found
    return None
