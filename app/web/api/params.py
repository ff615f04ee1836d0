"""Reading the API's query parameters strictly: a bad value is a 400 that names it.

``Reader`` reads ``request.args`` and remembers which parameters the answer depends on,
so that the page cache keys the answer on exactly those (``pressmark.api.cached_response``).
A parameter given twice is refused, as is a value of the wrong shape; parameters the
endpoint does not read are ignored (the cache answers such a request from the same entry).
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from datetime import UTC, datetime

from flask import request
from pressmark.web.api.problems import bad_parameter

DEFAULT_LIMIT = 20
MAX_LIMIT = 100
SLUG_PARAM_RE = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
MAX_SLUG = 120
MAX_CURSOR = 600
FORMATS = ("html", "markdown", "text")


class Reader:
    """The request's query parameters, read one by one with a check each."""

    def __init__(self) -> None:
        self.read: list[str] = []

    def raw(self, name: str) -> str | None:
        self.read.append(name)
        values = request.args.getlist(name)
        if len(values) > 1:
            raise bad_parameter(name, "give it once.")
        if values and "\x00" in values[0]:
            raise bad_parameter(name, "it holds a NUL character.")
        return values[0] if values else None

    def limit(self) -> int:
        raw = self.raw("limit")
        if raw is None:
            return DEFAULT_LIMIT
        if not re.fullmatch(r"[0-9]{1,4}", raw) or not 1 <= int(raw) <= MAX_LIMIT:
            raise bad_parameter("limit", f"a whole number from 1 to {MAX_LIMIT}.")
        return int(raw)

    def slug(self, name: str) -> str | None:
        raw = self.raw(name)
        if raw is None:
            return None
        if len(raw) > MAX_SLUG or not SLUG_PARAM_RE.fullmatch(raw):
            raise bad_parameter(name, "a slug: lowercase letters, digits and single hyphens.")
        return raw

    def moment(self, name: str) -> datetime | None:
        """An RFC 3339 date-time (``2026-03-10T09:00:00Z``, any offset) or a date
        (``2026-03-10``, midnight UTC), as a naive UTC datetime."""
        raw = self.raw(name)
        if raw is None:
            return None
        return parse_moment(name, raw)

    def choice_list(self, name: str, allowed: tuple[str, ...]) -> tuple[str, ...] | None:
        """A comma-separated list of names from ``allowed``, each once, in the given order."""
        raw = self.raw(name)
        if raw is None:
            return None
        items = [item.strip() for item in raw.split(",")]
        unknown = [item for item in items if item not in allowed]
        if not raw.strip() or unknown:
            shown = ", ".join(allowed)
            raise bad_parameter(name, f"a comma-separated list of: {shown}.")
        return tuple(dict.fromkeys(items))

    def cursor(self, size: int) -> list | None:
        """The opaque ``cursor`` a previous page's ``next`` link carried: a list of ``size``
        values, or None on the first page."""
        raw = self.raw("cursor")
        if raw is None:
            return None
        problem = bad_parameter("cursor", "use the cursor from a previous answer's next link.")
        if len(raw) > MAX_CURSOR or not re.fullmatch(r"[A-Za-z0-9_-]+", raw):
            raise problem
        try:
            value = json.loads(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)))
        except (ValueError, binascii.Error, UnicodeDecodeError):
            raise problem from None
        if not isinstance(value, list) or len(value) != size:
            raise problem
        return value


def encode_cursor(values: list) -> str:
    """The ``cursor`` that continues after the row whose sort key is ``values``."""
    data = json.dumps(values, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def parse_moment(name: str, raw: str) -> datetime:
    text = raw.strip()
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        text += "T00:00:00+00:00"
    text = re.sub(r"[zZ]$", "+00:00", text)
    problem = bad_parameter(
        name, "an RFC 3339 date-time such as 2026-03-10T09:00:00Z, or a date such as 2026-03-10."
    )
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?"
                        r"([+-]\d{2}:\d{2})?", text):
        raise problem
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise problem from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    try:
        return moment.astimezone(UTC).replace(tzinfo=None)
    except OverflowError:
        raise problem from None


def cursor_moment(value: object) -> datetime:
    """A datetime from a decoded cursor (which a client may have forged)."""
    if not isinstance(value, str):
        raise bad_parameter("cursor", "use the cursor from a previous answer's next link.")
    try:
        return datetime.fromisoformat(value).replace(tzinfo=None)
    except ValueError:
        raise bad_parameter("cursor", "use the cursor from a previous answer's next link.") \
            from None


def cursor_int(value: object) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value < 2**63:
        raise bad_parameter("cursor", "use the cursor from a previous answer's next link.")
    return value


def cursor_text(value: object) -> str:
    if not isinstance(value, str) or len(value) > 300:
        raise bad_parameter("cursor", "use the cursor from a previous answer's next link.")
    return value
