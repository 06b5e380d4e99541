"""What the connect flows take and answer; no secret is ever part of an answer."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator

GUID_PATTERN = r"^[0-9A-Fa-f]{8}-?[0-9A-Fa-f]{4}-?[0-9A-Fa-f]{4}-?[0-9A-Fa-f]{4}-?[0-9A-Fa-f]{12}$"


class PatConnection(BaseModel):
    """A personal access token pasted with the organisation it was generated for."""

    model_config = ConfigDict(extra="forbid")

    tenant_id: str = Field(pattern=GUID_PATTERN, description="The Xero organisation (tenant) id")
    token: SecretStr = Field(min_length=16, max_length=4096)

    @field_validator("tenant_id")
    @classmethod
    def _canonical(cls, value: str) -> str:
        # Xero's form: lower case with hyphens, so one organisation is one integration.
        digits = value.replace("-", "").lower()
        return "-".join((digits[:8], digits[8:12], digits[12:16], digits[16:20], digits[20:]))


class CustomConnection(BaseModel):
    """A Xero custom connection's app credentials (client-credentials grant, one organisation)."""

    model_config = ConfigDict(extra="forbid")

    client_id: str = Field(min_length=1, max_length=200, pattern=r"^\S+$")
    client_secret: SecretStr = Field(min_length=1, max_length=500)


class Started(BaseModel):
    """An authorization under way: send the browser to `authorize_url`."""

    authorization_id: str
    authorize_url: str
    expires_at: datetime


class ConnectedIntegration(BaseModel):
    """An integration a flow made or revived (`revived`: it existed, same id and data)."""

    id: str
    name: str
    tenant_id: str
    tenant_name: str | None
    status: str
    connection_kind: str
    revived: bool


class Connected(BaseModel):
    """The flow finished: these integrations are active."""

    kind: Literal["connected"] = "connected"
    integrations: list[ConnectedIntegration]


class Organisation(BaseModel):
    """One organisation a consent covered, offered for the person to choose."""

    tenant_id: str
    tenant_name: str | None
    tenant_type: str
    integration_id: str | None = None  # the existing integration of this organisation
    integration_status: str | None = None


class AwaitingChoice(BaseModel):
    """The consent covered several organisations: the person chooses which become integrations
    (pass `authorization_id` and the chosen tenant ids to `service.complete`)."""

    kind: Literal["choose"] = "choose"
    authorization_id: str
    organisations: list[Organisation]
    expires_at: datetime


class FailureReason(StrEnum):
    """Why a callback connected nothing."""

    DENIED = "access_denied"
    XERO_ERROR = "xero_error"
    MISSING_PARAMETERS = "missing_parameters"
    UNKNOWN_STATE = "unknown_state"
    REPLAYED_STATE = "replayed_state"
    OTHER_BROWSER = "other_browser"
    EXPIRED = "expired"
    CODE_REFUSED = "code_refused"
    APP_CREDENTIALS = "app_credentials"
    XERO_UNAVAILABLE = "xero_unavailable"
    NO_ORGANISATION = "no_organisation"
    WRONG_ORGANISATION = "wrong_organisation"


_START_AGAIN = ("Start connecting again from the console's Connect Xero page "
               "(/console/connect).")
# reason: (what happened, what to do, the page's HTTP status)
_FAILURES: dict[FailureReason, tuple[str, str, int]] = {
    FailureReason.DENIED: (
        "You declined to give ledgerlink access to Xero, so nothing was connected.",
        "To connect, start again from the console's Connect Xero page (/console/connect) "
        "and choose Allow access on Xero's page.", 400),
    FailureReason.XERO_ERROR: (
        "Xero ended the sign-in with an error ({detail}), so nothing was connected.",
        _START_AGAIN + " If it happens again, an administrator should check the Xero app's "
        "redirect URI and scopes in Xero's developer portal.", 400),
    FailureReason.MISSING_PARAMETERS: (
        "This page was opened without the code and state Xero sends back after a sign-in.",
        _START_AGAIN + " Do not open this address directly.", 400),
    FailureReason.UNKNOWN_STATE: (
        "This sign-in was not started by ledgerlink (its state is unknown), so it was refused.",
        _START_AGAIN + " If you did not start a connection, close this page.", 400),
    FailureReason.REPLAYED_STATE: (
        "This sign-in was already used; each one works once, so it was refused.",
        "If the organisation is not connected yet, start connecting again from the "
        "console's Connect Xero page (/console/connect).", 400),
    FailureReason.OTHER_BROWSER: (
        "This sign-in was started in another browser or session, so it was refused.",
        "Start connecting again in this browser, from the console's Connect Xero page "
        "(/console/connect).", 400),
    FailureReason.EXPIRED: (
        "This sign-in took too long and expired before Xero sent you back.",
        _START_AGAIN + " Finish the steps on Xero's pages within {detail} minutes.", 400),
    FailureReason.CODE_REFUSED: (
        "Xero refused the sign-in code: codes work once and expire after a few minutes.",
        _START_AGAIN, 400),
    FailureReason.APP_CREDENTIALS: (
        "Xero rejected this hub's app credentials (client id or client secret).",
        "An administrator should compare LEDGERLINK_XERO_CLIENT_ID and "
        "LEDGERLINK_XERO_CLIENT_SECRET with the app in Xero's developer portal, then start "
        "connecting again.", 502),
    FailureReason.XERO_UNAVAILABLE: (
        "Xero could not be reached, or failed, while finishing the sign-in.",
        "Wait a minute, then start connecting again from the console's Connect Xero page "
        "(/console/connect).", 502),
    FailureReason.NO_ORGANISATION: (
        "The consent connected no organisation.",
        _START_AGAIN + " Tick at least one organisation on Xero's page.", 400),
    FailureReason.WRONG_ORGANISATION: (
        "You were reconnecting {detail}, but the consent did not include that organisation. "
        "An integration is never moved to another organisation, so nothing was changed.",
        "Start reconnecting again and tick {detail} on Xero's page.", 400),
}


class Failure(BaseModel):
    """The callback connected nothing: what happened and what to do."""

    kind: Literal["failed"] = "failed"
    reason: FailureReason
    message: str
    what_to_do: str
    status: int  # the HTTP status of the page that says so

    @classmethod
    def of(cls, reason: FailureReason, detail: str = "") -> Failure:
        """The failure for a reason; `detail` fills the message's blank (never a secret)."""
        message, what_to_do, status = _FAILURES[reason]
        return cls(reason=reason, message=message.replace("{detail}", detail),
                   what_to_do=what_to_do.replace("{detail}", detail), status=status)


CallbackOutcome = Connected | AwaitingChoice | Failure


class Disconnected(BaseModel):
    """What disconnecting did; the integration keeps its configuration and history."""

    integration_id: str
    status: str
    disconnected_at: datetime | None
    xero_connection_removed: bool  # DELETE /connections/{id} for its organisation
    token_revoked: bool  # the refresh token revoked at Xero
    note: str | None = None  # why something was not done at Xero
