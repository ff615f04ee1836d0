"""Building messages and handing them to any SMTP server (``SMTP_*`` settings).

Every mail has a Message-ID on the site's domain, and every mail to a subscriber has
``List-Unsubscribe`` with a signed HTTPS link plus ``List-Unsubscribe-Post:
List-Unsubscribe=One-Click`` (RFC 8058), so a mail client can unsubscribe in one click.
Addresses and names go through ``email.headerregistry.Address``: a name can never add a
header, whatever characters it holds.
"""

from __future__ import annotations

import re
import smtplib
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formataddr, make_msgid, parseaddr
from typing import Any
from urllib.parse import urlsplit

from flask import current_app

SECURITY_MODES = ("starttls", "tls", "none")
# Control characters (CR and LF among them) never reach a header.
CONTROL_RE = re.compile(r"[\x00-\x1f\x7f]+")
# A pragmatic address check: one @, no spaces or controls, a dotted domain.
ADDRESS_RE = re.compile(r"^[^@\s\x00-\x1f\x7f\"(),:;<>\[\]\\]{1,64}@"
                        r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?"
                        r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?)+$")


class MailConfigError(RuntimeError):
    """The SMTP settings are missing or wrong; the message says which."""


def clean_name(name: str, limit: int = 100) -> str:
    """A display name safe for a header and a page: controls become spaces, trimmed."""
    return " ".join(CONTROL_RE.sub(" ", name or "").split())[:limit]


def normalise_address(raw: str) -> str | None:
    """``raw`` as a lower-cased address, or None when it is not one we can send to."""
    address = (raw or "").strip().lower()
    if len(address) > 254 or not address.isascii() or not ADDRESS_RE.match(address):
        return None
    return address


def sender() -> tuple[str, str]:
    """(display name, address) of ``SMTP_FROM``; ``MailConfigError`` when unset or bad."""
    config = current_app.config
    name, address = parseaddr(config.get("SMTP_FROM") or "")
    if not normalise_address(address):
        raise MailConfigError("Set SMTP_FROM to the address mails come from, for example "
                              "'Blog <blog@example.com>'.")
    return clean_name(name) or clean_name(config.get("SITE_TITLE", "")), address


def site_domain() -> str:
    base = current_app.config.get("SITE_URL") or "http://localhost"
    return urlsplit(base).hostname or "localhost"


@dataclass
class Mail:
    """One message's parts. ``unsubscribe_url`` adds the List-Unsubscribe headers."""

    to_address: str
    subject: str
    text: str
    html: str | None = None
    to_name: str = ""
    unsubscribe_url: str | None = None
    message_id: str | None = None


def build_message(mail: Mail) -> EmailMessage:
    """The RFC 5322 message for ``mail``: a plain-text part, and an HTML alternative."""
    message = EmailMessage()
    from_name, from_address = sender()
    message["From"] = formataddr((from_name, from_address))
    local, _, domain = mail.to_address.partition("@")
    message["To"] = Address(display_name=clean_name(mail.to_name), username=local,
                            domain=domain)
    message["Subject"] = clean_name(mail.subject, 300)
    message["Message-ID"] = mail.message_id or make_msgid(domain=site_domain())
    message["Date"] = _now_header()
    if mail.unsubscribe_url:
        message["List-Unsubscribe"] = f"<{mail.unsubscribe_url}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        message["List-Id"] = f"{clean_name(current_app.config.get('SITE_TITLE', ''))} " \
                             f"<newsletter.{site_domain()}>"
    message.set_content(mail.text)
    if mail.html is not None:
        message.add_alternative(mail.html, subtype="html")
    return message


def _now_header() -> str:
    from email.utils import formatdate

    return formatdate(localtime=False, usegmt=True)


def smtp_settings() -> Mapping[str, Any]:
    config = current_app.config
    host = config.get("SMTP_HOST") or ""
    security = str(config.get("SMTP_SECURITY") or "starttls").lower()
    if not host:
        raise MailConfigError("Set SMTP_HOST (and SMTP_PORT, SMTP_USERNAME, SMTP_PASSWORD) "
                              "to send mail.")
    if security not in SECURITY_MODES:
        raise MailConfigError(f"SMTP_SECURITY must be one of {', '.join(SECURITY_MODES)}.")
    return {"host": host, "port": int(config.get("SMTP_PORT") or 587), "security": security,
            "username": config.get("SMTP_USERNAME") or "",
            "password": config.get("SMTP_PASSWORD") or "",
            "timeout": float(config.get("SMTP_TIMEOUT") or 30)}


def connect() -> smtplib.SMTP:
    """A connection to the SMTP server, secured (STARTTLS or TLS) and signed in as set."""
    settings = smtp_settings()
    context = ssl.create_default_context()
    if settings["security"] == "tls":
        smtp: smtplib.SMTP = smtplib.SMTP_SSL(settings["host"], settings["port"],
                                              timeout=settings["timeout"], context=context)
    else:
        smtp = smtplib.SMTP(settings["host"], settings["port"], timeout=settings["timeout"])
        if settings["security"] == "starttls":
            smtp.starttls(context=context)
    if settings["username"]:
        smtp.login(settings["username"], settings["password"])
    return smtp


def send_now(mail: Mail) -> str:
    """Send one mail on a connection of its own; return its Message-ID. Raises
    ``MailConfigError`` or ``smtplib``/``OSError`` errors when the server does not take it."""
    message = build_message(mail)
    with connect() as smtp:
        smtp.send_message(message, from_addr=sender()[1], to_addrs=[mail.to_address])
    return str(message["Message-ID"])
