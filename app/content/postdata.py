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

The kinds of field (``PostField`` and its subclasses) are in ``field_kinds``, the value
helpers they use in ``field_values``; both are re-exported here.

Adding a field (a cover image, say) therefore means: one line in ``PostData`` here; a
column on ``Post`` and on ``Revision`` in ``models.py`` and its migration; and its input in
``templates/editor/edit.html`` (the editor's script is handed ``editor_field_names()``).
The store, the importer and exporter, the editor's form handling, autosave and the
revision history follow from this module.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

# The kinds and value helpers are re-exported: importers and the editor use them from here.
from pressmark.content.field_kinds import (  # noqa: F401
    AuthorList,
    Body,
    Choice,
    Flag,
    Moment,
    Part,
    PostField,
    SeriesRef,
    TagList,
    TopicRef,
    without_nul,
)
from pressmark.content.field_values import (  # noqa: F401
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
from pressmark.content.models import DRAFT, Post

if TYPE_CHECKING:
    from pressmark.content.models import Revision

Snapshot = dict[str, Any]


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
