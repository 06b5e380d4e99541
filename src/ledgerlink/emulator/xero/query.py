"""Xero `where` filters and `order` clauses, compiled into closures over in-memory records."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import Any, NamedTuple, Protocol, TypeVar

from ledgerlink.emulator.xero.query_values import (
    CASE_MAPS,
    KEYWORD_VALUES,
    STRING_TESTS,
    GuidLiteral,
    as_text,
    compare,
    get_path,
    lookup,
    normalise,
    parse_iso,
)

__all__ = [
    "Predicate",
    "WhereSyntaxError",
    "compile_where",
    "get_path",
    "parse_order",
    "sort_records",
]

_Getter = Callable[[Mapping[str, Any]], Any]
_Pred = Callable[[Mapping[str, Any]], bool]
_R = TypeVar("_R", bound=Mapping[str, Any])

# Parentheses and `!` recurse in the parser; cap nesting so hostile input cannot blow the stack.
_MAX_DEPTH = 64


class WhereSyntaxError(ValueError):
    """A malformed `where` or `order` parameter; `position` is a 0-based character offset."""

    def __init__(self, message: str, position: int, expression: str) -> None:
        super().__init__(f"{message} at position {position} in {expression!r}")
        self.position = position
        self.expression = expression


class Predicate(Protocol):
    """What `compile_where` returns: a test applied to one stored record."""

    def __call__(self, record: Mapping[str, Any]) -> bool: ...



_TOKEN_RE = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<str>"(?:[^"\\]|\\.)*")
  | (?P<dt>\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?(?![\w.]))
  | (?P<num>-?\d+(?:\.\d+)?(?![\w.]))
  | (?P<op>==|!=|>=|<=|=|>|<)
  | (?P<and>&&)
  | (?P<or>\|\|)
  | (?P<not>!)
  | (?P<lp>\()
  | (?P<rp>\))
  | (?P<comma>,)
  | (?P<dot>\.)
  | (?P<ident>[A-Za-z_]\w*)
    """,
    re.VERBOSE,
)


class _Token(NamedTuple):
    kind: str
    text: str
    pos: int


def _tokenise(source: str) -> list[_Token]:
    tokens: list[_Token] = []
    pos = 0
    while pos < len(source):
        match = _TOKEN_RE.match(source, pos)
        if match is None:
            what = "unterminated string" if source[pos] == '"' else f"unexpected {source[pos]!r}"
            raise WhereSyntaxError(what, pos, source)
        kind, text = match.lastgroup or "", match.group()
        if kind == "ident":
            kind = text.casefold() if text.casefold() in ("and", "or", "not") else kind
        if kind != "ws":
            tokens.append(_Token(kind, text, pos))
        pos = match.end()
    tokens.append(_Token("eof", "", len(source)))
    return tokens


def _unquote(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text[1:-1], flags=re.DOTALL)


