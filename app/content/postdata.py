"""A post's fields, listed once: ``PostData``, and what each field means everywhere.

``PostData`` is a post as the outside world gives it: the editor's form, a file's front
matter, a revision brought back. Each field an author edits carries a ``PostField`` in its
dataclass metadata, which says how the field is

- read from and written to a ``Post`` and a ``Revision`` (``data_from_post``,
  ``data_from_revision``, ``write_post``, ``write_revision``);
- cleaned before it is saved (``clean``);
- put into a *snapshot*, a plain dict in one normal form, so any post, revision or
  ``PostData`` can be compared or diffed (``of_post``, ``of_revision``, ``of_data``);
- shown to the author in a diff (``label``, ``display``);
- typed into the editor's form (``from_request``, ``form_value``, ``from_form``);
- read from and written to front matter (``front_matter``).

Adding a field (a cover image, say) therefore means: one line in ``PostData`` here; a
column on ``Post`` and on ``Revision`` in ``models.py`` and its migration; and its input in
``templates/editor/edit.html``. The store, the importer and exporter, the editor's form
handling and the revision history follow from this module.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from pressmark.content.models import (
    DRAFT,
    Post,
    Series,
    Tag,
    Topic,
    User,
    slugify,
    tag_display_name,
    tag_slug,
)
from pressmark.extensions import db
from sqlalchemy import func, select

if TYPE_CHECKING:
    from pressmark.content.models import Revision

Snapshot = dict[str, Any]


# --- value helpers ----------------------------------------------------------------------------


def normalise_newlines(text: str | None) -> str:
    """Browsers submit textareas with CRLF; store and compare with LF only."""
    return (text or "").replace("\r\n", "\n").replace("\r", "\n")


def normalise_tags(names: list[str]) -> list[str]:
    """Tag display names, tidied, one per slug ("Python" and "python" are one tag), in the
    order given."""
    seen: dict[str, str] = {}
    for name in names:
        display = tag_display_name(name)
        slug = tag_slug(display)
        if slug and slug not in seen:
            seen[slug] = display
    return list(seen.values())


def split_tags(raw: str) -> list[str]:
    """Comma-separated tag names as typed -> a list (not yet normalised)."""
    return [t.strip() for t in (raw or "").split(",") if t.strip()]


def format_datetime_local(value: datetime | None) -> str:
    """A stored UTC time as a ``datetime-local`` value (seconds only when there are any)."""
    if value is None:
        return ""
    return value.strftime("%Y-%m-%dT%H:%M:%S" if value.second else "%Y-%m-%dT%H:%M")


def parse_datetime_local(raw: str) -> datetime | None:
    """``2026-03-10T09:00`` (or with seconds, or a space) -> naive UTC; "" -> None.

    Raises ``ValueError`` for anything else.
    """
    raw = (raw or "").strip()
    if not raw:
        return None
    value = datetime.fromisoformat(raw.replace(" ", "T"))
    if value.tzinfo is not None:
        raise ValueError("no time zone")
    if not 1900 <= value.year <= 9999:
        raise ValueError("year out of range")
    return value.replace(microsecond=0)


def front_matter_datetime(value: Any, key: str) -> datetime | None:
    """A front-matter date as a naive UTC datetime; ``ValueError`` names ``key``."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        dt = value
    elif isinstance(value, date):
        dt = datetime(value.year, value.month, value.day)
    else:
        try:
            dt = datetime.fromisoformat(str(value).strip().replace("Z", "+00:00"))
        except ValueError as exc:
            raise ValueError(f"{key!r} is not a date: {value!r}") from exc
    if dt.tzinfo is not None:
        dt = dt.astimezone(UTC).replace(tzinfo=None)
    return dt


def front_matter_list(value: Any, key: str) -> list[str]:
    """A front-matter list, or a comma-separated string; ``ValueError`` names ``key``."""
    if value is None:
        return []
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    if isinstance(value, list):
        return [str(v) for v in value]
    raise ValueError(f"{key!r} must be a list")


def get_or_create_topic(slug: str) -> Topic:
    """The topic with ``slug``, created (named after its slug) when there is none."""
    topic = db.session.scalar(select(Topic).where(Topic.slug == slug))
    if topic is None:
        topic = Topic(slug=slug, name=slug.replace("-", " ").title(), description="")
        db.session.add(topic)
    return topic


