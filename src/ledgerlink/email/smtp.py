"""Sending one message over SMTP (smtplib in a worker thread), with errors in our error tree.

Postmark, SES and a local relay all speak this: STARTTLS on 587 when `smtp_starttls`, implicit
TLS on port 465, AUTH when a username is set. The password is only ever handed to smtplib;
smtplib's own debug output (which would show the AUTH exchange) stays off.
"""

from __future__ import annotations

import asyncio
import logging
import smtplib
import ssl
from dataclasses import dataclass, field
from email.message import EmailMessage

from pydantic import SecretStr

from ledgerlink.config import Settings
from ledgerlink.errors import ConfigurationError, InputError, ServerError, TransportError

log = logging.getLogger("ledgerlink.email.smtp")
IMPLICIT_TLS_PORT = 465


@dataclass(frozen=True)
class SmtpConfig:
    """Where and how to send; the password is a SecretStr so it never prints."""

    host: str
    port: int = 25
    username: str | None = None
    password: SecretStr | None = field(default=None, repr=False)
    starttls: bool = False
    timeout: float = 10.0

    @classmethod
    def from_settings(cls, settings: Settings) -> SmtpConfig | None:
        """The configured server, or None when LEDGERLINK_SMTP_HOST is not set."""
        if not settings.smtp_host:
            return None
        return cls(host=settings.smtp_host, port=settings.smtp_port,
                   username=settings.smtp_username or None, password=settings.smtp_password,
                   starttls=settings.smtp_starttls, timeout=settings.smtp_timeout)

    @property
    def where(self) -> str:
        """host:port, for messages."""
        return f"{self.host}:{self.port}"


async def send_message(config: SmtpConfig, message: EmailMessage) -> None:
    """Deliver one message to the SMTP server (it relays it), or raise from our error tree."""
    await asyncio.to_thread(_send, config, message)
    log.info("email handed to SMTP server %s: message %s to %s", config.where,
             message.get("Message-ID"), message.get("To"))


def _connect(config: SmtpConfig) -> smtplib.SMTP:
    if config.port == IMPLICIT_TLS_PORT:
        return smtplib.SMTP_SSL(config.host, config.port, timeout=config.timeout,
                                context=ssl.create_default_context())
    return smtplib.SMTP(config.host, config.port, timeout=config.timeout)


def _send(config: SmtpConfig, message: EmailMessage) -> None:
    try:
        with _connect(config) as smtp:
            smtp.ehlo()
            if config.starttls and config.port != IMPLICIT_TLS_PORT:
                smtp.starttls(context=ssl.create_default_context())
                smtp.ehlo()
            if config.username:
                secret = config.password.get_secret_value() if config.password else ""
                smtp.login(config.username, secret)
            smtp.send_message(message)
    except smtplib.SMTPRecipientsRefused as exc:
        refused = ", ".join(f"{address} ({code} {_text(reply)})"
                            for address, (code, reply) in exc.recipients.items())
        raise InputError(f"The SMTP server refused the recipient: {refused}",
                         field="email_recipient") from None
    except smtplib.SMTPAuthenticationError as exc:
        raise ConfigurationError(
            f"The SMTP server {config.where} refused the login ({exc.smtp_code}): check "
            "LEDGERLINK_SMTP_USERNAME and LEDGERLINK_SMTP_PASSWORD", field="smtp_username",
        ) from None
    except smtplib.SMTPNotSupportedError as exc:
        raise ConfigurationError(f"The SMTP server {config.where} does not support what was "
                                 f"asked of it: {exc}", field="smtp_starttls") from None
    except smtplib.SMTPResponseException as exc:
        raise ServerError(f"The SMTP server {config.where} refused the message: "
                          f"{exc.smtp_code} {_text(exc.smtp_error)}",
                          provider_status=exc.smtp_code) from None
    except smtplib.SMTPException as exc:
        raise ServerError(f"SMTP with {config.where} failed: {exc.__class__.__name__}: {exc}",
                          ) from None
    except (OSError, ssl.SSLError) as exc:
        raise TransportError(f"The SMTP server {config.where} could not be reached "
                             f"({exc.__class__.__name__}: {exc})") from None


def _text(reply: bytes | str) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
