"""What a merge template may contain, and the most text it can produce, read from its syntax tree.

A merge template has no loops, calls or arithmetic (see `check_tree`), so every node runs at
most once and the work of a render is bounded by the sum of what its nodes can produce.
`worst_case_size` computes that sum from the longest value each merge tag can hold
(`merge.merge_context` clips values to it) and what each allowed filter can do to a length;
a template whose bound is over the limit is refused before it is ever rendered.
"""

from __future__ import annotations

from collections.abc import Mapping

from jinja2 import nodes

MAX_SUBJECT = 998  # RFC 5322's line limit: a subject is one line of at most this
MAX_BODY = 100_000  # characters of a body template
MAX_TOKENS = 1_000  # tokens (~200 tags): keeps checking a template to milliseconds
MAX_DEPTH = 40  # nesting of the syntax tree (Python's compiler and recursion have limits)
MAX_RENDERED_SUBJECT = 8_192  # what a subject may render to before it is made one line
MAX_RENDERED_BODY = 262_144  # what a body may render to (the template's text plus values)
_SATURATED = 10**15  # sizes stop growing here: the answer is "too large" either way

# The merge tags, by group, with the longest value each can hold.
TAGS: dict[str, dict[str, int]] = {
    "xero": {"invoice_number": 255, "reference": 255, "date": 40, "due_date": 40,
             "total": 64, "subtotal": 64, "total_tax": 64, "amount_due": 64,
             "amount_paid": 64, "currency": 8, "pay_url": 2048, "contact_name": 255,
             "status": 32},
    "company": {"name": 255, "email": 254},
    "contact": {"first_name": 255, "last_name": 255, "name": 511, "email": 254},
    "deal": {"title": 255, "reference": 255},
    "customer": {"name": 255},
}
FILTERS = ("upper", "lower", "title", "capitalize", "trim", "default", "d", "truncate",
           "escape", "e", "striptags", "replace")
# How many times longer than its input a filter's output can be (Unicode case mappings
# expand up to 3 characters: "ΐ".upper(); HTML escaping up to 5: "&" -> "&amp;").
_GROWTH = {"upper": 3, "title": 3, "capitalize": 3, "lower": 2, "escape": 5, "e": 5}
HTML_ESCAPE_GROWTH = 5
# Syntax beyond lookups and filters that a merge template may use.
ALLOWED_NODES: tuple[type[nodes.Node], ...] = (
    nodes.Template, nodes.Output, nodes.TemplateData, nodes.Const, nodes.If, nodes.CondExpr,
    nodes.Not, nodes.And, nodes.Or, nodes.Compare, nodes.Operand)

# Values a check renders with: every tag filled, then every tag empty (both branches of ifs).
SAMPLE: dict[str, dict[str, str]] = {
    "xero": {"invoice_number": "INV-0042", "reference": "PO 4471", "date": "15 November 2026",
             "due_date": "15 December 2026", "total": "NZD 1,380.00",
             "subtotal": "NZD 1,200.00", "total_tax": "NZD 180.00",
             "amount_due": "NZD 1,380.00", "amount_paid": "NZD 0.00", "currency": "NZD",
             "pay_url": "https://in.xero.com/aBcDeF", "contact_name": "Kauri Joinery Ltd",
             "status": "AUTHORISED"},
    "company": {"name": "Acme Pty Ltd", "email": "billing@acme.example"},
    "contact": {"first_name": "Jo", "last_name": "Bloggs", "name": "Jo Bloggs",
                "email": "jo@kauri.example"},
    "deal": {"title": "Kitchen refit", "reference": "PO 4471"},
    "customer": {"name": "Kauri Joinery Ltd"},
}
EMPTY: dict[str, dict[str, str]] = {g: dict.fromkeys(names, "") for g, names in TAGS.items()}


class TemplateProblem(Exception):
    """What is wrong with a template, in words for the person who wrote it."""


def known_tags() -> list[str]:
    """Every merge tag, spelled as a caller writes it."""
    return [f"{{{{{group}.{name}}}}}" for group, names in TAGS.items() for name in names]


def clip(group: str, values: Mapping[str, str]) -> dict[str, str]:
    """A group's values cut to the longest each tag may hold (what the size bound assumes)."""
    limits = TAGS[group]
    return {name: value[:limits.get(name, 0)] for name, value in values.items()}


