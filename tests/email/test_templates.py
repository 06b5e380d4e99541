"""Merge tags in the sandbox, money and dates, and the EmailParams rules (no database needed)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from jinja2.exceptions import SecurityError
from pydantic import ValidationError as PydanticValidationError

from ledgerlink.email.merge import day, invoice_values, money
from ledgerlink.email.sandbox import HTML, TEXT
from ledgerlink.email.schemas import EmailParams
from ledgerlink.email.templates import (
    check_template,
    html_to_text,
    render_html,
    render_text,
)
from ledgerlink.errors import InputError

pytestmark = pytest.mark.timeout(10)

CONTEXT = {
    "xero": {"invoice_number": "INV-0042", "total": "NZD 1,380.00", "due_date": "15 December 2026"},
    "company": {"name": "Acme & Sons"},
    "contact": {"first_name": "<script>alert(1)</script>", "last_name": ""},
    "deal": {"title": "Kitchen"},
    "customer": {"name": ""},
}


def test_tags_render_in_text_and_html() -> None:
    source = "Hi {{contact.first_name}}: {{ xero.invoice_number }} for {{xero['total']}}"
    assert render_text(source, CONTEXT, "email_body") == (
        "Hi <script>alert(1)</script>: INV-0042 for NZD 1,380.00")
    html = render_html("<p>Hi {{contact.first_name}}</p>", CONTEXT, "email_body")
    assert "<script>" not in html and "&lt;script&gt;" in html
    # A plain-text body is escaped whole (its own "&" too) and split into paragraphs.
    assert render_html("From {{company.name}}\n\nBye", CONTEXT, "email_body") == (
        "<p>From Acme &amp; Sons</p>\n<p>Bye</p>")
    assert render_text("{% if contact.last_name %}x{% else %}{{company.name|upper}}{% endif %}",
                       CONTEXT, "email_subject") == "ACME & SONS"


@pytest.mark.parametrize("source", [
    "{{ ''.__class__ }}",
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ xero.__class__ }}",
    "{{ xero['__init__'] }}",
    "{{ xero.items() }}",
    "{{ xero.total.upper() }}",
    "{{ cycler.__init__.__globals__ }}",
    "{{ lipsum() }}",
    "{% for k in xero %}{{ k }}{% endfor %}",
    "{% set x = 1 %}",
    "{% include 'invoice_email.html' %}",
    "{{ xero.total|attr('__class__') }}",
    "{{ xero.total|map('upper') }}",
    "{{ '%s'|format(xero) }}",
])
def test_code_is_refused(source: str) -> None:
    with pytest.raises(InputError) as caught:
        render_text(source, CONTEXT, "email_body")
    assert caught.value.status == 422
    assert caught.value.field == "email_body"


@pytest.mark.parametrize("source", ["{{ ''.__class__ }}", "{{ xero.items() }}",
                                    "{{ xero.__class__ }}", "{{ xero.total.upper() }}"])
def test_the_sandbox_itself_refuses_payloads(source: str) -> None:
    # Behind the syntax check, the environment alone reaches nothing but dict keys.
    for env in (TEXT, HTML):
        with pytest.raises(SecurityError):
            env.from_string(source).render(**CONTEXT)


def test_unknown_tag_is_named() -> None:
    with pytest.raises(InputError) as caught:
        render_text("Invoice {{xero.invoice_no}}", CONTEXT, "email_subject")
    assert caught.value.field == "email_subject"
    assert "{{xero.invoice_no}}" in caught.value.message
    assert "{{xero.invoice_number}}" in caught.value.message  # the known ones are listed
    with pytest.raises(InputError, match=r"\{\{invoice\}\}"):
        check_template("{{ invoice }}", "email_body")
    with pytest.raises(InputError, match="syntax error"):
        check_template("{{ xero.total ", "email_body")


def test_money_and_dates() -> None:
    assert money(Decimal("1380"), "NZD") == "NZD 1,380.00"
    assert money("0.5", "AUD") == "AUD 0.50"
    assert money(None, "NZD") == ""
    assert day("/Date(1797292800000+0000)/") == "15 December 2026"
    assert day("2026-12-15T00:00:00") == "15 December 2026"
    values = invoice_values({"InvoiceNumber": "INV-1", "CurrencyCode": "NZD",
                             "Total": Decimal("1380.00"), "AmountDue": Decimal("380"),
                             "DueDate": "/Date(1797292800000+0000)/",
                             "Contact": {"Name": "Kauri"}}, "https://pay")
    assert values["total"] == "NZD 1,380.00" and values["amount_due"] == "NZD 380.00"
    assert values["due_date"] == "15 December 2026" and values["pay_url"] == "https://pay"
    assert values["contact_name"] == "Kauri"


def test_html_to_text() -> None:
    assert html_to_text("<p>Hi &amp; bye</p><p>Two<br>lines</p>") == "Hi & bye\n\nTwo\nlines"


def _refusal(params: dict[str, object]) -> tuple[str, str, str]:
    """The first problem of invalid email params: (type, field, message)."""
    with pytest.raises(PydanticValidationError) as caught:
        EmailParams.model_validate(params)
    first = caught.value.errors()[0]
    context = first.get("ctx") or {}
    field = str(context.get("field") or ".".join(map(str, first["loc"])))
    return first["type"], field, str(context.get("message") or first["msg"])


def test_params_defaults_and_extra_keys() -> None:
    params = EmailParams.model_validate({"contact_id": "x", "email_mode": "trustpager"})
    assert params.email_recipient_source == "primary_contact" and params.email_attach_pdf
    assert EmailParams().email_mode == "none"


def test_secondary_contact_needs_its_id() -> None:
    kind, field, message = _refusal({"email_mode": "trustpager",
                                     "email_recipient_source": "secondary_contact"})
    assert (kind, field) == ("conflicting_input", "email_recipient_contact_id")
    assert "secondary_contact" in message


@pytest.mark.parametrize(("params", "field"), [
    ({"email_subject": "Hi"}, "email_subject"),
    ({"email_body": "Hi"}, "email_body"),
    ({"email_attach_pdf": False}, "email_attach_pdf"),
])
def test_xero_mode_cannot_be_customised(params: dict[str, object], field: str) -> None:
    kind, found, message = _refusal({"email_mode": "xero", **params})
    assert (kind, found) == ("conflicting_input", field)
    assert "Xero's own Email endpoint, which takes no options" in message


@pytest.mark.parametrize("params", [
    {"email_recipient_source": "xero_contact"}, {"email_recipient_source": "primary_contact"},
    {"email_recipient_source": "secondary_contact",
     "email_recipient_contact_id": "6f1c2d3e-4b5a-4c6d-8e7f-9a0b1c2d3e4f"},
    {"email_recipient": "jo@example.com"}])
def test_xero_mode_takes_every_recipient(params: dict[str, object]) -> None:
    # Xero emails the contact's people: the hub makes the chosen recipient one of them.
    assert EmailParams.model_validate({"email_mode": "xero", **params}).email_mode == "xero"


@pytest.mark.parametrize(("params", "field"), [
    ({"email_mode": "postmark"}, "email_mode"),
    ({"email_recipient": "not-an-address"}, "email_recipient"),
    ({"email_recipient_source": "everyone"}, "email_recipient_source"),
    ({"email_recipient_contact_id": "no-such-contact"}, "email_recipient_contact_id"),
])
def test_bad_values_name_their_field(params: dict[str, object], field: str) -> None:
    kind, found, _ = _refusal(params)
    assert found == field and kind != "conflicting_input"
