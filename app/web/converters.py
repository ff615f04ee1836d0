"""URL converters: ``<int:...>`` parts of a URL are bounded to what the database can hold.

A path such as ``/editor/99999999999999999999`` would otherwise reach SQLite as an integer
it cannot bind (``OverflowError``) or PostgreSQL as one out of range, and answer 500.
Out of range, the route does not match, so the answer is an ordinary 404.
"""

from __future__ import annotations

from flask import Flask
from werkzeug.routing import IntegerConverter

# The largest value of a 64-bit signed SQL integer (SQLite INTEGER, PostgreSQL BIGINT).
SQL_INT_MAX = 2**63 - 1


def sql_int(value: int | None) -> int | None:
    """``value`` when it can be an id in the database (1 to ``SQL_INT_MAX``), else None."""
    if value is None or not 0 < value <= SQL_INT_MAX:
        return None
    return value


class SqlIntegerConverter(IntegerConverter):
    """``<int:...>`` matching only 0 to ``SQL_INT_MAX`` unless a route says otherwise."""

    def __init__(self, map, fixed_digits=0, min=None, max=None, signed=False):  # noqa: A002
        super().__init__(map, fixed_digits, min, SQL_INT_MAX if max is None else max, signed)


def init_app(app: Flask) -> None:
    """Install the converter; call before any blueprint adds its routes."""
    app.url_map.converters["int"] = SqlIntegerConverter
