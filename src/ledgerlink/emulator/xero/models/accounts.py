"""Chart of accounts: create, update, archive and delete with Xero's rules."""

from __future__ import annotations

from typing import Any

from ledgerlink.emulator.xero.errors import NotFound, ValidationException
from ledgerlink.emulator.xero.models.base import ElementError, Org, Record, find_key, flag, text

CLASS_OF_TYPE = {
    "BANK": "ASSET", "CURRENT": "ASSET", "FIXED": "ASSET", "INVENTORY": "ASSET",
    "NONCURRENT": "ASSET", "PREPAYMENT": "ASSET",
    "CURRLIAB": "LIABILITY", "LIABILITY": "LIABILITY", "TERMLIAB": "LIABILITY",
    "PAYG": "LIABILITY", "PAYGLIABILITY": "LIABILITY", "SUPERANNUATIONLIABILITY": "LIABILITY",
    "WAGESPAYABLELIABILITY": "LIABILITY",
    "DEPRECIATN": "EXPENSE", "DIRECTCOSTS": "EXPENSE", "EXPENSE": "EXPENSE",
    "OVERHEADS": "EXPENSE", "SUPERANNUATIONEXPENSE": "EXPENSE", "WAGESEXPENSE": "EXPENSE",
    "EQUITY": "EQUITY",
    "OTHERINCOME": "REVENUE", "REVENUE": "REVENUE", "SALES": "REVENUE",
}
BANK_ACCOUNT_TYPES = {"BANK", "CREDITCARD", "PAYPAL", "NONE", ""}
STATUSES = {"ACTIVE", "ARCHIVED", "DELETED"}


def default_tax_for(org: Org, account_class: str) -> str:
    """The tax type a new account of this class starts with."""
    wanted = {"REVENUE": "OUTPUT2", "EXPENSE": "INPUT2"}.get(account_class)
    if wanted and org.tax_rate(wanted) is not None:
        return wanted
    return "NONE"


def _unique(org: Org, account_id: str | None, code: str | None, name: str | None) -> None:
    for other in org.accounts.values():
        if other["AccountID"] == account_id or other.get("Status") == "DELETED":
            continue
        if code and str(other.get("Code", "")).upper() == code.upper():
            raise ElementError("Please enter a unique Code.")
        if name and str(other.get("Name", "")).lower() == name.lower():
            raise ElementError("Please enter a unique Name.")


def _apply(org: Org, acc: Record, element: Record, creating: bool) -> None:
    code = text(find_key(element, "Code"), "Code", 10)
    name = text(find_key(element, "Name"), "Name", 150)
    acc_type = find_key(element, "Type")
    if creating and not name:
        raise ElementError("Please enter a Name.")
    if creating and not acc_type:
        raise ElementError("Please select an Account Type.")
    if acc_type is not None:
        acc_type = str(acc_type).upper()
        if acc_type not in CLASS_OF_TYPE:
            raise ElementError(f"Account Type '{acc_type}' is not valid.")
        if acc.get("SystemAccount") and acc.get("Type") != acc_type:
            raise ElementError("The type of a system account cannot be changed.")
        acc["Type"] = acc_type
        acc["Class"] = CLASS_OF_TYPE[acc_type]
    _unique(org, acc.get("AccountID"), code, name)
    if code is not None:
        acc["Code"] = code
    if name is not None:
        acc["Name"] = name
    for field in ("Description", "BankAccountNumber", "CurrencyCode", "ReportingCode"):
        value = find_key(element, field)
        if value is not None:
            acc[field] = text(value, field, 4000)
    tax = find_key(element, "TaxType")
    if tax is not None:
        if str(tax).upper() != "NONE" and org.tax_rate(str(tax)) is None:
            raise ElementError(f"The TaxType code '{tax}' does not exist or cannot be used.")
        acc["TaxType"] = str(tax)
    bank_type = find_key(element, "BankAccountType")
    if bank_type is not None:
        if str(bank_type).upper() not in BANK_ACCOUNT_TYPES:
            raise ElementError(f"BankAccountType '{bank_type}' is not valid.")
        acc["BankAccountType"] = str(bank_type).upper()
    for field in ("EnablePaymentsToAccount", "ShowInExpenseClaims", "AddToWatchlist"):
        value = find_key(element, field)
        if value is not None:
            acc[field] = flag(value, field)
    status = find_key(element, "Status")
    if status is not None:
        _set_status(org, acc, str(status).upper())


