"""Input rules every request shares, each published in the OpenAPI schema exactly as enforced:
text without control characters, a bound on a body's keys and nesting, fields that may be
omitted but not null; and (from `inputs_values`) booleans, UUIDs, decimals, currencies, dates.

The markers here sit last in an `Annotated` type, after the constraints
(`Annotated[str, StringConstraints(max_length=255), SINGLE_LINE]`): a constraint placed after a
validator is no longer pushed into the schema (pydantic then leaks it under its Python name).
Where a rule is enforced by a validator (for its readable message), the schema carries the
equivalent `pattern`; tests/api/inputs prove the two agree.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import (
    BaseModel,
    Field,
    GetCoreSchemaHandler,
    GetJsonSchemaHandler,
    StringConstraints,
    model_validator,
)
from pydantic import ValidationError as PydanticValidationError
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, InitErrorDetails, PydanticCustomError, core_schema

from ledgerlink.inputs_values import (
    CURRENCY_CODES,
    EARLIEST,
    LATEST,
    CurrencyCode,
    LedgerDate,
    Matches,
    QueryBool,
    SchemaExtra,
    SchemaPattern,
    Uuid,
    canonical_id,
    decimal,
)

__all__ = [
    "CURRENCY_CODES", "EARLIEST", "LATEST", "MAX_DEPTH", "MAX_KEYS", "MAX_NODES", "MULTI_LINE",
    "NOT_NULL", "SINGLE_LINE", "BoundedBody", "CurrencyCode", "LedgerDate", "Matches",
    "QueryBool", "SchemaExtra", "SchemaPattern", "TextRule", "Uuid", "canonical_id",
    "check_json", "check_shape", "check_text", "control_problem", "decimal", "omittable",
    "shape_problem", "text", "text_pattern", "text_problem",
]

# ---- text ------------------------------------------------------------------------------------
# Refused anywhere: C0 and C1 controls and DEL (NUL cannot even be stored by PostgreSQL; BEL, ESC
# and friends corrupt terminals and logs), lone surrogates (not encodable as UTF-8), the Unicode
# line and paragraph separators, and the bidirectional embeddings, overrides and isolates
# (U+202A-U+202E, U+2066-U+2069) that make text display other than it reads ("Trojan Source").
_CONTROLS = [(0x00, 0x08), (0x0B, 0x0C), (0x0E, 0x1F), (0x7F, 0x9F), (0x2028, 0x2029),
             (0x202A, 0x202E), (0x2066, 0x2069)]
_BREAKS = [(0x09, 0x0A), (0x0D, 0x0D)]  # tab, line feed, carriage return: multi-line text only
_SURROGATES = "\ud800-\udfff"


def _chars(ranges: Iterable[tuple[int, int]]) -> set[int]:
    return {code for low, high in ranges for code in range(low, high + 1)}


def _regex_class(codes: set[int]) -> str:
    """A character class's members as `\\u` escape ranges (ECMA-262, Rust, Python alike)."""
    parts, ordered = [], sorted(codes)
    start = previous = ordered[0]
    for code in [*ordered[1:], -1]:
        if code != previous + 1:
            parts.append(f"\\u{start:04X}" + (f"-\\u{previous:04X}" if previous > start else ""))
            start = code
        previous = code
    return "".join(parts)


_FORBIDDEN = {False: _chars(_CONTROLS + _BREAKS), True: _chars(_CONTROLS)}  # by multiline
# What str.strip() removes (str.isspace: all below U+3001), less what is refused anyway.
_SPACES = {code for code in range(0x3001) if chr(code).isspace()}
_MULTI_LINE = re.compile("[" + _regex_class(_FORBIDDEN[True]) + _SURROGATES + "]")
_SINGLE_LINE = re.compile("[" + _regex_class(_FORBIDDEN[False]) + _SURROGATES + "]")


