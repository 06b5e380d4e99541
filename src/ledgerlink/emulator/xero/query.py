"""Xero `where` filters compiled into closures over records, type-checked as Xero checks them."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any, NamedTuple, Protocol

from ledgerlink.emulator.xero import query_schema as qs
from ledgerlink.emulator.xero.query_order import QueryParseError, parse_order, sort_records
from ledgerlink.emulator.xero.query_schema import QType
from ledgerlink.emulator.xero.query_values import (
    CASE_MAPS,
    KEYWORD_VALUES,
    STRING_TESTS,
    GuidLiteral,
    as_text,
    compare,
    get_path,
    lookup,
    parse_iso,
)

__all__ = [
    "Predicate",
    "QueryParseError",
    "compile_where",
    "get_path",
    "parse_order",
    "sort_records",
]

_Getter = Callable[[Mapping[str, Any]], Any]
_Pred = Callable[[Mapping[str, Any]], bool]

# Parentheses and `!` recurse in the parser; cap nesting so hostile input cannot blow the stack.
_MAX_DEPTH = 64
_KEYWORD_TYPES = {"true": qs.BOOLEAN, "false": qs.BOOLEAN, "null": qs.NULL}


class Predicate(Protocol):
    """What `compile_where` returns: a test applied to one stored record."""

    def __call__(self, record: Mapping[str, Any]) -> bool: ...


class _Operand(NamedTuple):
    get: _Getter
    type: QType | None  # None: a field of an untyped (schema-less) expression


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
            # Reported only when the parser gets here, as Dynamic LINQ (which Xero runs)
            # reads tokens lazily: `Contact=aed3707a-…` is an unknown field, not a bad '-'.
            what = ("Unterminated string literal" if source[pos] == '"'
                    else f"Syntax error '{source[pos]}'")
            tokens.append(_Token("bad", what, pos))
            return tokens
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
    """Recursive descent; AND binds tighter than OR, and `!`/NOT tighter than both.

    With a `root` type every field must exist on it and every comparison must type-check;
    without one (unit tests of the engine) fields are untyped and comparisons lenient.
    """

    def __init__(self, source: str, root: QType | None) -> None:
        self.source = source
        self.root = root
        self.tokens = _tokenise(source)
        self.index = 0
        self.depth = 0

    def error(self, message: str, token: _Token | None = None) -> QueryParseError:
        return QueryParseError(message, (token or self.peek()).pos, self.source)

    def peek(self, ahead: int = 0) -> _Token:
        token = self.tokens[min(self.index + ahead, len(self.tokens) - 1)]
        if token.kind == "bad" and not ahead:  # lookahead may see it; reaching it fails
            raise QueryParseError(token.text, token.pos, self.source)
        return token

    def advance(self) -> _Token:
        token = self.peek()
        self.index = min(self.index + 1, len(self.tokens) - 1)
        return token

    def expect(self, kind: str, message: str) -> _Token:
        if self.peek().kind != kind:
            raise self.error(message)
        return self.advance()

    def parse(self) -> _Pred:
        predicate = self.disjunction()
        if self.peek().kind != "eof":
            raise self.error("Syntax error")
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
            self.expect("rp", "')' or operator expected")
            return inner
        return self.comparison()

    def comparison(self) -> _Pred:
        start = self.peek()
        left = self.operand()
        if self.peek().kind != "op":
            # A bare operand is a boolean test: `IsSold`, `Name.Contains("x")`.
            if self.root is not None and left.type is not None and left.type.kind != "bool":
                raise self.error("Expression of type 'Boolean' expected", start)
            get = left.get
            return lambda r: get(r) is True
        op_token = self.advance()
        right = self.operand()
        if self.root is not None:
            problem = qs.comparison_error(op_token.text, left.type, right.type)
            if problem:
                raise self.error(problem, op_token)
        op = "==" if op_token.text == "=" else op_token.text
        get_left, get_right = left.get, right.get
        return lambda r: compare(get_left(r), get_right(r), op)

    def operand(self) -> _Operand:
        token = self.peek()
        if token.kind in ("str", "num", "dt"):
            return self.literal(self.advance())
        if token.kind != "ident":
            raise self.error("Expression expected")
        word, after = token.text.casefold(), self.peek(1)
        if word in KEYWORD_VALUES:
            self.advance()
            return _constant(KEYWORD_VALUES[word], _KEYWORD_TYPES[word])
        if word == "guid" and after.kind == "lp":
            return _constant(self.guid_literal(), qs.GUID)
        if word in ("datetime", "datetimeoffset") and after.kind == "lp":
            return _constant(self.datetime_literal(), qs.DATETIME)
        is_parse = self.peek(2).kind == "ident" and self.peek(2).text.casefold() == "parse"
        if word in ("datetime", "datetimeoffset") and after.kind == "dot" and is_parse:
            self.advance()
            self.advance()
            return _constant(self.datetime_literal(), qs.DATETIME)
        return self.field()

    def literal(self, token: _Token) -> _Operand:
        if token.kind == "str":
            return _constant(_unquote(token.text), qs.STRING)
        if token.kind == "num":
            value = Decimal(token.text)
            kind = qs.DOUBLE if "." in token.text else qs.integer_type(int(value))
            return _constant(value, kind)
        parsed = parse_iso(token.text)  # bare ISO timestamps, as pyxero writes for *DateUTC
        if parsed is None:
            raise self.error(f"invalid date {token.text!r}", token)
        return _constant(parsed, qs.DATETIME)

    def arguments(self) -> list[tuple[_Token, Any]]:
        self.expect("lp", "'(' expected")
        args: list[tuple[_Token, Any]] = []
        while self.peek().kind != "rp":
            if args:
                self.expect("comma", "')' or ',' expected")
            token = self.advance()
            if token.kind not in ("str", "num"):
                raise self.error("the emulator takes only string or number arguments here",
                                 token)
            args.append((token, self.literal(token).get({})))
        self.advance()
        return args

    def guid_literal(self) -> GuidLiteral:
        start = self.advance()
        args = self.arguments()
        if len(args) != 1 or not isinstance(args[0][1], str):
            raise self.error("No matching constructor in type 'Guid'", start)
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
            raise self.error("No matching constructor in type 'DateTime'", start)
        year, month, day, hour, minute, second = [int(v) for v in values] + [0] * (6 - len(values))
        try:
            return dt.datetime(year, month, day, hour, minute, second, tzinfo=dt.UTC)
        except ValueError as exc:
            raise self.error(f"invalid date ({exc})", start) from None

    def field(self) -> _Operand:
        first = self.advance()
        segments, kind = [first.text], self.member(self.root, first)
        while self.peek().kind == "dot":
            self.advance()
            name = self.expect("ident", "Identifier expected")
            if self.peek().kind == "lp":
                break
            segments.append(name.text)
            kind = self.member(kind, name)
        else:
            return _Operand(_path_getter(segments), kind)
        operand = self.method(_Operand(_path_getter(segments), kind), name)
        # Once a method has been called, everything after it must be another method call.
        while self.peek().kind == "dot":
            self.advance()
            name = self.expect("ident", "Identifier expected")
            if self.peek().kind != "lp":
                raise self.error(f"the emulator reads no property ({name.text!r}) of a "
                                 "method's result", name)
            operand = self.method(operand, name)
        return operand

    def member(self, owner: QType | None, name: _Token) -> QType | None:
        """The type of a field (None when untyped); an unknown field is a parse error."""
        if owner is None:
            return None
        found = qs.member(owner, name.text)
        if isinstance(found, str):
            raise self.error(found, name)
        return found

    def method(self, target: _Operand, name: _Token) -> _Operand:
        key = name.text.casefold()
        if key not in CASE_MAPS and key not in STRING_TESTS:
            where = target.type.name if target.type else "String"
            raise self.error(f"No applicable method '{name.text}' exists in type '{where}'", name)
        problem = qs.method_error(target.type, name.text) if self.root is not None else None
        if problem:
            raise self.error(problem, name)
        args = [value for _, value in self.arguments()]
        if key in CASE_MAPS and not args:
            return _Operand(_case_map(target.get, CASE_MAPS[key]), qs.STRING)
        if key in STRING_TESTS and len(args) == 1:
            test = _string_test(target.get, STRING_TESTS[key], as_text(args[0]).casefold())
            return _Operand(test, qs.BOOLEAN)
        raise self.error(f"No applicable method '{name.text}' exists in type 'String'", name)


def _path_getter(segments: list[str]) -> _Getter:
    path = tuple(segments)
    return lambda record: lookup(record, path)


def _constant(value: Any, kind: QType) -> _Operand:
    return _Operand(lambda _record: value, kind)


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


def compile_where(expression: str, root: QType | None = None) -> _Pred:
    """Compile a Xero `where` expression into a predicate; a blank expression matches all.

    With `root` (query_schema.resource("Invoice")) fields and types are checked as Xero
    checks them. Raises QueryParseError (a ValueError) on anything Xero would refuse.
    """
    if not expression.strip():
        return lambda _record: True
    return _Parser(expression, root).parse()
