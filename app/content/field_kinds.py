"""The kinds of post field: how a value of each kind is stored on a ``Post`` and a
``Revision``, cleaned, compared in a snapshot, shown in a diff, typed in the editor's form
and read from front matter. ``postdata.PostData`` declares the fields with these."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from pressmark.content.field_values import (
    format_datetime_local,
    front_matter_datetime,
    front_matter_list,
    get_or_create_series,
    get_or_create_tags,
    get_or_create_topic,
    next_series_position,
    normalise_newlines,
    normalise_tags,
    normalise_usernames,
    parse_datetime_local,
    split_tags,
)
from pressmark.content.models import Post, User
from pressmark.extensions import db
from sqlalchemy import select

if TYPE_CHECKING:
    from pressmark.content.models import Revision


@dataclass(frozen=True)
class PostField:
    """One field of a post: a line of text stored under its own name on ``Post`` and
    ``Revision``. Subclasses change what differs for other kinds of value.

    Values come in three forms: the *data* form (as ``PostData`` holds it), the *normal*
    form (as snapshots hold it: comparable, display-ready) and the *form* value (what
    the editor's input shows, a string or, for a checkbox, a bool).
    """

    label: str
    # The author's words and settings. Status and publish date are not: they change only
    # through explicit actions, so restoring a revision or comparing for autosave skips them.
    authored: bool = True
    max_length: int | None = None  # the columns' limit; revisions of unsaved text are cut to it
    in_form: bool = True  # the editor's post form has an input of this name
    front_matter: str | None = ""  # key in a file's front matter; "" = the field's name
    name: str = ""  # filled in from PostData

    @property
    def front_matter_key(self) -> str | None:
        return self.name if self.front_matter == "" else self.front_matter

    # Post and Revision
    def read_post(self, post: Post) -> Any:
        return getattr(post, self.name)

    def write_post(self, post: Post, value: Any) -> None:
        """Set a cleaned data value on ``post`` (inside the store's transaction)."""
        setattr(post, self.name, value)

    def read_revision(self, revision: Revision) -> Any:
        return getattr(revision, self.name)

    def write_revision(self, revision: Revision, value: Any) -> None:
        """Store a data value, maybe never validated (autosave), within the column limits."""
        value = without_nul(self.clean(value))
        if self.max_length is not None and isinstance(value, str):
            value = value[: self.max_length]
        setattr(revision, self.name, value)

    # Data and snapshot forms
    def clean(self, value: Any) -> Any:
        """The data value as it is saved."""
        return (value or "").strip()

    def normal(self, value: Any) -> Any:
        """The data value (or ``None``) in its snapshot form."""
        return (value or "").strip()

    def display(self, normal: Any) -> str:
        """A snapshot value as the author reads it in a diff."""
        return "(empty)" if normal in ("", None) else str(normal)

    # The editor's form
    # Whether a submission without this input means "empty" (an unchecked checkbox sends
    # nothing) rather than "not sent" (an autosave from a script that left the field out).
    absent_is_empty = False  # a class attribute, not a dataclass field

    def from_request(self, raw: Any) -> Any:
        """The form value from a submitted field (form data or JSON), kept as typed."""
        return str(raw or "")

    def form_value(self, normal: Any) -> Any:
        """The form value showing a snapshot value."""
        return normal

    def from_form(self, value: Any) -> Any:
        """The data value from a form value; ``ValueError`` when it does not parse."""
        return value

    def form_error(self, value: Any) -> str:
        return f"“{value}” is not valid here."

    # Front matter
    def from_front_matter(self, raw: Any) -> Any:
        """The data value from a front-matter value; ``ValueError`` names the key."""
        return str(raw or "")

    def to_front_matter(self, value: Any) -> Any:
        return value


@dataclass(frozen=True)
class Choice(PostField):
    """A word from a fixed list, kept exactly as given (the store checks it)."""

    def clean(self, value: Any) -> Any:
        return value

    def normal(self, value: Any) -> Any:
        return value


@dataclass(frozen=True)
class Body(PostField):
    """Markdown: newlines normalised, nothing stripped."""

    def clean(self, value: Any) -> str:
        return normalise_newlines(value)

    def normal(self, value: Any) -> str:
        return normalise_newlines(value)

    def from_request(self, raw: Any) -> str:
        return normalise_newlines(str(raw or ""))


@dataclass(frozen=True)
class Flag(PostField):
    """Yes or no; a checkbox in the form."""

    absent_is_empty = True

    def clean(self, value: Any) -> bool:
        return bool(value)

    def normal(self, value: Any) -> bool:
        return bool(value)

    def display(self, normal: Any) -> str:
        return "Yes" if normal else "No"

    def from_request(self, raw: Any) -> bool:
        # Form checkboxes send "1" or nothing; JSON sends a boolean.
        return raw not in (None, "", False, "false", "0", "off")

    def from_form(self, value: Any) -> bool:
        return bool(value)

    def from_front_matter(self, raw: Any) -> bool:
        return bool(raw)


@dataclass(frozen=True)
class Moment(PostField):
    """A naive UTC datetime, compared to the second; ``datetime-local`` in the form."""

    def clean(self, value: Any) -> datetime | None:
        return value

    def normal(self, value: Any) -> datetime | None:
        return value.replace(microsecond=0) if value else None

    def display(self, normal: Any) -> str:
        return normal.strftime("%Y-%m-%d %H:%M:%S") if normal else "(not set)"

    def form_value(self, normal: Any) -> str:  # in the site's TIMEZONE
        from pressmark.dates import to_local

        return format_datetime_local(to_local(normal).replace(tzinfo=None) if normal else None)

    def from_form(self, value: Any) -> datetime | None:
        from pressmark.dates import to_utc

        return to_utc(parse_datetime_local(value))

    def form_error(self, value: Any) -> str:
        from pressmark.dates import zone_name

        return (
            f"“{str(value).strip()}” is not a date and time: give it as "
            f"YYYY-MM-DD HH:MM ({zone_name()}), or leave it empty."
        )

    def from_front_matter(self, raw: Any) -> datetime | None:
        return front_matter_datetime(raw, self.front_matter_key or self.name)

    def to_front_matter(self, value: Any) -> str | None:
        return value.isoformat() + "Z" if value else None


@dataclass(frozen=True)
class TopicRef(PostField):
    """The post's topic, given by its slug; a relationship on ``Post``, a slug column
    (``topic_slug``) on ``Revision``."""

    def read_post(self, post: Post) -> str | None:
        return post.topic.slug if post.topic else None

    def write_post(self, post: Post, value: Any) -> None:
        post.topic = get_or_create_topic(value) if value else None

    def read_revision(self, revision: Revision) -> str | None:
        return revision.topic_slug

    def write_revision(self, revision: Revision, value: Any) -> None:
        revision.topic_slug = (value or "")[: self.max_length or None] or None

    def clean(self, value: Any) -> str | None:
        return (value or "").strip() or None

    def normal(self, value: Any) -> str:
        return value or ""

    def from_form(self, value: Any) -> str | None:
        return value.strip() or None

    def from_front_matter(self, raw: Any) -> str | None:
        return str(raw) if raw else None


@dataclass(frozen=True)
class TagList(PostField):
    """Tag names in the author's order; comma-separated in the form and in revisions."""

    def read_post(self, post: Post) -> list[str]:
        return [t.name for t in post.tags]

    def write_post(self, post: Post, value: Any) -> None:
        post.tags = get_or_create_tags(value)

    def read_revision(self, revision: Revision) -> list[str]:
        return [t for t in (revision.tags or "").split(",") if t]

    def write_revision(self, revision: Revision, value: Any) -> None:
        revision.tags = ",".join(self.clean(value))

    def clean(self, value: Any) -> list[str]:
        return normalise_tags(value or [])

    def normal(self, value: Any) -> str:
        return ", ".join(value or [])

    def from_form(self, value: Any) -> list[str]:
        return split_tags(value)

    def from_front_matter(self, raw: Any) -> list[str]:
        return front_matter_list(raw, self.front_matter_key or self.name)


@dataclass(frozen=True)
class AuthorList(PostField):
    """The byline: account names in order; comma-separated in the form and in revisions.
    An unknown name is refused by the store."""

    def read_post(self, post: Post) -> list[str]:
        return [a.username for a in post.authors]

    def write_post(self, post: Post, value: Any) -> None:
        names = self.clean(value)
        users = db.session.scalars(select(User).where(User.username.in_(names)))
        by_name = {u.username: u for u in users}
        post.authors = [by_name[n] for n in names if n in by_name]

    def read_revision(self, revision: Revision) -> list[str]:
        return [a for a in (revision.authors or "").split(",") if a]

    def write_revision(self, revision: Revision, value: Any) -> None:
        revision.authors = ",".join(self.clean(value))

    def clean(self, value: Any) -> list[str]:
        return normalise_usernames(value or [])

    def normal(self, value: Any) -> str:
        return ", ".join(normalise_usernames(value or []))

    def from_form(self, value: Any) -> list[str]:
        return split_tags(value)

    def from_front_matter(self, raw: Any) -> list[str]:
        return front_matter_list(raw, self.front_matter_key or self.name)


@dataclass(frozen=True)
class SeriesRef(PostField):
    """The series a post belongs to, given by its title (a new title starts a series); a
    relationship on ``Post``, the title (``series_title``) on ``Revision``."""

    def read_post(self, post: Post) -> str:
        return post.series.title if post.series else ""

    def write_post(self, post: Post, value: Any) -> None:
        title = self.clean(value)
        post.series = get_or_create_series(title) if title else None

    def read_revision(self, revision: Revision) -> str:
        return revision.series_title or ""

    def write_revision(self, revision: Revision, value: Any) -> None:
        revision.series_title = self.clean(value)[: self.max_length or None]

    def clean(self, value: Any) -> str:
        return " ".join(str(value or "").split())

    def normal(self, value: Any) -> str:
        return self.clean(value)

    def from_front_matter(self, raw: Any) -> str:
        # Hugo keeps series as a taxonomy: a list whose first name is the series.
        if isinstance(raw, list):
            return str(raw[0]) if raw else ""
        return str(raw or "")


@dataclass(frozen=True)
class Part(PostField):
    """A post's part number in its series; empty means "the next part"."""

    def write_post(self, post: Post, value: Any) -> None:
        # Written after ``series``: post.series is the new series, while post.series_id
        # (set only at flush) is still the one the post was in before this save.
        if post.series is None:
            post.series_position = None
        elif value is not None:
            post.series_position = value
        elif post.series_position is None or post.series_id != post.series.id:
            post.series_position = next_series_position(post.series, post)

    def clean(self, value: Any) -> int | None:
        return value

    def normal(self, value: Any) -> str:
        return "" if value is None else str(value)

    def from_form(self, value: Any) -> int | None:
        raw = str(value or "").strip()
        if not raw:
            return None
        if not raw.isascii() or not raw.isdigit() or len(raw) > 6:
            raise ValueError(raw)
        return int(raw)

    def form_error(self, value: Any) -> str:
        return f"“{value}” is not a part number: give a whole number such as 2, or leave it empty."

    def from_front_matter(self, raw: Any) -> int | None:
        if raw in (None, ""):
            return None
        try:
            return int(raw)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"{self.front_matter_key!r} is not a whole number: {raw!r}") from exc


def without_nul(value: Any) -> Any:
    """``value`` with every NUL character replaced by U+FFFD, as CommonMark does: PostgreSQL
    cannot store NUL in text, and a pasted or imported NUL must not make a save fail."""
    if isinstance(value, str):
        return value.replace("\x00", "\ufffd")
    if isinstance(value, list):
        return [without_nul(item) for item in value]
    return value