def check_depth(tree: nodes.Node) -> None:
    """Refuse a tree nested deeper than MAX_DEPTH (walked without recursion)."""
    stack = [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise TemplateProblem(f"the template is nested more than {MAX_DEPTH} levels deep")
        stack.extend((child, depth + 1) for child in node.iter_child_nodes())


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


def _check_lookup(node: nodes.Node) -> int:
    """A lookup of a known tag: the longest value it can hold."""
    path = _path(node)
    if path is None:
        what = getattr(node, "attr", None) or getattr(getattr(node, "arg", None), "value", "?")
        raise TemplateProblem(f"only merge tags such as {{{{xero.invoice_number}}}} may be "
                              f"used; looking up {what!r} on anything else is not allowed")
    tag = ".".join(path)
    group = TAGS.get(path[0])
    if group is None or len(path) > 2 or (len(path) == 2 and path[1] not in group):
        raise TemplateProblem(f"unknown merge tag {{{{{tag}}}}}; the known tags are "
                              f"{', '.join(known_tags())}")
    if len(path) == 1:
        raise TemplateProblem(f"{{{{{tag}}}}} names a group, not a value: use e.g. "
                              f"{{{{{tag}.{next(iter(group))}}}}}")
    return group[path[1]]


def _arguments(node: nodes.Filter, names: tuple[str, ...]) -> dict[str, object]:
    """A filter's literal arguments by parameter name."""
    given: dict[str, object] = {}
    for name, arg in zip(names, node.args, strict=False):
        given[name] = arg.value if isinstance(arg, nodes.Const) else None
    for keyword in node.kwargs:
        if isinstance(keyword, nodes.Keyword):
            value = keyword.value
            given[keyword.key] = value.value if isinstance(value, nodes.Const) else None
    return given


def _replaced(node: nodes.Filter, size: int, html: bool) -> int:
    """The longest `replace(old, new, count)` can make a text of `size` characters."""
    args = _arguments(node, ("old", "new", "count"))
    old, new, count = str(args.get("old", "")), str(args.get("new", "")), args.get("count")
    longer = len(new) * (HTML_ESCAPE_GROWTH if html else 1) - len(old)
    if longer <= 0:
        return size
    times = size + 1 if old == "" else size // len(old)
    if isinstance(count, int) and count >= 0:
        times = min(times, count)
    return size + times * longer


def _filtered(node: nodes.Filter, html: bool) -> int:
    if node.name not in FILTERS:
        raise TemplateProblem(f"the filter {node.name!r} is not allowed (allowed: "
                              f"{', '.join(FILTERS)})")
    arguments = [*node.args, *(kw.value for kw in node.kwargs)]
    if node.dyn_args or node.dyn_kwargs or \
            not all(isinstance(a, nodes.Const) for a in arguments):
        raise TemplateProblem(f"the filter {node.name!r} only takes literal arguments")
    if node.node is None:
        raise TemplateProblem("filter blocks are not allowed")
    size = _size(node.node, html)
    if node.name == "replace":
        result = _replaced(node, size, html)
    else:  # default, truncate and trim add at most their literal arguments
        extra = sum(len(str(a.value)) for a in arguments if isinstance(a, nodes.Const))
        result = size * _GROWTH.get(node.name, 1) + extra
    return size + result


def _size(node: nodes.Node, html: bool) -> int:
    """Refuse what a merge template may not hold; else the most text the node can produce.

    The bound counts every intermediate value as well as the output, so it bounds the work
    of a render, not only its result.
    """
    if isinstance(node, nodes.Name | nodes.Getattr | nodes.Getitem):
        size = _check_lookup(node)
    elif isinstance(node, nodes.Filter):
        size = _filtered(node, html)
    elif isinstance(node, nodes.TemplateData):
        size = len(node.data)
    elif isinstance(node, nodes.Const):
        size = len(str(node.value))
    elif isinstance(node, nodes.Output):
        size = sum(_size(child, html) * (1 if isinstance(child, nodes.TemplateData)
                                          else (HTML_ESCAPE_GROWTH if html else 1))
                   for child in node.nodes)
    elif isinstance(node, ALLOWED_NODES):
        size = sum(_size(child, html) for child in node.iter_child_nodes()) + len("False")
    else:
        raise TemplateProblem(f"{type(node).__name__} is not allowed in merge templates: use "
                              "plain text, merge tags like {{xero.total}}, string filters and "
                              "{% if %}")
    return min(size, _SATURATED)


def worst_case_size(tree: nodes.Template, *, html: bool) -> int:
    """Refuse what a merge template may not hold; else the most its render can produce."""
    return _size(tree, html)
