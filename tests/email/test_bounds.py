"""Merge templates are bounded in size and work, and refused (422) when they could run away."""

from __future__ import annotations

import tracemalloc
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from jinja2.exceptions import SecurityError

from ledgerlink.email.sandbox import HTML, TEXT, TemplateTooLarge, render_bounded
from ledgerlink.email.template_rules import MAX_RENDERED_BODY, MAX_SUBJECT, SAMPLE
from ledgerlink.email.templates import (
    check_template,
    render_html,
    render_subject,
    render_text,
    template_problem,
)
from ledgerlink.errors import InputError

pytestmark = pytest.mark.timeout(30)

Z94 = "Z" * 94
# The issue's template: under 500 characters, it grew the hub by 1.4 GB in 10 s.
RUNAWAY = (f"{{{{ xero.total|replace('','{Z94}')|replace('Z','{Z94}')"
           f"|replace('Z','{Z94}')|replace('Z','{Z94}') }}}}")
# With two replace filters, a 1.8 MB Subject header was emailed.
RUNAWAY_SUBJECT = f"{{{{ xero.total|replace('','{Z94}')|replace('','{Z94}') }}}}"
# Time, not memory: nested loops over range.
LOOPS = ("{% for i in range(100000) %}{% for j in range(100000) %}{{ i }}{% endfor %}"
         "{% endfor %}")
MiB = 1024 * 1024


@pytest.fixture
def peak() -> Iterator[Callable[[], int]]:
    """The most memory Python allocated (in bytes) since the fixture started."""
    tracemalloc.start()
    try:
        yield lambda: tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_the_issues_templates_are_refused_unrendered(peak: Callable[[], int]) -> None:
    assert len(RUNAWAY) < 500
    for source, field, subject in ((RUNAWAY, "params.email_body", False),
                                   (RUNAWAY_SUBJECT, "params.email_subject", True),
                                   (LOOPS, "params.email_body", False)):
        with pytest.raises(InputError) as caught:
            check_template(source, field, subject=subject)
        assert caught.value.status == 422 and caught.value.field == field
    assert "could produce up to" in (template_problem(RUNAWAY) or "")
    assert "For is not allowed" in (template_problem(LOOPS) or "")
    assert peak() < 8 * MiB


def test_the_sandbox_alone_bounds_a_runaway(peak: Callable[[], int]) -> None:
    # Behind the syntax check: rendered straight in the sandbox, the budget stops replace
    # before it builds the text (the issue's template would otherwise allocate gigabytes).
    for env in (TEXT, HTML):
        with pytest.raises(TemplateTooLarge):
            render_bounded(env.from_string(RUNAWAY), SAMPLE, MAX_RENDERED_BODY)
    assert peak() < 16 * MiB


def test_constants_are_not_folded_at_compile_time(peak: Callable[[], int]) -> None:
    # jinja2's optimizer runs filters on literals while compiling, before any budget exists.
    source = RUNAWAY.replace("xero.total", "'NZD 1,380.00'")
    template = TEXT.from_string(source)
    with pytest.raises(TemplateTooLarge):
        render_bounded(template, SAMPLE, MAX_RENDERED_BODY)
    with pytest.raises(SecurityError):  # arithmetic is intercepted, not folded
        TEXT.from_string("{{ 'x' * 1000000000 }}").render()
    assert peak() < 16 * MiB


@pytest.mark.parametrize(("source", "words"), [
    ("{{ " + "(" * 200 + "1" + ")" * 200 + " }}", "nested too deeply"),
    ("{% if 1 %}" * 60 + "x" + "{% endif %}" * 60, "nested more than"),
    ("{{ " + " or ".join(["xero.total"] * 100) + " }}", "nested more than"),
    ("{{ " + "9" * 5000 + " }}", "could not be read"),
    ("{{xero.total}} " * 250, "tokens"),
    ("{{ xero.total < 5 }}", "failed to render"),
    ("{% if contact.first_name %}a{% else %}{{ xero.total < 5 }}{% endif %}", "failed to render"),
    ("{{ xero.total|truncate(2) }}", "failed to render"),
    ("{{ xero.total|replace('a', 'b', 'x') }}", "whole number"),
    ("{{ contact.name" + "|upper" * 10 + " }}", "could produce up to"),
    ("{{ ''.__class__.__mro__ }}", "'__mro__'"),
    ("{{ xero.nope }}", "{{xero.nope}}"),
    ("{{", "syntax error"),
])
def test_what_used_to_fail_at_send_time_is_a_422(source: str, words: str) -> None:
    # Each of these passed the old check (or raised a 500) and failed only when sending.
    with pytest.raises(InputError) as caught:
        check_template(source, "email_body")
    assert caught.value.field == "email_body" and words in caught.value.message


def test_a_huge_replace_count_is_harmless() -> None:
    source = "{{ xero.total|replace('0', 'o', 99999999999999999999999) }}"
    check_template(source, "email_body")
    assert render_text(source, {"xero": {"total": "NZD 1,380.00"}}, "email_body") == (
        "NZD 1,38o.oo")


def test_a_subject_is_one_line_of_at_most_998_characters() -> None:
    for broken in ("Invoice\n{{xero.invoice_number}}", "Invoice\r{{xero.invoice_number}}",
                   "Invoice\u2028{{xero.invoice_number}}"):
        with pytest.raises(InputError, match="one line") as caught:
            check_template(broken, "params.email_subject", subject=True)
        assert caught.value.field == "params.email_subject"
    long_literal = "Invoice " + "x" * 990 + " {{xero.invoice_number}}"
    with pytest.raises(InputError, match="at most 998"):
        check_template(long_literal, "email_subject", subject=True)
    # Values are the data's: a header break in one becomes a space, a long one is shortened.
    context: dict[str, dict[str, Any]] = {
        "contact": {"name": "Jo\r\nBcc: everyone@example.com"}, "deal": {"title": "t" * 255}}
    source = "{{contact.name}} " + "{{deal.title}} " * 5
    check_template(source, "email_subject", subject=True)
    subject = render_subject(source, context, "email_subject")
    assert subject.startswith("Jo Bcc: everyone@example.com tttt")
    assert len(subject) == MAX_SUBJECT and subject.endswith("…")
    assert "\r" not in subject and "\n" not in subject


def test_html_bodies_are_bounded_too() -> None:
    source = "<p>{{ xero.total|e|replace('&', '&amp;&amp;&amp;') }}</p>"
    check_template(source, "email_body")
    html = render_html(source, {"xero": {"total": "A & B"}}, "email_body")
    assert html == "<p>A &amp;amp;&amp;amp;&amp;amp; B</p>"
