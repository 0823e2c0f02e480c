"""pydantic's validation errors said as a person would: one line per problem, naming where it is.

Used for the office's TOML file (core.office) and the TIPLINE_ settings (bot.startup). Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from pydantic import ValidationError

#: The patterns of our own models, in words (a raw regular expression means nothing to an office).
PATTERNS = {
    r"^[a-z0-9_-]{1,24}$": "use 1 to 24 lower-case letters, digits, _ or -",
    r"^[a-z0-9_]{1,32}$": "use 1 to 32 lower-case letters, digits or _",
    r"^([01][0-9]|2[0-3]):[0-5][0-9]$": "use a time of day as HH:MM, such as 08:30",
    r"^([1-9][0-9]{4,11})?$": "use a QQ number: 5 to 12 digits, not starting with 0",
}


def _plural(n: object, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _expected(ctx: dict[str, Any]) -> str:
    return str(ctx.get("expected", "")).replace("'", "")


#: Error types that are one problem to a person (a number typed as text, or not a number at all) ->
#: the one sentence that says it.
_FIXED: dict[tuple[str, ...], str] = {
    ("missing",): "is required but missing",
    ("int_parsing", "int_type"): "must be a whole number, such as 5 (without quotes)",
    ("int_from_float",): "must be a whole number, without a decimal part",
    ("float_parsing", "float_type", "decimal_parsing", "decimal_type"): "must be a number, such as 2.5",
    ("bool_parsing", "bool_type"): "must be true or false",
    ("string_type",): 'must be text in quotes, such as "东平村"',
    ("list_type",): 'must be a list in square brackets, such as ["a", "b"]',
    ("dict_type", "model_type", "model_attributes_type"): "must be a table: [name] with keys under it",
}

#: Error type -> the sentence (from the error's context). What is not here falls back to pydantic's words.
_SENTENCES: dict[str, Callable[[dict[str, Any]], str]] = {
    **{kind: (lambda ctx, text=text: text) for kinds, text in _FIXED.items() for kind in kinds},
    "string_pattern_mismatch": lambda ctx: PATTERNS.get(ctx.get("pattern", ""), "does not have the expected form"),
    "greater_than_equal": lambda ctx: f"must be {ctx['ge']} or more",
    "greater_than": lambda ctx: f"must be more than {ctx['gt']}",
    "less_than_equal": lambda ctx: f"must be {ctx['le']} or less",
    "less_than": lambda ctx: f"must be less than {ctx['lt']}",
    "string_too_short": lambda ctx: (
        "must not be empty" if ctx["min_length"] == 1 else f"needs at least {_plural(ctx['min_length'], 'character')}"
    ),
    "string_too_long": lambda ctx: f"may have at most {_plural(ctx['max_length'], 'character')}",
    "too_short": lambda ctx: f"needs at least {_plural(ctx['min_length'], 'item')}",
    "too_long": lambda ctx: f"may have at most {_plural(ctx['max_length'], 'item')}",
    "literal_error": lambda ctx: f"must be {_expected(ctx)}",
    "enum": lambda ctx: f"must be {_expected(ctx)}",
    "value_error": lambda ctx: str(ctx.get("error", "is not valid")),
    "assertion_error": lambda ctx: str(ctx.get("error", "is not valid")),
}


def location(loc: Sequence[int | str]) -> str:
    """('departments', 2, 'code') -> 'departments[3].code': list items counted from 1, as a person counts
    the [[departments]] tables of the file."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part + 1}]"
        elif "[" in part or part.startswith("function-"):  # a schema's inner step, not a key of the file
            continue
        else:
            out += f".{part}" if out else part
    return out


def sentence(error: dict[str, Any]) -> str:
    """What is wrong, in words, without where."""
    make = _SENTENCES.get(error["type"])
    if make is not None:
        try:
            return make(error.get("ctx") or {})
        except KeyError:
            pass
    return str(error["msg"]).removeprefix("Value error, ")


def problems(exc: ValidationError, name: Callable[[str], str] = lambda where: where) -> list[str]:
    """One line per error: 'where: sentence', or for a key the model does not know, "where: unknown key
    'k' (check its spelling)". `name` turns a location into what the reader knows it by."""
    lines = []
    for error in exc.errors():
        loc = tuple(error["loc"])
        if error["type"] == "extra_forbidden" and loc:
            where, what = location(loc[:-1]), f"unknown key '{loc[-1]}' (check its spelling)"
        else:
            where, what = location(loc), sentence(error)
        where = name(where) if where else ""
        lines.append(f"{where}: {what}" if where else what)
    return lines