def text_pattern(*, multiline: bool = False, nonblank: bool = False) -> str:
    """The JSON-schema `pattern` of text with these rules.

    Lone surrogates are left out: no UTF-8 text holds one, and in an ECMA-262 pattern without
    the `u` flag they would also refuse every character outside the Basic Multilingual Plane.
    `nonblank` needs one character that is not white space (leading spaces, then that one:
    deterministic, so no engine backtracks).
    """
    forbidden = _FORBIDDEN[multiline]
    allowed = f"[^{_regex_class(forbidden)}]"
    if not nonblank:
        return f"^{allowed}*$"
    spaces = _SPACES - forbidden
    return f"^[{_regex_class(spaces)}]*[^{_regex_class(forbidden | spaces)}]{allowed}*$"


def control_problem(text: str, *, multiline: bool = False) -> str | None:
    """Why `text` is refused (the first forbidden character and where it is), or None."""
    found = (_MULTI_LINE if multiline else _SINGLE_LINE).search(text)
    if found is None:
        return None
    char = found.group()
    name = unicodedata.name(char, "") if not 0xD800 <= ord(char) <= 0xDFFF else ""
    label = f"U+{ord(char):04X}" + (f" ({name})" if name else "")
    kind = "control or bidirectional-override characters" + ("" if multiline else
                                                             " or line breaks")
    return f"must not contain {kind}: found {label} at character {found.start() + 1}"


