"""Seeds: an empty organisation's defaults, and the demo business with 18 months of trading."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from ledgerlink.emulator.xero import seed_data as data
from ledgerlink.emulator.xero.models import (
    accounts,
    contacts,
    creditnotes,
    invoices,
    items,
    payments,
    repeating,
    settings,
)
from ledgerlink.emulator.xero.models.base import Org, Record

if TYPE_CHECKING:
    from ledgerlink.emulator.xero.state import Emulator

DEMO_ORG_NAME = "Harbourside Joinery Ltd"
DEMO_REDIRECTS = ["http://127.0.0.1:8000/oauth/callback", "http://localhost:8000/oauth/callback",
                  "http://127.0.0.1:8765/oauth/xero/callback"]
Step = tuple[datetime, int, Callable[[], Any]]


def seed_emulator(emu: Emulator, seed: str) -> None:
    """The default organisation and apps of a fresh emulator."""
    from ledgerlink.emulator.xero.state import DEMO_CLIENT_ID

    org = emu.create_org(DEMO_ORG_NAME if seed == "demo" else "My Organisation", "NZ", seed)
    emu.default_org = org
    emu.default_app = emu.register_app(
        name="ledgerlink demo", redirect_uris=list(DEMO_REDIRECTS), client_id=DEMO_CLIENT_ID)
    emu.custom_app = emu.register_app(name="ledgerlink custom connection",
                                      custom_org_id=org.tenant_id)


def seed_org(org: Org, seed: str) -> None:
    """Fill an organisation: `empty` has settings only, `demo` a trading history too."""
    _settings(org)
    if seed == "demo":
        saved = org.clock.offset
        try:
            DemoBuilder(org).build()
        finally:
            org.clock.offset = saved  # back to the time the caller had


def _settings(org: Org) -> None:
    created = org.now() - timedelta(days=900)
    org.info.update({
        "OrganisationID": org.tenant_id, "APIKey": org.ids.hex(15).upper(), "Name": org.name,
        "LegalName": org.name, "PaysTax": True, "Version": "NZ", "OrganisationType": "COMPANY",
        "OrganisationEntityType": "COMPANY", "BaseCurrency": org.base_currency,
        "CountryCode": org.country, "IsDemoCompany": False, "OrganisationStatus": "ACTIVE",
        "RegistrationNumber": "1234567", "TaxNumber": "111-222-333",
        "FinancialYearEndDay": 31, "FinancialYearEndMonth": 3, "SalesTaxBasis": "INVOICE",
        "SalesTaxPeriod": "TWOMONTHS", "DefaultSalesTax": "Tax Exclusive",
        "DefaultPurchasesTax": "Tax Inclusive", "CreatedDateUTC": created,
        "Timezone": "NEWZEALANDSTANDARDTIME", "ShortCode": org.short_code, "Class": "PREMIUM",
        "Edition": "BUSINESS", "LineOfBusiness": "Joinery",
        "Addresses": [{"AddressType": "STREET", "AddressLine1": "12 Wharf Road",
                       "City": "Wellington", "PostalCode": "6011", "Country": "New Zealand"}],
        "Phones": [{"PhoneType": "OFFICE", "PhoneNumber": "4990000", "PhoneAreaCode": "04",
                    "PhoneCountryCode": "64"}],
        "ExternalLinks": [],
        "PaymentTerms": {"Sales": {"Day": 20, "Type": "OFFOLLOWINGMONTH"},
                         "Bills": {"Day": 20, "Type": "OFFOLLOWINGMONTH"}},
    })
    for name, tax_type, rate, report in data.TAX_RATES:
        settings.new_tax_rate(org, name, tax_type, rate, report)
    for code, name, acc_type, system, tax in data.CHART:
        record = accounts.create_account(org, {"Code": code, "Name": name, "Type": acc_type,
                                               "TaxType": tax})
        if system:
            record["SystemAccount"] = system
        if code == "090":
            record["BankAccountNumber"] = "12-3456-0123456-00"
    org.currencies[org.base_currency] = {"Code": org.base_currency,
                                         "Description": "New Zealand Dollar"}


class DemoBuilder:
    """Builds the demo trading history in date order so timestamps look real."""

    def __init__(self, org: Org) -> None:
        self.org = org
        self.rng = random.Random(f"demo:{org.tenant_id}")
        self.today = org.today()
        self.start = self.today - timedelta(days=540)
        self.steps: list[Step] = []
        self.customers: list[Record] = []
        self.suppliers: list[Record] = []
        self.recent = 0

    def build(self) -> None:
        """Contacts, items, then every document event in time order."""
        self._at(self.start - timedelta(days=30))
        self._contacts()
        self._items()
        self._plan_sales()
        self._plan_bills()
        self._plan_credit_notes()
        for when, _, action in sorted(self.steps, key=lambda s: (s[0], s[1])):
            self._at_time(when)
            action()
        self._at(self.today - timedelta(days=3))
        self._repeating()

    # ---- time ---------------------------------------------------------------------------
    def _at(self, day: date) -> None:
        self._at_time(datetime.combine(day, time(9), tzinfo=UTC))

    def _at_time(self, when: datetime) -> None:
        self.org.clock.set(when)

    def _step(self, day: date, action: Callable[[], Any]) -> None:
        hour = self.rng.randint(8, 17)
        minute = self.rng.randint(0, 59)
        when = datetime.combine(min(day, self.today), time(hour, minute), tzinfo=UTC)
        self.steps.append((when, len(self.steps), action))

    # ---- reference data -----------------------------------------------------------------
    def _contacts(self) -> None:
        for index, name in enumerate(data.CUSTOMERS + data.SUPPLIERS):
            first = self.rng.choice(data.FIRST_NAMES)
            last = self.rng.choice(data.LAST_NAMES)
            city, region, postcode = self.rng.choice(data.CITIES)
            slug = "".join(ch for ch in name.lower() if ch.isalnum())[:16]
            record = contacts.create_contact(self.org, {
                "Name": name, "FirstName": first, "LastName": last,
                "EmailAddress": f"{first.lower()}@{slug}.co.nz",
                "ContactNumber": f"C{index + 1:04d}", "AccountNumber": f"ACC{index + 1:03d}",
                "Addresses": [{"AddressType": "STREET", "AddressLine1":
                               f"{self.rng.randint(1, 240)} {self.rng.choice(data.STREETS)}",
                               "City": city, "Region": region, "PostalCode": postcode,
                               "Country": "New Zealand"},
                              {"AddressType": "POBOX", "AddressLine1":
                               f"PO Box {self.rng.randint(100, 9999)}", "City": city,
                               "PostalCode": postcode, "Country": "New Zealand"}],
                "Phones": [{"PhoneType": "DEFAULT", "PhoneNumber":
                            f"{self.rng.randint(3000000, 9999999)}", "PhoneAreaCode": "04",
                            "PhoneCountryCode": "64"},
                           {"PhoneType": "MOBILE", "PhoneNumber":
                            f"{self.rng.randint(2000000, 9999999)}", "PhoneAreaCode": "021",
                            "PhoneCountryCode": "64"}],
            })
            (self.customers if name in data.CUSTOMERS else self.suppliers).append(record)

    def _items(self) -> None:
        for code, name, sale, buy in data.ITEMS:
            element: Record = {"Code": code, "Name": name, "Description": name,
                               "SalesDetails": {"UnitPrice": sale, "AccountCode": "200",
                                                "TaxType": "OUTPUT2"}}
            if Decimal(buy):
                element["PurchaseDescription"] = name
                element["PurchaseDetails"] = {"UnitPrice": buy, "AccountCode": "300",
                                              "TaxType": "INPUT2"}
            else:
                element["IsPurchased"] = False
            items.create_item(self.org, element)

    # ---- documents ----------------------------------------------------------------------
    def _sales_lines(self) -> list[Record]:
        picks = self.rng.sample(data.ITEMS, self.rng.randint(1, 4))
        return [{"ItemCode": code, "Quantity": self.rng.choice([1, 1, 2, 3, 4, 6, 10]),
                 "Description": name} for code, name, _, _ in picks]

    def _plan_sales(self) -> None:
        span = (self.today - self.start).days
        for n in range(170):
            day = self.start + timedelta(days=int(span * n / 170) + self.rng.randint(0, 2))
            day = min(day, self.today)
            self._plan_invoice("ACCREC", self.rng.choice(self.customers), day,
                               self._sales_lines())

    def _plan_bills(self) -> None:
        span = (self.today - self.start).days
        accounts_by_supplier = dict(data.EXPENSE_ACCOUNTS)
        for n in range(80):
            day = self.start + timedelta(days=int(span * n / 80) + self.rng.randint(0, 3))
            day = min(day, self.today)
            supplier = self.rng.choice(self.suppliers)
            amount = Decimal(self.rng.randint(4000, 250000)) / 100
            lines = [{"Description": f"{supplier['Name']} - monthly account",
                      "Quantity": 1, "UnitAmount": str(amount),
                      "AccountCode": accounts_by_supplier[supplier["Name"]]}]
            self._plan_invoice("ACCPAY", supplier, day, lines)

    def _status_for(self, age: int) -> str:
        roll = self.rng.random()
        if roll < 0.03:
            return "VOIDED"
        if roll < 0.05:
            return "DELETED"
        if age < 60:
            # Recent work cycles through the approval stages so every status is present.
            self.recent += 1
            return ("DRAFT", "AUTHORISED", "SUBMITTED", "AUTHORISED", "AUTHORISED")[
                self.recent % 5]
        return "AUTHORISED"

    def _plan_invoice(self, kind: str, contact: Record, day: date, lines: list[Record]) -> None:
        age = (self.today - day).days
        status = self._status_for(age)
        terms = self.rng.choice([7, 14, 20, 30])
        element: Record = {"Type": kind, "Contact": {"ContactID": contact["ContactID"]},
                           "Date": day.isoformat(),
                           "DueDate": (day + timedelta(days=terms)).isoformat(),
                           "LineAmountTypes": "Inclusive" if self.rng.random() < 0.2
                           else "Exclusive", "LineItems": lines,
                           "Status": "DRAFT" if status in ("DRAFT", "DELETED") else
                           ("SUBMITTED" if status == "SUBMITTED" else "AUTHORISED")}
        if kind == "ACCPAY":
            prefix = contact["Name"][:3].upper()
            element["InvoiceNumber"] = f"{prefix}-{self.rng.randint(1000, 99999)}"
        else:
            element["Reference"] = f"Job {self.rng.randint(100, 999)}"
        holder: dict[str, Record] = {}
        self._step(day, lambda: holder.__setitem__("inv", invoices.create_invoice(
            self.org, element)))
        if status in ("VOIDED", "DELETED"):
            self._step(day + timedelta(days=2), lambda: invoices.update_invoice(
                self.org, holder["inv"], {"Status": status}))
        elif status == "AUTHORISED":
            self._plan_payments(holder, day, terms, age)

    def _plan_payments(self, holder: dict[str, Record], day: date, terms: int, age: int) -> None:
        # Old invoices are mostly settled; a tail stays unpaid to fill every ageing bucket.
        roll = self.rng.random()
        paid_share = 0.9 if age > 120 else 0.55 if age > 45 else 0.25
        if roll < paid_share:
            pay_day = day + timedelta(days=self.rng.randint(3, terms + 25))
            if pay_day <= self.today:
                self._step(pay_day, lambda: self._pay(holder["inv"], None, pay_day))
        elif roll < paid_share + 0.12:
            pay_day = day + timedelta(days=self.rng.randint(3, terms + 10))
            if pay_day <= self.today:
                self._step(pay_day, lambda: self._pay(holder["inv"], Decimal("0.4"), pay_day))

    def _pay(self, invoice: Record, share: Decimal | None, day: date) -> None:
        if invoice["Status"] != "AUTHORISED" or invoice["AmountDue"] <= 0:
            return
        amount = invoice["AmountDue"] if share is None else \
            (invoice["AmountDue"] * share).quantize(Decimal("0.01"))
        payments.create_payment(self.org, {
            "Invoice": {"InvoiceID": invoice["InvoiceID"]}, "Account": {"Code": "090"},
            "Date": day.isoformat(), "Amount": str(amount),
            "Reference": f"Payment {invoice.get('InvoiceNumber') or ''}".strip()})

    def _plan_credit_notes(self) -> None:
        for n in range(14):
            kind = "ACCRECCREDIT" if n < 10 else "ACCPAYCREDIT"
            day = self.today - timedelta(days=self.rng.randint(5, 400))
            self._step(day, self._credit_action(kind, day))

    def _credit_action(self, kind: str, day: date) -> Callable[[], None]:
        return lambda: self._credit(kind, day)

    def _credit(self, kind: str, day: date) -> None:
        doc_type = "ACCREC" if kind == "ACCRECCREDIT" else "ACCPAY"
        open_docs = [i for i in self.org.invoices.values() if i["Type"] == doc_type and
                     i["Status"] == "AUTHORISED" and i["AmountDue"] > 20]
        contact = self.rng.choice(open_docs)["Contact"] if open_docs else \
            (self.customers[0] if doc_type == "ACCREC" else self.suppliers[0])
        amount = Decimal(self.rng.randint(2000, 30000)) / 100
        note = creditnotes.create_credit_note(self.org, {
            "Type": kind, "Contact": {"ContactID": contact["ContactID"]}, "Date": day.isoformat(),
            "Status": "AUTHORISED", "LineItems": [{
                "Description": "Credit for returned goods", "Quantity": 1,
                "UnitAmount": str(amount),
                "AccountCode": "200" if doc_type == "ACCREC" else "300"}]})
        target = next((i for i in open_docs if i["Contact"]["ContactID"] == contact["ContactID"]
                       and i["AmountDue"] >= note["Total"]), None)
        if target is not None and self.rng.random() < 0.7:
            creditnotes.allocate(self.org, note["CreditNoteID"], {
                "Amount": str(note["Total"]), "Invoice": {"InvoiceID": target["InvoiceID"]},
                "Date": day.isoformat()})

    def _repeating(self) -> None:
        plans = [("MONTHLY", 1, "AUTHORISED", True), ("MONTHLY", 3, "AUTHORISED", False),
                 ("WEEKLY", 2, "DRAFT", False), ("MONTHLY", 12, "AUTHORISED", True)]
        for unit, period, status, send in plans:
            customer = self.rng.choice(self.customers)
            repeating.create_repeating_invoice(self.org, {
                "Type": "ACCREC", "Contact": {"ContactID": customer["ContactID"]},
                "Status": status, "ApprovedForSending": send, "SendCopy": send,
                "IncludePDF": send, "Reference": "Maintenance plan",
                "Schedule": {"Period": period, "Unit": unit, "DueDate": 20,
                             "DueDateType": "OFFOLLOWINGMONTH",
                             "StartDate": (self.today + timedelta(days=7)).isoformat()},
                "LineItems": [{"ItemCode": "REP-CALL", "Quantity": 1},
                              {"ItemCode": "FIN-OIL", "Quantity": 1}]})
