"""The email fields of an invoice action (`email_mode` …) and what sending them did."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator
from pydantic import ValidationError as PydanticValidationError
from pydantic_core import PydanticCustomError

from ledgerlink.crm.types import Email
from ledgerlink.email.template_rules import MAX_BODY, MAX_SUBJECT
from ledgerlink.errors import InputError

EmailMode = Literal["none", "xero", "trustpager"]
RecipientSource = Literal["primary_contact", "xero_contact", "secondary_contact"]
_XERO_ONLY_CONTACT = (
    "email_mode 'xero' sends through Xero's own Email endpoint, which always emails the "
    "invoice's Xero contact with Xero's template: {what} cannot be used with it. Use "
    "email_mode 'trustpager' to choose the recipient, subject and body.")


def _problem(field: str, message: str) -> PydanticCustomError:
    """A model-level error that still names its field (see parse_email_params)."""
    return PydanticCustomError("email_params", "{field}: {message}",
                               {"field": field, "message": message})


class EmailParams(BaseModel):
    """How (and whether) an invoice action emails the invoice; extra action keys are ignored."""

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"email_mode": "trustpager", "email_recipient_source": "primary_contact",
         "email_subject": "Invoice {{xero.invoice_number}} from {{company.name}}",
         "email_body": "Hi {{contact.first_name}},\n\nInvoice {{xero.invoice_number}} for "
                       "{{xero.total}} is due on {{xero.due_date}}.",
         "email_attach_pdf": True},
        {"email_mode": "xero"},
        {"email_mode": "trustpager", "email_recipient_source": "secondary_contact",
         "email_recipient_contact_id": "6f1c2d3e-4b5a-4c6d-8e7f-9a0b1c2d3e4f"}]})

    email_mode: EmailMode = Field(
        default="none", description="none: no email; xero: Xero's own Email endpoint (Xero's "
        "template, to the Xero contact); trustpager: a branded email with the PDF attached and "
        "a pay-now link, sent over SMTP (needs a default email configuration)")
    email_subject: Annotated[str, StringConstraints(max_length=MAX_SUBJECT)] | None = Field(
        default=None, description="Subject template, one line (merge tags such as "
        "{{xero.invoice_number}}); default: the email configuration's, else a built-in one. "
        "Templates are checked before anything is written to Xero (a bad one is a 422)")
    email_body: Annotated[str, StringConstraints(max_length=MAX_BODY)] | None = Field(
        default=None, description="Body template, plain text or simple HTML, with merge tags "
        "{{xero.invoice_number}}, {{xero.due_date}}, {{xero.total}}, {{company.name}}, "
        "{{contact.first_name}} …")
    email_attach_pdf: bool = Field(default=True, description="Attach the invoice PDF")
    email_recipient_source: RecipientSource = Field(
        default="primary_contact", description="primary_contact: the deal's primary contact; "
        "xero_contact: the Xero contact's EmailAddress; secondary_contact: the CRM contact "
        "email_recipient_contact_id")
    email_recipient_contact_id: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)] | None = \
        Field(default=None, description="crm_contacts.id; required for secondary_contact")
    email_recipient: Email | None = Field(
        default=None, description="An address that overrides the recipient source")

    @model_validator(mode="after")
    def _consistent(self) -> EmailParams:
        if self.email_recipient_source == "secondary_contact" \
                and not self.email_recipient_contact_id:
            raise _problem("email_recipient_contact_id",
                           "is required when email_recipient_source is 'secondary_contact' "
                           "(the crm_contacts.id of the person to email)")
        if self.email_mode == "xero":
            self._check_xero_mode()
        return self

    def _check_xero_mode(self) -> None:
        given = self.model_fields_set
        if self.email_recipient is not None:
            raise _problem("email_recipient", _XERO_ONLY_CONTACT.format(
                what="an email_recipient override"))
        if "email_recipient_source" in given and self.email_recipient_source != "xero_contact":
            raise _problem("email_recipient_source", _XERO_ONLY_CONTACT.format(
                what=f"email_recipient_source '{self.email_recipient_source}'"))
        for name in ("email_subject", "email_body"):
            if getattr(self, name) is not None:
                raise _problem(name, _XERO_ONLY_CONTACT.format(what=name))
        if not self.email_attach_pdf:
            raise _problem("email_attach_pdf", _XERO_ONLY_CONTACT.format(
                what="email_attach_pdf false"))


def parse_email_params(params: Mapping[str, Any]) -> EmailParams:
    """EmailParams from an action's params, a bad value being a 422 that names its field."""
    try:
        return EmailParams.model_validate(dict(params))
    except PydanticValidationError as exc:
        first = exc.errors()[0]
        context = first.get("ctx") or {}
        field = context.get("field") if first["type"] == "email_params" else None
        if field is None:
            field = ".".join(str(p) for p in first.get("loc", ())) or "params"
        message = str(context.get("message") or first.get("msg", "invalid value"))
        if not message.startswith(field):
            message = f"{field}: {message}"
        raise InputError(message, field=field,
                         details={"problems": [{"field": ".".join(map(str, e["loc"])) or field,
                                                "message": e["msg"]}
                                               for e in exc.errors()]}) from None


class EmailOutcome(BaseModel):
    """What happened to the invoice email (never holds a secret)."""

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"mode": "trustpager", "sent": True, "recipient": "jo@customer.example",
         "subject": "Invoice INV-0042 from Acme Pty Ltd",
         "message_id": "<173219.1.4242@acme.example>",
         "pay_url": "https://in.xero.com/aBcDeF", "attached_pdf": True},
        {"mode": "xero", "sent": True, "recipient": "accounts@customer.example",
         "subject": None, "message_id": None, "pay_url": None, "attached_pdf": False},
        {"mode": "none", "sent": False, "recipient": None, "subject": None,
         "message_id": None, "pay_url": None, "attached_pdf": False}]})

    mode: EmailMode
    sent: bool
    recipient: str | None = None
    subject: str | None = Field(default=None, description="The rendered subject (trustpager)")
    message_id: str | None = Field(default=None, description="The Message-ID header we sent")
    pay_url: str | None = Field(default=None, description="Xero's online invoice URL")
    attached_pdf: bool = Field(default=False, description="Whether we attached the PDF (Xero "
                               "decides for its own emails)")
