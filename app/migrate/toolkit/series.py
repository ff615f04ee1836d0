"""The order of a series' parts, as the source gives it.

Generators order a series by a number in each part's front matter: Hugo and Zola by
``weight``, Jekyll and Pelican series plugins by ``series_index`` or ``series_order``
(also read: ``series_weight``, ``series_position``, ``part``). Before anything is saved,
the parts of each series found in the import are numbered 1, 2, 3... in that order (parts
without a number after those with one, each group by date), so that "Part 2 of 5" reads as
it did on the old site whatever numbers the source used (10, 20, 30...). A series that
already has other parts on this site continues after them. Parts numbered by pressmark's
own ``series_part`` keep their numbers as they are.
"""

from __future__ import annotations

from datetime import datetime

from pressmark.content.models import Post, Series, slugify
from pressmark.extensions import db
from pressmark.migrate.toolkit.entry import Entry
from sqlalchemy import func, select


def number_parts(entries: list[Entry]) -> None:
    """Give every post of a series in ``entries`` its part number (see the module)."""
    groups: dict[str, list[Entry]] = {}
    for entry in entries:
        data = entry.data
        if data is None or entry.error or entry.skip or entry.is_page:
            continue
        title = data.series or entry.series
        if title:
            groups.setdefault(slugify(title) or title, []).append(entry)
    for slug, parts in groups.items():
        if any(entry.data.series_position is not None for entry in parts):
            continue  # numbered by pressmark's own export: kept as they are
        parts.sort(key=lambda e: (e.series_order is None, e.series_order or 0,
                                  e.data.published_at or datetime.max, e.name))
        offset = _parts_elsewhere(slug, {entry.data.slug for entry in parts})
        for number, entry in enumerate(parts, start=offset + 1):
            entry.data.series_position = number
            if entry.series_order is not None:
                entry.notes.append(
                    f"part {number} of the series, in the source's order ({entry.order_key})")


def _parts_elsewhere(slug: str, slugs: set[str]) -> int:
    """The last part number of the series' posts that this import does not bring."""
    return db.session.scalar(
        select(func.max(Post.series_position)).join(Series, Post.series_id == Series.id)
        .where(Series.slug == slug, Post.slug.not_in(slugs))
    ) or 0
