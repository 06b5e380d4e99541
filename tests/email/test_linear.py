"""Telling HTML from text and reading HTML as text are linear: hostile bodies cost no more.

Sizes bound these tests, not the machine's speed: each input is the largest a template may be
(or 20 times that, for the functions that see rendered text), where the quadratic code took
from 11 seconds to hours; the timeout is only a guard against such a hang.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from markupsafe import Markup

from ledgerlink.email import templates
from ledgerlink.email.template_rules import MAX_BODY, SAMPLE
from ledgerlink.email.templates import (
    html_to_text,
    looks_like_html,
    render_body,
    render_html,
    template_problem,
)
from tests.email.hostile_bodies import hostile

pytestmark = pytest.mark.timeout(30)


@pytest.mark.parametrize("name", list(hostile(10)))
def test_hostile_bodies_of_the_largest_size_are_checked_and_rendered(name: str) -> None:
    source = hostile(MAX_BODY)[name]
    assert len(source) <= MAX_BODY
    assert template_problem(source) is None  # each is a valid (if odd) body: plain text
    text, html = render_body(source, SAMPLE, "email_body")
    assert render_html(source, SAMPLE, "email_body") == html
    assert len(text) <= len(html)


@pytest.mark.parametrize("name", list(hostile(10)))
def test_the_conversions_are_linear_far_past_the_largest_body(name: str) -> None:
    # A rendered body may exceed its template (merge values); 2,000,000 characters would take
    # hours if either function were quadratic.
    source = hostile(20 * MAX_BODY)[name]
    looks_like_html(source)
    html_to_text(source)


def test_the_issues_bodies_read_as_their_text() -> None:
    size = MAX_BODY
    assert html_to_text("<p>" + "<a " * size) == ("<a " * size).strip()  # not a tag: text
    assert not looks_like_html("<a" + " " * size)  # never closed: not a tag
    # An over-long template is refused by its length before any scan of it.
    problem = template_problem("<a" + " " * 20 * size) or ""
    assert f"at most {MAX_BODY:,} characters" in problem


def test_the_check_reads_the_sample_render_as_a_send_does(
        monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[str] = []
    real: Callable[[str], str] = templates.html_to_text

    def spy(fragment: str) -> str:
        seen.append(str(fragment))
        return real(fragment)

    monkeypatch.setattr(templates, "html_to_text", spy)
    assert template_problem("<p>Hi {{contact.first_name}}</p>") is None
    assert seen == ["<p>Hi Jo</p>", "<p>Hi </p>"]  # every tag filled, then every tag empty


@pytest.mark.parametrize(("fragment", "text"), [
    ("<p>Hi &amp; bye</p><p>Two<br>lines</p>", "Hi & bye\n\nTwo\nlines"),
    ("<style>p { color: red }</style><script>alert('<p>')</script><!-- note -->"
     "<P CLASS='x'>Total: NZD 1,380.00</P>", "Total: NZD 1,380.00"),
    ("<table><tr><td>Joinery</td><td>NZD 600.00</td></tr></table>", "Joinery NZD 600.00"),
    ("<p>a &lt;b&gt; &#8212; c&nbsp;d</p>", "a <b> \u2014 c d"),
    ("<p>1 < 2 and 3 > 2</p>", "1 < 2 and 3 > 2"),
    ("<p>Kept</p><!-- never closed <p>Dropped</p>", "Kept"),
    ("x<br/>y<br />z", "x\ny\nz"),
    ('<a href="https://in.xero.com/pay">Pay now</a>', "Pay now"),
    ("<!DOCTYPE html><div>One</div>\n\n\n\n<div>Two</div>", "One\n\nTwo"),
])
def test_html_to_text(fragment: str, text: str) -> None:
    assert html_to_text(Markup(fragment)) == text


@pytest.mark.parametrize(("source", "is_html"), [
    ("<p>Hi</p>", True), ("Hi<br/>", True), ("Hi<BR>", True), ("</div>", True),
    ("<a href='{{xero.pay_url}}'>Pay</a>", True), ("<h1>Invoice</h1>", True),
    ("Hi {{contact.first_name}}", False), ("1 < 2 and 3 > 2", False), ("< p>", False),
    ("if a < b and c > d", False),  # was "HTML" (a tag "< b …>"); a browser shows it as text
    ("x -> y <- z", False), ("<3 from us", False), ("<a", False),
])
def test_looks_like_html(source: str, is_html: bool) -> None:
    assert looks_like_html(source) is is_html