class _Parser:
    """Recursive descent; AND binds tighter than OR, and `!`/NOT tighter than both."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.tokens = _tokenise(source)
        self.index = 0
        self.depth = 0

    def error(self, message: str, token: _Token | None = None) -> WhereSyntaxError:
        return WhereSyntaxError(message, (token or self.peek()).pos, self.source)

    def peek(self, ahead: int = 0) -> _Token:
        return self.tokens[min(self.index + ahead, len(self.tokens) - 1)]

    def advance(self) -> _Token:
        token = self.peek()
        self.index = min(self.index + 1, len(self.tokens) - 1)
        return token

    def expect(self, kind: str, what: str) -> _Token:
        if self.peek().kind != kind:
            raise self.error(f"expected {what} but found {_describe(self.peek())}")
        return self.advance()

    def parse(self) -> _Pred:
        predicate = self.disjunction()
        if self.peek().kind != "eof":
            raise self.error(f"unexpected {_describe(self.peek())}")
        return predicate

    def nested(self, parse: Callable[[], _Pred]) -> _Pred:
        self.depth += 1
        if self.depth > _MAX_DEPTH:
            raise self.error("expression nested too deeply")
        try:
            return parse()
        finally:
            self.depth -= 1

    def disjunction(self) -> _Pred:
        # Flat lists, not binary trees, so long AND/OR chains do not recurse deeply at runtime.
        parts = [self.conjunction()]
        while self.peek().kind == "or":
            self.advance()
            parts.append(self.conjunction())
        return parts[0] if len(parts) == 1 else lambda r: any(p(r) for p in parts)

    def conjunction(self) -> _Pred:
        parts = [self.unary()]
        while self.peek().kind == "and":
            self.advance()
            parts.append(self.unary())
        return parts[0] if len(parts) == 1 else lambda r: all(p(r) for p in parts)

    def unary(self) -> _Pred:
        if self.peek().kind == "not":
            self.advance()
            inner = self.nested(self.unary)
            return lambda r: not inner(r)
        if self.peek().kind == "lp":
            self.advance()
            inner = self.nested(self.disjunction)
            self.expect("rp", "')'")
            return inner
        return self.comparison()

    def comparison(self) -> _Pred:
        left = self.operand()
        if self.peek().kind != "op":
            # A bare operand is a boolean test: `IsSold`, `Name.Contains("x")`.
            return lambda r: left(r) is True
        op = self.advance().text
        op = "==" if op == "=" else op
        right = self.operand()
        return lambda r: compare(left(r), right(r), op)

    def operand(self) -> _Getter:
        token = self.peek()
        if token.kind in ("str", "num", "dt"):
            return _constant(self.literal(self.advance()))
        if token.kind != "ident":
            raise self.error(f"expected a field name or value but found {_describe(token)}")
        word, after = token.text.casefold(), self.peek(1)
        if word in KEYWORD_VALUES:
            self.advance()
            return _constant(KEYWORD_VALUES[word])
        if word == "guid" and after.kind == "lp":
            return _constant(self.guid_literal())
        if word in ("datetime", "datetimeoffset") and after.kind == "lp":
            return _constant(self.datetime_literal())
        is_parse = self.peek(2).kind == "ident" and self.peek(2).text.casefold() == "parse"
        if word in ("datetime", "datetimeoffset") and after.kind == "dot" and is_parse:
            self.advance()
            self.advance()
            return _constant(self.datetime_literal())
        return self.field()

    def literal(self, token: _Token) -> Any:
        if token.kind == "str":
            return _unquote(token.text)
        if token.kind == "num":
            return Decimal(token.text)
        parsed = parse_iso(token.text)  # bare ISO timestamps, as pyxero writes for *DateUTC
        if parsed is None:
            raise self.error(f"invalid date {token.text!r}", token)
        return parsed

    def arguments(self) -> list[tuple[_Token, Any]]:
        self.expect("lp", "'('")
        args: list[tuple[_Token, Any]] = []
        while self.peek().kind != "rp":
            if args:
                self.expect("comma", "',' or ')'")
            token = self.advance()
            if token.kind not in ("str", "num"):
                raise self.error(f"expected a string or number but found {_describe(token)}", token)
            args.append((token, self.literal(token)))
        self.advance()
        return args

    def guid_literal(self) -> GuidLiteral:
        start = self.advance()
        args = self.arguments()
        if len(args) != 1 or not isinstance(args[0][1], str):
            raise self.error("Guid() takes one quoted string", start)
        try:
            return GuidLiteral(uuid.UUID(args[0][1]))
        except ValueError:
            raise self.error(f"invalid GUID {args[0][1]!r}", args[0][0]) from None

    def datetime_literal(self) -> dt.datetime:
        start = self.advance()
        args = self.arguments()
        if len(args) == 1 and isinstance(args[0][1], str):
            parsed = parse_iso(args[0][1])
            if parsed is None:
                raise self.error(f"invalid date {args[0][1]!r}", args[0][0])
            return parsed
        values = [value for _, value in args]
        if not 3 <= len(values) <= 6 or not all(
            isinstance(v, Decimal) and v == v.to_integral_value() for v in values
        ):
            raise self.error("DateTime() takes 3 to 6 whole numbers", start)
        year, month, day, hour, minute, second = [int(v) for v in values] + [0] * (6 - len(values))
        try:
            return dt.datetime(year, month, day, hour, minute, second, tzinfo=dt.UTC)
        except ValueError as exc:
            raise self.error(f"invalid date ({exc})", start) from None

    def field(self) -> _Getter:
        segments = [self.advance().text]
        while self.peek().kind == "dot":
            self.advance()
            name = self.expect("ident", "a field or method name")
            if self.peek().kind == "lp":
                break
            segments.append(name.text)
        else:
            path = tuple(segments)
            return lambda r: lookup(r, path)
        path = tuple(segments)
        getter: _Getter = self.method(lambda r: lookup(r, path), name)
        # Once a method has been called, everything after it must be another method call.
        while self.peek().kind == "dot":
            self.advance()
            name = self.expect("ident", "a method name")
            if self.peek().kind != "lp":
                raise self.error(f"expected a method call but found {name.text!r}", name)
            getter = self.method(getter, name)
        return getter

    def method(self, target: _Getter, name: _Token) -> _Getter:
        key = name.text.casefold()
        args = [value for _, value in self.arguments()]
        if key in CASE_MAPS and not args:
            return _case_map(target, CASE_MAPS[key])
        if key in STRING_TESTS and len(args) == 1:
            return _string_test(target, STRING_TESTS[key], as_text(args[0]).casefold())
        if key in CASE_MAPS or key in STRING_TESTS:
            raise self.error(f"wrong number of arguments to {name.text}()", name)
        raise self.error(f"unknown method {name.text!r}", name)


def _describe(token: _Token) -> str:
    return "end of expression" if token.kind == "eof" else repr(token.text)


def _constant(value: Any) -> _Getter:
    return lambda _record: value


def _case_map(target: _Getter, convert: Callable[[str], str]) -> _Getter:
    def apply(record: Mapping[str, Any]) -> Any:
        value = target(record)
        return None if value is None else convert(as_text(value))

    return apply


def _string_test(target: _Getter, test: Callable[[str, str], bool], needle: str) -> _Getter:
    def apply(record: Mapping[str, Any]) -> bool:
        value = target(record)
        return value is not None and test(as_text(value).casefold(), needle)

    return apply


def compile_where(expression: str) -> Callable[[Mapping[str, Any]], bool]:
    """Compile a Xero `where` expression into a predicate; a blank expression matches all.

    Raises WhereSyntaxError (a ValueError) on malformed input.
    """
    if not expression.strip():
        return lambda _record: True
    return _Parser(expression).parse()


_ORDER_TERM = re.compile(
    r"\s*([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)(?:\s+(ASC|DESC))?\s*\Z", re.IGNORECASE
)


def parse_order(order: str) -> list[tuple[str, bool]]:
    """Parse `Name ASC, Date DESC` into [(path, descending)]; direction defaults to ASC."""
    if not order.strip():
        return []
    terms: list[tuple[str, bool]] = []
    offset = 0
    for part in order.split(","):
        match = _ORDER_TERM.match(part)
        if match is None:
            position = offset + len(part) - len(part.lstrip())
            raise WhereSyntaxError(f"invalid order term {part.strip()!r}", position, order)
        terms.append((match.group(1), (match.group(2) or "").upper() == "DESC"))
        offset += len(part) + 1
    return terms


def _sort_key(value: Any) -> tuple[int, Any]:
    """Rank by kind first so mixed types never compare directly (None first, strings late)."""
    value = normalise(value)
    if value is None:
        return (0, 0)
    if isinstance(value, bool):
        return (1, value)
    if isinstance(value, Decimal) and not value.is_nan():
        return (2, value)
    if isinstance(value, dt.datetime):
        return (3, value)
    if isinstance(value, str):
        return (4, value.casefold())
    return (5, as_text(value))


def _key_for(path: str) -> Callable[[Mapping[str, Any]], tuple[int, Any]]:
    segments = tuple(path.split("."))
    return lambda record: _sort_key(lookup(record, segments))


def sort_records(records: Sequence[_R], order: Sequence[tuple[str, bool]]) -> list[_R]:
    """Return records sorted by `order` (from parse_order); ties keep their input order."""
    result = list(records)
    # Sorting least-significant key first relies on stability to build a multi-key order;
    # Python keeps ties in input order even with reverse=True, so mixed ASC/DESC stays stable.
    for path, descending in reversed(order):
        result.sort(key=_key_for(path), reverse=descending)
    return result
