"""Bringing an audience along: CSV exports of Ghost members, Substack and Buttondown
subscribers (their own column names), or any CSV with an ``email`` column; and the CSV
export of this site's subscribers.

Imported people already opted in on the other service, so they arrive confirmed; rows
that service marks as unsubscribed, disabled or unconfirmed are skipped and counted, as
are invalid addresses. An address already here is left as it is (someone who unsubscribed
here is never re-subscribed by an import).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from pressmark.content.models import utcnow
from pressmark.content.reach_models import ACTIVE, Subscriber
from pressmark.extensions import db
from pressmark.plugins.newsletter.mail import clean_name, normalise_address
from sqlalchemy import select

MAX_IMPORT_BYTES = 20 * 1024 * 1024
FALSE = {"false", "0", "no", "n", ""}
# Buttondown subscriber types that must not receive mail.
BUTTONDOWN_SKIPPED = {"unsubscribed", "unactivated", "removed", "spammy", "undeliverable",
                      "blocked", "complained"}
EXPORT_COLUMNS = ["email", "name", "status", "topics", "source", "created_at",
                  "confirmed_at", "unsubscribed_at"]


class ImportError_(ValueError):
    """The file cannot be read as a subscriber export; the message says why."""


@dataclass
class ImportReport:
    source: str
    added: int = 0
    existing: int = 0
    skipped: list[str] = field(default_factory=list)


def detect(columns: Iterable[str]) -> str:
    """"ghost", "substack", "buttondown" or "csv", from an export's header."""
    names = {c.strip().lower() for c in columns}
    if names & {"subscribed_to_emails", "complimentary_plan", "stripe_customer_id"}:
        return "ghost"
    if names & {"email_disabled", "active_subscription"}:
        return "substack"
    if names & {"subscriber_type", "creation_date", "email_address"}:
        return "buttondown"
    if "email" in names:
        return "csv"
    raise ImportError_("The file has no email column (email, or email_address for "
                       "Buttondown). Export your subscribers as CSV and upload that file.")


def _wanted(source: str, row: dict[str, str]) -> str | None:
    """None if the row should be imported, else why it is skipped."""
    if source == "ghost":
        flag = row.get("subscribed_to_emails", row.get("subscribed", "true"))
        if flag.strip().lower() in FALSE or row.get("deleted_at", "").strip():
            return "not subscribed to emails in Ghost"
    if source == "substack" and row.get("email_disabled", "").strip().lower() == "true":
        return "email disabled in Substack"
    if source == "buttondown":
        kind = (row.get("type") or row.get("subscriber_type") or "regular").strip().lower()
        if kind in BUTTONDOWN_SKIPPED:
            return f"{kind} in Buttondown"
    return None


def rows(data: bytes) -> tuple[str, Iterator[dict[str, str]]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportError_("The file is not UTF-8 text: export it again as CSV.") from None
    reader = csv.DictReader(io.StringIO(text, newline=""))
    source = detect(reader.fieldnames or [])

    def lowered() -> Iterator[dict[str, str]]:
        for row in reader:
            yield {(k or "").strip().lower(): (v or "") for k, v in row.items()
                   if isinstance(v, str)}

    return source, lowered()


def import_subscribers(data: bytes) -> ImportReport:
    """Add the subscribers in an export (commits). ``ImportError_`` for an unreadable file."""
    if len(data) > MAX_IMPORT_BYTES:
        raise ImportError_("The file is larger than 20 MB; split it.")
    source, found = rows(data)
    report = ImportReport(source=source)
    known = set(db.session.scalars(select(Subscriber.email)))
    for number, row in enumerate(found, start=2):
        raw = row.get("email") or row.get("email_address") or ""
        email = normalise_address(raw)
        why = "not a valid address" if email is None else _wanted(source, row)
        if why:
            report.skipped.append(f"line {number} ({raw.strip()[:80] or 'empty'}): {why}")
            continue
        assert email is not None
        if email in known:
            report.existing += 1
            continue
        known.add(email)
        name = row.get("name") or " ".join(
            filter(None, [row.get("first_name", ""), row.get("last_name", "")]))
        db.session.add(Subscriber(email=email, name=clean_name(name), status=ACTIVE,
                                  source=f"import:{source}", confirmed_at=utcnow()))
        report.added += 1
    db.session.commit()
    return report


def export_csv(subscribers: Iterable[Subscriber]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(EXPORT_COLUMNS)
    for s in subscribers:
        writer.writerow([_cell(v) for v in (
            s.email, s.name, s.status, s.topics, s.source, s.created_at, s.confirmed_at,
            s.unsubscribed_at)])
    return out.getvalue()


def _cell(value: object) -> str:
    """A CSV cell a spreadsheet will not run as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
