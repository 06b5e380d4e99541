"""The email fields of an invoice action (`email_mode` …) and what sending them did."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ledgerlink.crm.types import BodyTemplate, Email, SubjectTemplate
from ledgerlink.errors import conflicting_input
from ledgerlink.examples import SECONDARY_CONTACT_ID
from ledgerlink.inputs import Uuid

EmailMode = Literal["none", "xero", "trustpager"]
RecipientSource = Literal["primary_contact", "xero_contact", "secondary_contact"]
XeroContactChange = Literal["contact_person_added", "contact_person_included",
                            "email_address_set"]
_XERO_DECIDES = (
    "email_mode 'xero' sends through Xero's own Email endpoint, which takes no options: Xero "
    "writes the email from the organisation's invoice email template (set in Xero) and always "
    "attaches the invoice, so {what} cannot be honoured. Leave it out, or use email_mode "
    "'trustpager' to write the subject and body yourself.")


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
         "email_recipient_contact_id": SECONDARY_CONTACT_ID}]})

    email_mode: EmailMode = Field(
        default="none", description="none: no email; xero: Xero's own Email endpoint (Xero's "
        "template, to the Xero contact and its contact persons marked IncludeInEmails; the "
        "recipient chosen below is made one of them first); trustpager: a branded email with "
        "the PDF attached and a pay-now link, sent over SMTP (needs a default email "
        "configuration). Xero emails only approved invoices: a create action without a status "
        "approves the invoice (AUTHORISED) when an email is asked for")
    email_subject: SubjectTemplate | None = Field(
        default=None, description="Subject template, one line (merge tags such as "
        "{{xero.invoice_number}}); default: the email configuration's, else a built-in one. "
        "Templates are checked before anything is written to Xero (a bad one is a 422). "
        "trustpager only: Xero's Email endpoint takes no subject")
    email_body: BodyTemplate | None = Field(
        default=None, description="Body template, plain text or simple HTML, with merge tags "
        "{{xero.invoice_number}}, {{xero.due_date}}, {{xero.total}}, {{company.name}}, "
        "{{contact.first_name}} …; trustpager only: Xero's Email endpoint takes no body")
    email_attach_pdf: bool = Field(default=True, description="Attach the invoice PDF "
                                   "(trustpager; Xero always attaches it to its own emails)")
    email_recipient_source: RecipientSource = Field(
        default="primary_contact", description="primary_contact: the deal's primary contact; "
        "xero_contact: the Xero contact's EmailAddress; secondary_contact: the CRM contact "
        "email_recipient_contact_id. With email_mode xero the address is added to the Xero "
        "contact as a contact person included in emails when Xero would not email it "
        "otherwise (reported in the result)")
    email_recipient_contact_id: Uuid | None = Field(
        default=None, description="crm_contacts.id; required for secondary_contact")
    email_recipient: Email | None = Field(
        default=None, description="An address that overrides the recipient source")

    @model_validator(mode="after")
    def _consistent(self) -> EmailParams:
        if self.email_recipient_source == "secondary_contact" \
                and self.email_recipient_contact_id is None:
            raise conflicting_input("email_recipient_contact_id",
                                    "is required when email_recipient_source is "
                                    "'secondary_contact' (the crm_contacts.id of the person "
                                    "to email)")
        if self.email_mode == "xero":
            for name in ("email_subject", "email_body"):
                if getattr(self, name) is not None:
                    raise conflicting_input(name, _XERO_DECIDES.format(what=f"a {name}"))
            if not self.email_attach_pdf:
                raise conflicting_input("email_attach_pdf", _XERO_DECIDES.format(
                    what="email_attach_pdf false"))
        return self


class EmailOutcome(BaseModel):
    """What happened to the invoice email (never holds a secret)."""

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"mode": "trustpager", "sent": True, "recipient": "jo@customer.example",
         "recipients": ["jo@customer.example"],
         "subject": "Invoice INV-0042 from Acme Pty Ltd",
         "message_id": "<173219.1.4242@acme.example>",
         "pay_url": "https://in.xero.com/aBcDeF", "attached_pdf": True,
         "xero_contact_change": None},
        {"mode": "xero", "sent": True, "recipient": "jo@customer.example",
         "recipients": ["accounts@customer.example", "jo@customer.example"],
         "subject": None, "message_id": None, "pay_url": None, "attached_pdf": False,
         "xero_contact_change": "contact_person_added"},
        {"mode": "none", "sent": False, "recipient": None, "recipients": [], "subject": None,
         "message_id": None, "pay_url": None, "attached_pdf": False,
         "xero_contact_change": None}]})

    mode: EmailMode
    sent: bool
    recipient: str | None = Field(default=None, description="The recipient chosen by "
                                  "email_recipient_source (or email_recipient)")
    recipients: list[str] = Field(default_factory=list, description="Every address the email "
                                  "went to (xero: the Xero contact's EmailAddress and its "
                                  "contact persons marked IncludeInEmails)")
    subject: str | None = Field(default=None, description="The rendered subject (trustpager)")
    message_id: str | None = Field(default=None, description="The Message-ID header we sent")
    pay_url: str | None = Field(default=None, description="Xero's online invoice URL")
    attached_pdf: bool = Field(default=False, description="Whether we attached the PDF (Xero "
                               "decides for its own emails)")
    xero_contact_change: XeroContactChange | None = Field(
        default=None, description="email_mode xero: what was changed on the Xero contact so "
        "that Xero's email reaches the recipient: a contact person added with IncludeInEmails, "
        "an existing contact person included in emails, or the contact's EmailAddress set "
        "(it had none, and Xero adds no people to a contact without one)")
