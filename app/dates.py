"""Dates as readers and authors see them: in the site's ``TIMEZONE``, with day, month and year.

The database keeps naive UTC datetimes. Pages show them in the site's zone through the
Jinja filters registered here; the editor's schedule field reads and writes the site's
local time (``to_local``/``to_utc``), so "publish at 09:00" means 09:00 where the site is.

Filters: ``date_long`` ("7 December 2026"), ``date_short`` ("7 Dec 2026"),
``datetime_zone`` ("2026-12-07 09:00 CET"), ``iso_utc`` (for ``<time datetime>``).
"""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo

from flask import Flask, current_app, has_app_context
from pressmark.config import site_zone


def zone() -> tzinfo:
    """The site's time zone (UTC outside an app context)."""
    return site_zone(current_app.config) if has_app_context() else UTC


def zone_name() -> str:
    """The zone's IANA name, as set (``"UTC"`` by default)."""
    return str(current_app.config.get("TIMEZONE") or "UTC") if has_app_context() else "UTC"


def to_local(value: datetime) -> datetime:
    """A stored (naive UTC) time as an aware time in the site's zone."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(zone())


def to_utc(value: datetime | None) -> datetime | None:
    """A naive time typed in the site's zone as the naive UTC time the database keeps.

    A time that does not exist or exists twice (the hour a clock goes forward or back) is
    read as the first of its kind (``fold=0``), as the standard library does.
    """
    if value is None:
        return None
    local = value.replace(tzinfo=zone()) if value.tzinfo is None else value
    return local.astimezone(UTC).replace(tzinfo=None)


def date_long(value: datetime | None) -> str:
    return f"{to_local(value).day} {to_local(value):%B %Y}" if value else ""


def date_short(value: datetime | None) -> str:
    return f"{to_local(value).day} {to_local(value):%b %Y}" if value else ""


def datetime_zone(value: datetime | None) -> str:
    return f"{to_local(value):%Y-%m-%d %H:%M %Z}" if value else ""


def iso_utc(value: datetime | None) -> str:
    return value.replace(tzinfo=None).isoformat(timespec="seconds") + "Z" if value else ""


def init_app(app: Flask) -> None:
    """Register the filters, and ``site_zone_name`` for templates (the editor's labels)."""
    for function in (date_long, date_short, datetime_zone, iso_utc):
        app.add_template_filter(function)
    app.add_template_global(zone_name, "site_zone_name")