def _set_status(org: Org, acc: Record, status: str) -> None:
    if status not in STATUSES:
        raise ElementError(f"Status '{status}' is not valid for an account.")
    if status != "ACTIVE" and acc.get("SystemAccount"):
        raise ElementError("System accounts cannot be archived or deleted.")
    if status == "DELETED" and account_in_use(org, acc["AccountID"]):
        raise ElementError("This account has transactions and cannot be deleted. "
                           "Archive it instead.")
    acc["Status"] = status


def account_in_use(org: Org, account_id: str) -> bool:
    """Whether any document posts to the account (then it may only be archived)."""
    acc = org.accounts[account_id]
    code = acc.get("Code")
    for doc in (*org.invoices.values(), *org.credit_notes.values()):
        for line in doc.get("LineItems", []):
            if line.get("AccountID") == account_id or (code and line.get("AccountCode") == code):
                return True
    return any(p.get("Account", {}).get("AccountID") == account_id
               for p in org.payments.values())


def create_account(org: Org, element: Record) -> Record:
    """PUT /Accounts: a single account, unwrapped."""
    acc: Record = {"AccountID": org.new_id(), "Status": "ACTIVE", "EnablePaymentsToAccount": False,
                   "ShowInExpenseClaims": False, "HasAttachments": False,
                   "AddToWatchlist": False}
    _apply(org, acc, element, creating=True)
    acc.setdefault("Code", "")
    acc.setdefault("TaxType", default_tax_for(org, acc["Class"]))
    if acc["Type"] == "BANK":
        acc.setdefault("BankAccountType", "BANK")
        acc.setdefault("CurrencyCode", org.base_currency)
        acc["EnablePaymentsToAccount"] = True
    else:
        acc.setdefault("BankAccountType", "")
    acc["ReportingCode"] = acc.get("ReportingCode") or acc["Class"][:3]
    acc["UpdatedDateUTC"] = org.now()
    return org.put("accounts", acc["AccountID"], acc)


def get_account(org: Org, account_id: str) -> Record:
    """GET /Accounts/{AccountID}; deleted accounts are gone."""
    acc = org.accounts.get(account_id)
    if acc is None or acc.get("Status") == "DELETED":
        raise NotFound()
    return acc


def update_account(org: Org, account_id: str, element: Record) -> Record:
    """POST /Accounts/{AccountID}: change fields, archive (Status ARCHIVED) or restore."""
    acc = get_account(org, account_id)
    org.remember("accounts", account_id)
    try:
        _apply(org, acc, element, creating=False)
    except ElementError as exc:
        raise ValidationException.single(exc.messages[0], {**acc}) from None
    acc["UpdatedDateUTC"] = org.now()
    return acc


def delete_account(org: Org, account_id: str) -> Record:
    """DELETE /Accounts/{AccountID}: only accounts with no transactions."""
    acc = get_account(org, account_id)
    try:
        _set_status(org, acc, "DELETED")
    except ElementError as exc:
        raise ValidationException.single(exc.messages[0], {**acc}) from None
    acc["UpdatedDateUTC"] = org.now()
    return acc


def list_accounts(org: Org) -> list[Record]:
    """Every account that is not deleted, in chart order (by code)."""
    return sorted((a for a in org.accounts.values() if a.get("Status") != "DELETED"),
                  key=lambda a: (str(a.get("Code") or "~"), str(a.get("Name"))))


def system_account(org: Org, name: str) -> Record:
    """A system account by SystemAccount code; the seed always creates them."""
    acc = org.account_by_type(name)
    if acc is None:
        raise ValidationException.single(f"The organisation has no {name} account")
    return acc


def account_ref(element: Any, org: Org) -> Record | None:
    """Resolve `{"AccountID": …}` or `{"Code": …}` to an account."""
    if not isinstance(element, dict):
        return None
    account_id = find_key(element, "AccountID")
    if account_id:
        from ledgerlink.emulator.xero.wire import parse_guid

        acc = org.accounts.get(parse_guid(account_id) or "")
        if acc is not None and acc.get("Status") != "DELETED":
            return acc
        return None
    return org.account_by_code(find_key(element, "Code"))