def get_or_create_tags(names: list[str]) -> list[Tag]:
    """The tags for display ``names``, found by slug, in that order; a missing tag is
    created with the name as given."""
    slugs = [tag_slug(name) for name in names]
    existing = {t.slug: t for t in db.session.scalars(select(Tag).where(Tag.slug.in_(slugs)))}
    tags = []
    for name, slug in zip(names, slugs, strict=True):
        tag = existing.get(slug)
        if tag is None:
            tag = existing[slug] = Tag(slug=slug, name=name)
            db.session.add(tag)
        tags.append(tag)
    return tags


def get_or_create_series(title: str) -> Series:
    """The series called ``title`` (ignoring case), or a new one with a slug made from it."""
    series = db.session.scalar(select(Series).where(func.lower(Series.title) == title.lower()))
    if series is None:
        base = slugify(title) or "series"
        slug, n = base, 2
        while db.session.scalar(select(Series.id).where(Series.slug == slug)) is not None:
            slug, n = f"{base}-{n}", n + 1
        series = Series(slug=slug, title=title)
        db.session.add(series)
    return series


def next_series_position(series: Series, post: Post) -> int:
    """The part number after the series' last part, other than ``post`` (1 when new)."""
    if series.id is None:
        return 1
    query = select(func.max(Post.series_position)).where(Post.series_id == series.id)
    if post.id is not None:
        query = query.where(Post.id != post.id)
    return (db.session.scalar(query) or 0) + 1


def normalise_usernames(names: list[str]) -> list[str]:
    """Account names as stored (lowercase), unique, in the order given."""
    seen: list[str] = []
    for name in names:
        username = str(name).strip().lower()
        if username and username not in seen:
            seen.append(username)
    return seen


