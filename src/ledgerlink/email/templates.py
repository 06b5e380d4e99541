"""Merge tags in a jinja2 sandbox: only `{{group.field}}` lookups in our dicts, nothing else.

Two fences keep a subject or body written by an API caller from running code:
1. Before rendering, the template's syntax tree is checked: only text, `{{group.field}}`
   lookups of known tags, a few string filters and `{% if %}` are allowed. Anything else
   (calls, loops, `{% set %}`, imports, `''.__class__`) is a 422 naming what was refused.
2. Rendering runs in a SandboxedEnvironment whose attribute and item access reach only the
   keys of the Mapping values we provide, which refuses every call, and whose undefined
   values are strict (an unknown name fails instead of rendering as "").
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from html.parser import HTMLParser
from typing import Any

from jinja2 import PackageLoader, StrictUndefined, TemplateSyntaxError, UndefinedError, nodes
from jinja2.exceptions import SecurityError
from jinja2.runtime import Context, Undefined
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup

from ledgerlink.errors import InputError

# The merge tags, by group: what a subject or body may name.
TAGS: dict[str, tuple[str, ...]] = {
    "xero": ("invoice_number", "reference", "date", "due_date", "total", "subtotal",
             "total_tax", "amount_due", "amount_paid", "currency", "pay_url", "contact_name",
             "status"),
    "company": ("name", "email"),
    "contact": ("first_name", "last_name", "name", "email"),
    "deal": ("title", "reference"),
    "customer": ("name",),
}
FILTERS = ("upper", "lower", "title", "capitalize", "trim", "default", "d", "truncate",
           "escape", "e", "striptags", "replace")
# Syntax beyond lookups and filters that a merge template may use.
_ALLOWED_NODES: tuple[type[nodes.Node], ...] = (
    nodes.Template, nodes.Output, nodes.TemplateData, nodes.Const, nodes.If, nodes.CondExpr,
    nodes.Not, nodes.And, nodes.Or, nodes.Compare, nodes.Operand)
_HTML_TAG = re.compile(r"<\s*/?\s*[A-Za-z][A-Za-z0-9]*(\s[^<>]*)?/?\s*>")


def known_tags() -> list[str]:
    """Every merge tag, spelled as a caller writes it."""
    return [f"{{{{{group}.{name}}}}}" for group, names in TAGS.items() for name in names]


class MergeSandbox(SandboxedEnvironment):
    """A sandbox where lookups reach only Mapping keys and nothing can be called."""

    def getattr(self, obj: Any, attribute: str) -> Any | Undefined:
        """`group.field`: a key of a provided dict, never a Python attribute."""
        return self._lookup(obj, attribute)

    def getitem(self, obj: Any, argument: str | Any) -> Any | Undefined:
        """`group['field']`: the same rule as attribute access."""
        return self._lookup(obj, argument)

    def _lookup(self, obj: Any, key: Any) -> Any | Undefined:
        if not isinstance(obj, Mapping) or not isinstance(key, str) or key.startswith("_"):
            raise SecurityError(f"access to {key!r} is not allowed in merge tags")
        if key in obj:
            return obj[key]
        return self.undefined(obj=obj, name=key)

    def call(__self, __context: Context, __obj: Any,  # jinja2's signature
             *args: Any, **kwargs: Any) -> Any:
        """Nothing is callable from a merge template."""
        raise SecurityError("calls are not allowed in merge tags")


def _environment(autoescape: bool) -> MergeSandbox:
    env = MergeSandbox(autoescape=autoescape, undefined=StrictUndefined)
    env.globals.clear()
    env.filters = {name: env.filters[name] for name in FILTERS}
    return env


_TEXT = _environment(autoescape=False)
_HTML = _environment(autoescape=True)


def _path(node: nodes.Node) -> list[str] | None:
    """`xero.total` / `xero['total']` as ["xero", "total"]; None for anything else."""
    if isinstance(node, nodes.Name):
        return [node.name]
    if isinstance(node, nodes.Getattr):
        base = _path(node.node)
        return None if base is None else [*base, node.attr]
    if isinstance(node, nodes.Getitem) and isinstance(node.arg, nodes.Const) \
            and isinstance(node.arg.value, str):
        base = _path(node.node)
        return None if base is None else [*base, node.arg.value]
    return None


def _refuse(message: str, field: str) -> InputError:
    return InputError(f"{field}: {message}", field=field,
                      details={"known_tags": known_tags()})


def _check_lookup(node: nodes.Node, field: str) -> None:
    path = _path(node)
    if path is None:
        what = getattr(node, "attr", None) or getattr(getattr(node, "arg", None), "value", "?")
        raise _refuse(f"only merge tags such as {{{{xero.invoice_number}}}} may be used; "
                      f"looking up {what!r} on anything else is not allowed", field)
    tag = ".".join(path)
    group = TAGS.get(path[0])
    if group is None or len(path) > 2 or (len(path) == 2 and path[1] not in group):
        raise _refuse(f"unknown merge tag {{{{{tag}}}}}; the known tags are "
                      f"{', '.join(known_tags())}", field)
    if len(path) == 1:
        raise _refuse(f"{{{{{tag}}}}} names a group, not a value: use e.g. "
                      f"{{{{{tag}.{group[0]}}}}}", field)


def _check_node(node: nodes.Node, field: str) -> None:
    if isinstance(node, nodes.Name | nodes.Getattr | nodes.Getitem):
        _check_lookup(node, field)
        return
    if isinstance(node, nodes.Filter):
        if node.name not in FILTERS:
            raise _refuse(f"the filter {node.name!r} is not allowed (allowed: "
                          f"{', '.join(FILTERS)})", field)
        arguments = [*node.args, *(kw.value for kw in node.kwargs)]
        if node.dyn_args or node.dyn_kwargs or \
                not all(isinstance(a, nodes.Const) for a in arguments):
            raise _refuse(f"the filter {node.name!r} only takes literal arguments", field)
        if node.node is None:
            raise _refuse("filter blocks are not allowed", field)
        _check_node(node.node, field)
        return
    if not isinstance(node, _ALLOWED_NODES):
        raise _refuse(f"{type(node).__name__} is not allowed in merge templates: use plain "
                      "text, merge tags like {{xero.total}}, string filters and {% if %}", field)
    for child in node.iter_child_nodes():
        _check_node(child, field)


def check_template(source: str, field: str) -> None:
    """Refuse (422, naming `field`) a template with bad syntax, unknown tags or code."""
    try:
        tree = _TEXT.parse(source)
    except TemplateSyntaxError as exc:
        raise InputError(f"{field}: template syntax error on line {exc.lineno}: {exc.message}",
                         field=field) from None
    _check_node(tree, field)


def _render(env: MergeSandbox, source: str, context: Mapping[str, Mapping[str, str]],
            field: str) -> str:
    check_template(source, field)
    try:
        return env.from_string(source).render(**context)
    except UndefinedError as exc:
        raise _refuse(f"a merge tag has no value here ({exc.message})", field) from None
    except SecurityError as exc:
        raise _refuse(str(exc), field) from None


def render_text(source: str, context: Mapping[str, Mapping[str, str]], field: str) -> str:
    """The template rendered as plain text (no escaping)."""
    return _render(_TEXT, source, context, field)


def looks_like_html(source: str) -> bool:
    """Whether a body was written as HTML (has tags) rather than plain text."""
    return bool(_HTML_TAG.search(source))


def render_html(source: str, context: Mapping[str, Mapping[str, str]], field: str) -> Markup:
    """The body as HTML: an HTML body with its merge values escaped; text escaped whole."""
    if looks_like_html(source):
        return Markup(_render(_HTML, source, context, field))  # merge values were escaped
    return text_to_html(render_text(source, context, field))


def text_to_html(text: str) -> Markup:
    """Plain text as escaped HTML paragraphs, single newlines as line breaks."""
    paragraphs = [p.strip("\n") for p in re.split(r"\n\s*\n", text.strip()) if p.strip()]
    parts = ["<p>" + html.escape(p).replace("\n", "<br>\n") + "</p>" for p in paragraphs]
    return Markup("\n".join(parts))  # escaped above


class _TextOf(HTMLParser):
    """Visible text of an HTML fragment, with line breaks for block elements."""

    BLOCKS = frozenset({"p", "div", "br", "tr", "li", "h1", "h2", "h3", "h4", "table"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.BLOCKS and tag != "br":
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def html_to_text(fragment: str) -> str:
    """The plain-text reading of an HTML body (for the text/plain part)."""
    parser = _TextOf()
    parser.feed(fragment)
    parser.close()
    text = "".join(parser.parts)
    lines = [" ".join(line.split()) for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


_LAYOUTS = SandboxedEnvironment(loader=PackageLoader("ledgerlink.email", "templates"),
                                autoescape=True, undefined=StrictUndefined)


def render_layout(name: str, **values: Any) -> str:
    """One of our own branded templates (trusted source; every value autoescaped)."""
    return _LAYOUTS.get_template(name).render(**values)