@dataclass(frozen=True)
class TextRule:
    """Refuses control characters (and line breaks unless `multiline`) and, when `nonblank`,
    text of white space only; then strips surrounding white space if `strip`. The schema gets
    the same rule as a `pattern`. Length constraints placed before it apply to the raw text."""

    multiline: bool = False
    nonblank: bool = False
    strip: bool = False

    def __get_pydantic_core_schema__(self, source: Any,
                                     handler: GetCoreSchemaHandler) -> CoreSchema:
        return core_schema.no_info_after_validator_function(self.check, handler(source))

    def __get_pydantic_json_schema__(self, schema: CoreSchema,
                                     handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        pattern = text_pattern(multiline=self.multiline, nonblank=self.nonblank)
        return SchemaPattern(pattern).__get_pydantic_json_schema__(schema, handler)

    def check(self, value: Any) -> Any:
        """The value, stripped if asked; a pydantic error naming the first problem."""
        if not isinstance(value, str):
            return value
        problem = control_problem(value, multiline=self.multiline)
        if problem is not None:
            raise PydanticCustomError("control_character", "{problem}", {"problem": problem})
        stripped = value.strip()
        if self.nonblank and not stripped:
            raise PydanticCustomError("string_blank", "must not be empty or only white space")
        return stripped if self.strip else value


SINGLE_LINE = TextRule()
"""Names, references, codes: no control characters, no line breaks."""
MULTI_LINE = TextRule(multiline=True)
"""Descriptions, email bodies: tab and line breaks allowed, other control characters not."""


def text(max_length: int, *, min_length: int = 0, multiline: bool = False,
         strip: bool = True) -> tuple[Any, ...]:
    """The rules of a text type, for `Annotated[str, *text(255, min_length=1)]`: lengths count
    the text as sent; `min_length` >= 1 also refuses white space alone; surrounding white space
    is then stripped (unless `strip` is false)."""
    return (StringConstraints(min_length=min_length or None, max_length=max_length),
            TextRule(multiline=multiline, nonblank=min_length > 0, strip=strip))


def _no_default(schema: dict[str, Any]) -> None:
    schema.pop("default", None)


def omittable(**kwargs: Any) -> Any:
    """A field that may be left out but not sent as null (PATCH bodies): declare it with its
    plain type. default=None is never validated, while an explicit null fails the type; the
    schema shows neither `null` nor that default."""
    return Field(default=None, json_schema_extra=_no_default, **kwargs)


class NotNull:
    """Publishes an optional query parameter (`X | None`) as `X`: a query string cannot say
    null, only leave the parameter out. (A published `null` branch also misleads schemathesis:
    it "mutates" null into an array of one string, which is sent as that same string.)"""

    @staticmethod
    def __get_pydantic_json_schema__(schema: CoreSchema,
                                     handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        json_schema = handler(schema)
        members = [m for m in json_schema.get("anyOf", []) if m.get("type") != "null"]
        if "anyOf" not in json_schema or len(members) != 1:
            return json_schema
        rest = {key: value for key, value in json_schema.items() if key != "anyOf"}
        return {**members[0], **rest}


NOT_NULL = NotNull()


# ---- shape and text of free-form JSON --------------------------------------------------------
MAX_KEYS = 100  # members of one object in a request body
MAX_DEPTH = 16  # objects and arrays nested inside one another
MAX_NODES = 10_000  # values in one request body
Path = tuple[str, ...]


def shape_problem(value: Any, *, max_keys: int = MAX_KEYS, max_depth: int = MAX_DEPTH,
                  max_nodes: int = MAX_NODES) -> tuple[Path, str] | None:
    """(path, why) when a JSON value has too many keys, values or levels, else None."""
    for count, (path, node) in enumerate(_walk(value), start=1):
        if count > max_nodes:
            return (), f"holds more than {max_nodes} values"
        if len(path) > max_depth:
            return path[:max_depth], f"is nested more than {max_depth} levels deep"
        if isinstance(node, Mapping) and len(node) > max_keys:
            return path, f"has {len(node)} keys; at most {max_keys} are accepted"
        if isinstance(node, list | tuple) and len(node) > max_nodes:
            return path, f"has {len(node)} items; at most {max_nodes} are accepted"
    return None


def text_problem(value: Any) -> tuple[Path, str] | None:
    """(path, why) for the first string or key holding a control character (tab and line
    breaks allowed: one-line fields refuse those through their types), else None."""
    for path, node in _walk(value):
        if isinstance(node, str):
            problem = control_problem(node, multiline=True)
            if problem is not None:
                return path, problem
        elif isinstance(node, Mapping):
            for key in node:
                problem = control_problem(str(key))
                if problem is not None:
                    return (*path, str(key)), f"a name {problem}"
    return None


def _walk(value: Any) -> Iterator[tuple[Path, Any]]:
    """Every value with its path, in document order, without recursion (no stack to exhaust)."""
    stack: list[tuple[Path, Any]] = [((), value)]
    while stack:
        path, node = stack.pop()
        yield path, node
        if isinstance(node, Mapping):
            items = [((*path, str(k)), v) for k, v in node.items()]
        elif isinstance(node, list | tuple):
            items = [((*path, str(i)), v) for i, v in enumerate(node)]
        else:
            continue
        stack.extend(reversed(items))


def _refusal(found: tuple[Path, str], kind: str) -> PydanticValidationError:
    # A ValidationError raised inside a validator keeps its own location, so the 422 names the
    # offending member (params.line_items.0.description) rather than the whole body.
    path, problem = found
    return PydanticValidationError.from_exception_data("request", [InitErrorDetails(
        type=PydanticCustomError(kind, "{problem}", {"problem": problem}), loc=path,
        input=None)])


def check_shape(cls: type, data: Any) -> Any:
    """A `model_validator(mode="before")`: refuse a body with too many keys, values or levels
    before validation, so 100,000 unknown keys cost one error instead of 100,000."""
    found = shape_problem(data)
    if found is not None:
        raise _refusal(found, "too_complex")
    return data


def check_json(cls: type, data: Any) -> Any:
    """`check_shape`, then `check_text` (one validator: pydantic runs "before" validators last
    defined first, and the text walk must not start on a body the shape check refuses)."""
    return check_text(cls, check_shape(cls, data))


def check_text(cls: type, data: Any) -> Any:
    """A `model_validator(mode="before")`: refuse control characters in every string of a body,
    however deeply nested (line items, email fields), naming where."""
    found = text_problem(data)
    if found is not None:
        raise _refusal(found, "control_character")
    return data


class BoundedBody(BaseModel):
    """Base of request bodies: too many keys, values or levels are refused before validation."""

    _shape = model_validator(mode="before")(check_shape)