# --- field kinds ------------------------------------------------------------------------------


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

    def form_value(self, normal: Any) -> str:
        return format_datetime_local(normal)

    def from_form(self, value: Any) -> datetime | None:
        return parse_datetime_local(value)

    def form_error(self, value: Any) -> str:
        return (
            f"“{str(value).strip()}” is not a date and time: give it as "
            "YYYY-MM-DD HH:MM (UTC), or leave it empty."
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


def _field(kind: PostField, **options: Any) -> Any:
    """A ``dataclasses.field`` carrying ``kind`` in its metadata."""
    return field(metadata={"post_field": kind}, **options)


# --- the fields -------------------------------------------------------------------------------


@dataclass
class PostData:
    """The fields of a post as the outside world gives them (editor form, front matter).

    Fields with a ``PostField`` are the ones the author edits and revisions keep, in the
    order the author sees them in a diff. Aliases, the dates and the language are given
    only by the importer; ``is_page`` only when a page is created.
    """

    title: str = _field(PostField("Title", max_length=300))
    slug: str = _field(PostField("Slug", max_length=120), default="")
    summary: str = _field(PostField("Summary"), default="")
    topic: str | None = _field(TopicRef("Topic", max_length=80), default=None)  # topic slug
    tags: list[str] = _field(TagList("Tags"), default_factory=list)
    # Usernames. In front matter as "author_accounts": other engines' "authors" hold display
    # names, and reading them here would refuse every file naming someone without an account.
    authors: list[str] = _field(
        AuthorList("Authors", front_matter="author_accounts"), default_factory=list
    )
    series: str = _field(SeriesRef("Series", max_length=200), default="")  # the title
    series_position: int | None = _field(Part("Part", front_matter="series_part"), default=None)
    featured: bool = _field(Flag("Featured"), default=False)
    cover_image: str = _field(PostField("Cover image", max_length=300), default="")
    cover_alt: str = _field(PostField("Cover alt text", max_length=300), default="")
    status: str = _field(Choice("Status", authored=False, in_form=False), default=DRAFT)
    published_at: datetime | None = _field(
        Moment("Publish date (UTC)", authored=False, front_matter="date"), default=None
    )
    body: str = _field(Body("Body", front_matter=None), default="")
    aliases: list[str] = field(default_factory=list)
    created_at: datetime | None = None
    updated_at: datetime | None = None
    # The post's language (a BCP 47 tag such as "fr"; "" = the site's); None keeps it.
    language: str | None = None
    # A standalone page (see ``models``): read only when the post is created.
    is_page: bool = False


def _post_fields() -> tuple[PostField, ...]:
    kinds = []
    for spec in dataclasses.fields(PostData):
        kind = spec.metadata.get("post_field")
        if kind is not None:
            kinds.append(dataclasses.replace(kind, name=spec.name))
    return tuple(kinds)


FIELDS: tuple[PostField, ...] = _post_fields()
FIELDS_BY_NAME: dict[str, PostField] = {f.name: f for f in FIELDS}
FORM_FIELDS: tuple[PostField, ...] = tuple(f for f in FIELDS if f.in_form)
# Snapshot keys in display order, with the labels the author sees.
FIELD_LABELS: dict[str, str] = {f.name: f.label for f in FIELDS}
# Fields that hold the author's words; status and date change through explicit actions.
CONTENT_FIELDS: tuple[str, ...] = tuple(f.name for f in FIELDS if f.authored)


def editor_field_names() -> list[str]:
    """The names of the editor form's inputs for a post's fields, in form order: what the
    editor's script collects for autosave and puts back when text is recovered (the page
    hands it this list, so the script never keeps a list of its own)."""
    return [f.name for f in FORM_FIELDS]


# --- conversions ------------------------------------------------------------------------------


def clean(data: PostData) -> PostData:
    """Put every field of ``data`` in the form it is saved in (in place; returned)."""
    for f in FIELDS:
        setattr(data, f.name, without_nul(f.clean(getattr(data, f.name))))
    return data


def without_nul(value: Any) -> Any:
    """``value`` with every NUL character replaced by U+FFFD, as CommonMark does: PostgreSQL
    cannot store NUL in text, and a pasted or imported NUL must not make a save fail."""
    if isinstance(value, str):
        return value.replace("\x00", "\ufffd")
    if isinstance(value, list):
        return [without_nul(item) for item in value]
    return value


def data_from_post(post: Post) -> PostData:
    """The post's current fields as ``PostData``, ready to change one and save."""
    return PostData(**{f.name: f.read_post(post) for f in FIELDS})


def data_from_revision(revision: Revision, post: Post) -> PostData:
    """The author's fields from ``revision``; publication state stays the post's own.

    Restoring old words must not publish, unpublish or trash a post behind the author's
    back: status and date change only through the explicit actions.
    """
    return PostData(
        **{f.name: f.read_revision(revision) if f.authored else f.read_post(post) for f in FIELDS}
    )


def write_post(post: Post, data: PostData) -> None:
    """Set every field of (cleaned, validated) ``data`` on ``post``."""
    for f in FIELDS:
        f.write_post(post, getattr(data, f.name))


def write_revision(revision: Revision, data: PostData) -> None:
    """Set every field of ``data`` on ``revision``, within the columns' limits."""
    for f in FIELDS:
        f.write_revision(revision, getattr(data, f.name))


def of_post(post: Post) -> Snapshot:
    return {f.name: f.normal(f.read_post(post)) for f in FIELDS}


def of_revision(revision: Revision) -> Snapshot:
    return {f.name: f.normal(f.read_revision(revision)) for f in FIELDS}


def of_data(data: PostData) -> Snapshot:
    return {f.name: f.normal(getattr(data, f.name)) for f in FIELDS}


def same_content(a: Snapshot, b: Snapshot) -> bool:
    """True when the author's words and settings agree (status and date aside)."""
    return all(a[k] == b[k] for k in CONTENT_FIELDS)


def display(key: str, value: Any) -> str:
    """A snapshot value of field ``key`` as the author reads it."""
    return FIELDS_BY_NAME[key].display(value)


def from_front_matter(meta: Mapping[str, Any]) -> dict[str, Any]:
    """The data values of every field whose front-matter key is in ``meta``.

    Raises ``ValueError`` naming the key of a value that does not parse.
    """
    return {
        f.name: f.from_front_matter(meta[f.front_matter_key])
        for f in FIELDS
        if f.front_matter_key is not None and f.front_matter_key in meta
    }


def to_front_matter(post: Post) -> dict[str, Any]:
    """The front-matter values of every field of ``post`` (the body aside)."""
    return {
        f.front_matter_key: f.to_front_matter(f.read_post(post))
        for f in FIELDS
        if f.front_matter_key is not None
    }
