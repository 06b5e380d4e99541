"""Merge tags: a subject or body template checked (a 422 naming its field) and rendered, bounded.

Three fences keep a template written by an API caller from running code or running away:
1. Before anything, `template_rules` checks its token count, its nesting and its syntax tree:
   only text, `{{group.field}}` lookups of known tags, a few string filters with literal
   arguments and `{% if %}`; anything else (calls, loops, `{% set %}`, arithmetic,
   `''.__class__`) is refused by name. The most text it could produce, worked out from the
   tree, must be under the limit, so `replace('', 'ZZZ…')` chains are refused unrendered.
2. A check also renders it with sample values (every tag filled, then every tag empty), so a
   template that would fail at send time (`{{ xero.total < 5 }}`) fails when it is saved.
3. `sandbox` renders it: lookups reach only our dicts' keys, nothing is called, undefined
   values are strict, and every character produced is charged to a budget.
A subject is one line of at most 998 characters: a line break in its template is refused,
and what it renders to is made one line and shortened to fit.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from itertools import islice
from typing import Any

from jinja2 import (
    PackageLoader,
    StrictUndefined,
    Template,
    TemplateError,
    TemplateSyntaxError,
    UndefinedError,
    nodes,
)
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup

from ledgerlink.email.html_text import html_to_text, looks_like_html, text_to_html
from ledgerlink.email.sandbox import HTML, TEXT, render_bounded
from ledgerlink.email.template_rules import (
    EMPTY,
    MAX_BODY,
    MAX_RENDERED_BODY,
    MAX_RENDERED_SUBJECT,
    MAX_SUBJECT,
    MAX_TOKENS,
    SAMPLE,
    TemplateProblem,
    check_depth,
    known_tags,
    worst_case_size,
)
from ledgerlink.errors import InputError

__all__ = ["check_template", "html_to_text", "known_tags", "looks_like_html", "one_line",
           "render_body", "render_html", "render_layout", "render_subject", "render_text",
           "template_problem", "text_to_html"]

Context = Mapping[str, Mapping[str, str]]
_LINE_BREAKS = frozenset("\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029")  # str.splitlines' own
# What a render may raise besides jinja2's errors: a filter given an argument it cannot use.
_RENDER_FAULTS = (TypeError, ValueError, ArithmeticError, LookupError, RecursionError,
                  AssertionError)  # jinja2 asserts some filter arguments (truncate)


def _parse(source: str) -> nodes.Template:
    try:
        # Counting tokens first keeps parsing and compiling a hostile template to milliseconds.
        if sum(1 for _ in islice(TEXT.lex(source), MAX_TOKENS + 1)) > MAX_TOKENS:
            raise TemplateProblem(f"the template has more than {MAX_TOKENS:,} tokens; a merge "
                                  "template needs far fewer")
        return TEXT.parse(source)
    except TemplateSyntaxError as exc:
        raise TemplateProblem(f"template syntax error on line {exc.lineno}: "
                              f"{exc.message}") from None
    except RecursionError:
        raise TemplateProblem("the template is nested too deeply") from None
    except ValueError as exc:  # e.g. an integer literal of more than 4300 digits
        raise TemplateProblem(f"the template could not be read: {exc}") from None


def _check_text(source: str, subject: bool) -> None:
    if not subject:
        if len(source) > MAX_BODY:
            raise TemplateProblem(f"a body template is at most {MAX_BODY:,} characters")
        return
    if len(source) > MAX_SUBJECT:
        raise TemplateProblem(f"a subject template is at most {MAX_SUBJECT} characters")
    if any(char in _LINE_BREAKS for char in source):
        raise TemplateProblem("a subject is one line: remove the line break from the template")


@lru_cache(maxsize=32)
def _prepared(source: str, subject: bool, as_html: bool) -> Template:
    """The template checked and compiled (a send checks, then renders: once is enough)."""
    _check_text(source, subject)
    tree = _parse(source)
    check_depth(tree)
    limit = _limit(subject)
    size = worst_case_size(tree, html=as_html)
    if size > limit:
        raise TemplateProblem(f"the template could produce up to {size:,} characters, over "
                              f"the limit of {limit:,} (filters such as replace multiply "
                              "text): simplify it")
    try:
        return (HTML if as_html else TEXT).from_string(source)
    except (TemplateError, SyntaxError, RecursionError, ValueError) as exc:
        raise TemplateProblem(f"the template could not be compiled: {exc}") from None


def _limit(subject: bool) -> int:
    return MAX_RENDERED_SUBJECT if subject else MAX_RENDERED_BODY


def _run(source: str, context: Context, *, subject: bool, as_html: bool) -> str:
    """The template rendered; every failure a TemplateProblem in words for its author."""
    template = _prepared(source, subject, as_html)
    try:
        return render_bounded(template, context, _limit(subject))
    except UndefinedError as exc:
        raise TemplateProblem(f"a merge tag has no value here ({exc.message})") from None
    except TemplateError as exc:  # the sandbox's refusals and the size budget
        raise TemplateProblem(exc.message or str(exc)) from None
    except _RENDER_FAULTS as exc:
        raise TemplateProblem(f"the template failed to render: {exc}") from None


def _refuse(problem: TemplateProblem, field: str) -> InputError:
    return InputError(f"{field}: {problem}", field=field, details={"known_tags": known_tags()})


def template_problem(source: str, *, subject: bool = False) -> str | None:
    """What is wrong with a template (rendered with sample values too), or None.

    The sample renders go through what a send does with them (a body's text and HTML parts),
    so whatever a send would stumble on is found here, before anything is written to Xero.
    """
    try:
        _check_text(source, subject)  # the length first: every later step is linear in it
        as_html = not subject and looks_like_html(source)
        for sample in (SAMPLE, EMPTY):
            if not subject:
                _body(source, sample, as_html)
                continue
            text = one_line(_run(source, sample, subject=True, as_html=False))
            if len(text) > MAX_SUBJECT:
                raise TemplateProblem(f"with sample values the subject is {len(text):,} "
                                      f"characters; a subject is at most {MAX_SUBJECT}")
    except TemplateProblem as problem:
        return str(problem)
    return None


def check_template(source: str, field: str, *, subject: bool = False) -> None:
    """Refuse (422, naming `field`) a template with bad syntax, unknown tags, code or size."""
    problem = template_problem(source, subject=subject)
    if problem is not None:
        raise _refuse(TemplateProblem(problem), field)


def one_line(text: str) -> str:
    """Every run of whitespace (line breaks included) as one space."""
    return " ".join(text.split())


def render_subject(source: str, context: Context, field: str) -> str:
    """The subject: one line of at most 998 characters (shortened with "…" when longer)."""
    try:
        text = one_line(_run(source, context, subject=True, as_html=False))
    except TemplateProblem as problem:
        raise _refuse(problem, field) from None
    return text if len(text) <= MAX_SUBJECT else text[:MAX_SUBJECT - 1].rstrip() + "…"


def render_text(source: str, context: Context, field: str) -> str:
    """The template rendered as plain text (no escaping)."""
    try:
        return _run(source, context, subject=False, as_html=False)
    except TemplateProblem as problem:
        raise _refuse(problem, field) from None


def _body(source: str, context: Context, as_html: bool) -> tuple[str, Markup]:
    """A body's text/plain and HTML parts, made as a send makes them."""
    if as_html:
        markup = Markup(_run(source, context, subject=False, as_html=True))  # values escaped
        return html_to_text(markup), markup
    text = _run(source, context, subject=False, as_html=False).strip()
    return text, text_to_html(text)


def render_body(source: str, context: Context, field: str) -> tuple[str, Markup]:
    """The body's (text, HTML): an HTML body's values escaped, a text body escaped whole."""
    try:
        return _body(source, context, looks_like_html(source))
    except TemplateProblem as problem:
        raise _refuse(problem, field) from None


def render_html(source: str, context: Context, field: str) -> Markup:
    """The body as HTML: an HTML body with its merge values escaped; text escaped whole."""
    return render_body(source, context, field)[1]


_LAYOUTS = SandboxedEnvironment(loader=PackageLoader("ledgerlink.email", "templates"),
                                autoescape=True, undefined=StrictUndefined)


def render_layout(name: str, **values: Any) -> str:
    """One of our own branded templates (trusted source; every value autoescaped)."""
    return _LAYOUTS.get_template(name).render(**values)
