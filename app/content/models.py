"""The data model: topics, posts and pages, series, tags, aliases, revisions, users and the
header navigation (SQLAlchemy 2, typed).

A *page* (About, Uses, Talks) is a ``Post`` with ``is_page`` set: it is written in the same
editor and keeps revisions the same way, but it lives at ``/<slug>``, shows no date and is
in no listing or feed. ``Post.visible()`` selects posts only; ``Post.visible_pages()`` pages.

Times are stored as naive UTC datetimes; ``utcnow()`` is the one clock the app uses.
A post is *visible* to readers when it is published and its ``published_at`` is not in the
future; a future ``published_at`` means scheduled, and the post appears by itself when the
time comes because every public query filters on the clock.
"""

from __future__ import annotations

import hashlib
import math
import re
from datetime import UTC, datetime

from flask_login import UserMixin
from pressmark.content.uploads.images import ImageInfo
from pressmark.extensions import db
from slugify import slugify as _transliterating_slugify
from sqlalchemy import (
    Column,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    event,
    select,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

DRAFT = "draft"
PUBLISHED = "published"
TRASHED = "trashed"
STATUSES = (DRAFT, PUBLISHED, TRASHED)

# Roles, from most to least trusted. An owner does everything, accounts and plugins
# included; an editor publishes and changes any content; a contributor writes drafts of
# their own and cannot publish.
OWNER = "owner"
EDITOR = "editor"
CONTRIBUTOR = "contributor"
ROLES = (OWNER, EDITOR, CONTRIBUTOR)

WORDS_PER_MINUTE = 230
SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def utcnow() -> datetime:
    """The current time as a naive UTC datetime (the form stored in the database)."""
    return datetime.now(UTC).replace(tzinfo=None)


def isoformat_utc(dt: datetime) -> str:
    """A naive UTC datetime as RFC 3339 to the second: ``2026-03-10T09:00:00Z``.

    The form feeds (Atom, JSON Feed), sitemaps (W3C Datetime) and logs want.
    """
    return dt.replace(microsecond=0).isoformat() + "Z"


def reading_minutes(word_count: int) -> int:
    """Estimated reading time in whole minutes (at least one)."""
    return max(1, math.ceil(word_count / WORDS_PER_MINUTE))


def post_path(slug: str) -> str:
    return f"/posts/{slug}"


def page_path(slug: str) -> str:
    return f"/{slug}"


def slugify(text: str, max_length: int = 80) -> str:
    """Lowercase ASCII words joined by hyphens: "Ünïcode: KV 101" -> "unicode-kv-101".

    Letters of every script are transliterated (python-slugify with text-unidecode):
    "Привет, мир" -> "privet-mir", "机器学习" -> "ji-qi-xue-xi". Other characters separate
    words. Slugs stay ASCII so that every URL is the same string in every tool.
    """
    return _transliterating_slugify(str(text), max_length=max_length)


# Characters that carry meaning in tag names ("C++", "C#", "AT&T") are spelt out in the
# tag's slug, so such tags do not merge with "C".
TAG_SLUG_REPLACEMENTS = [["+", " plus "], ["#", " sharp "], ["&", " and "], ["@", " at "]]


def tag_slug(name: str) -> str:
    """The URL form of a tag's display name: "C++" -> "c-plus-plus", "パイソン" -> "haison".

    A name with nothing to transliterate (emoji alone) gets a slug from its hash, so no tag
    is ever lost for want of a slug.
    """
    slug = _transliterating_slugify(
        str(name), max_length=60, replacements=TAG_SLUG_REPLACEMENTS
    )
    if not slug and str(name).strip():
        slug = "tag-" + hashlib.sha256(str(name).strip().encode()).hexdigest()[:10]
    return slug


def tag_display_name(name: str) -> str:
    """A tag's display name as written, with runs of white space made one space."""
    return " ".join(str(name).split())[:80]


post_tags = Table(
    "post_tags",
    db.metadata,
    Column("post_id", ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True, index=True),
    # The author's order: the first tag is the post's "tag word" in compact listings.
    Column("position", Integer, nullable=False, default=0),
)


post_authors = Table(
    "post_authors",
    db.metadata,
    Column("post_id", ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True),
    # The byline's order: the first author is named first.
    Column("position", Integer, nullable=False, default=0),
)


class Topic(db.Model):
    __tablename__ = "topics"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(default=0)

    posts: Mapped[list[Post]] = relationship(back_populates="topic")

    def __repr__(self) -> str:
        return f"<Topic {self.slug}>"


class Tag(db.Model):
    """A tag: ``name`` as the author writes it ("C++", "パイソン"), ``slug`` in its URL.

    Two names with one slug ("Python", "python") are one tag; the first name is kept.
    """

    __tablename__ = "tags"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(80))

    posts: Mapped[list[Post]] = relationship(secondary=post_tags, back_populates="tags")

    def __repr__(self) -> str:
        return f"<Tag {self.name}>"


class Series(db.Model):
    """An ordered run of posts ("Part 2 of 5"), with its own page and feed."""

    __tablename__ = "series"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    posts: Mapped[list[Post]] = relationship(back_populates="series")

    def __repr__(self) -> str:
        return f"<Series {self.slug}>"


class Post(db.Model):
    __tablename__ = "posts"
    __table_args__ = (
        # Every public listing filters on status and sorts by publication time.
        # Each covers every column its listing filters on, so counts and page lookups read
        # the index only, never the rows (whose long bodies SQLite keeps in overflow pages).
        Index("ix_posts_visible", "status", "is_page", "published_at", "topic_id"),
        Index("ix_posts_topic_visible", "topic_id", "status", "is_page", "published_at"),
        Index("ix_posts_featured_visible", "featured", "status", "is_page", "published_at"),
        # A series' parts: read by series, never by walking every visible post.
        Index("ix_posts_series_visible", "series_id", "status", "is_page", "published_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    summary: Mapped[str] = mapped_column(Text, default="")
    body: Mapped[str] = mapped_column(Text, default="")
    body_html: Mapped[str] = mapped_column(Text, default="")
    toc_html: Mapped[str] = mapped_column(Text, default="")
    topic_id: Mapped[int | None] = mapped_column(ForeignKey("topics.id", ondelete="SET NULL"))
    featured: Mapped[bool] = mapped_column(default=False)
    # The cover: an uploaded image's URL ("/uploads/<sha256>.<ext>") and its alt text. It
    # heads the post and, cropped to 1200x630, is the social card (og:image).
    cover_image: Mapped[str] = mapped_column(String(300), default="")
    cover_alt: Mapped[str] = mapped_column(String(300), default="")
    # A standalone page at /<slug> rather than a dated post (see the module docstring).
    is_page: Mapped[bool] = mapped_column(default=False)
    series_id: Mapped[int | None] = mapped_column(ForeignKey("series.id", ondelete="SET NULL"))
    # The part number within the series; parts are ordered by it, then by date.
    series_position: Mapped[int | None] = mapped_column()
    status: Mapped[str] = mapped_column(String(20), default=DRAFT)
    # The post's language when it is not the site's (a translation): a BCP 47 tag or "".
    language: Mapped[str] = mapped_column(String(35), default="", server_default="")
    # Status to return to when a trashed post is restored.
    status_before_trash: Mapped[str | None] = mapped_column(String(20))
    published_at: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    word_count: Mapped[int] = mapped_column(default=0)
    # Incremented on every save; the editor refuses a save made from an older version.
    version: Mapped[int] = mapped_column(default=1)
    # Every UPDATE/DELETE of a post carries "WHERE version = <the version we read>", so two
    # processes saving at once cannot both win: the loser gets StaleDataError (which
    # save_post turns into StaleSaveError). save_post sets the new version itself.
    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}

    topic: Mapped[Topic | None] = relationship(back_populates="posts")
    tags: Mapped[list[Tag]] = relationship(
        secondary=post_tags, back_populates="posts", order_by=post_tags.c.position
    )
    series: Mapped[Series | None] = relationship(back_populates="posts")
    authors: Mapped[list[User]] = relationship(
        secondary=post_authors, order_by=post_authors.c.position
    )
    aliases: Mapped[list[Alias]] = relationship(
        back_populates="post", cascade="all, delete-orphan"
    )
    revisions: Mapped[list[Revision]] = relationship(
        back_populates="post", cascade="all, delete-orphan", order_by="Revision.id"
    )

    @property
    def reading_minutes(self) -> int:
        return reading_minutes(self.word_count)

    @property
    def path(self) -> str:
        """The address readers find it at: ``/posts/<slug>``, or ``/<slug>`` for a page."""
        return page_path(self.slug) if self.is_page else post_path(self.slug)

    @property
    def is_visible(self) -> bool:
        """True when readers can see the post now."""
        return (
            self.status == PUBLISHED
            and self.published_at is not None
            and self.published_at <= utcnow()
        )

    @property
    def is_scheduled(self) -> bool:
        return (
            self.status == PUBLISHED
            and self.published_at is not None
            and self.published_at > utcnow()
        )

    @property
    def modified_at(self) -> datetime:
        """When readers last saw the post change: its last save or, if later, its going
        live (a post scheduled after its last save changes, for readers, when it appears).

        Only meaningful for a post that has a ``published_at``.
        """
        return max(self.updated_at, self.published_at)

    @property
    def tag_word(self) -> str:
        """The first tag's display name, shown beside the year in compact listings."""
        return self.tags[0].name if self.tags else ""

    @property
    def first_tag(self) -> Tag | None:
        """The first tag (its ``slug`` links to its page), or ``None``."""
        return self.tags[0] if self.tags else None

    @classmethod
    def visible(cls):
        """A ``select`` of the posts (not pages) readers can see, newest first."""
        return (
            select(cls)
            .where(cls.status == PUBLISHED, cls.published_at <= utcnow(), cls.is_page.is_(False))
            .order_by(cls.published_at.desc(), cls.id.desc())
        )

    @classmethod
    def visible_pages(cls):
        """A ``select`` of the pages readers can see, by title."""
        return (
            select(cls)
            .where(cls.status == PUBLISHED, cls.published_at <= utcnow(), cls.is_page.is_(True))
            .order_by(cls.title, cls.id)
        )

    def __repr__(self) -> str:
        return f"<Post {self.slug}>"


class Alias(db.Model):
    """An old path (legacy URL or former slug) that answers 301 to its post."""

    __tablename__ = "aliases"

    id: Mapped[int] = mapped_column(primary_key=True)
    path: Mapped[str] = mapped_column(String(500), unique=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"), index=True)

    post: Mapped[Post] = relationship(back_populates="aliases")


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    display_name: Mapped[str] = mapped_column(String(120), default="")
    # The author page's address, /authors/<slug>: made from the display name, never the
    # username, so bylines do not publish sign-in names.
    slug: Mapped[str | None] = mapped_column(String(80), unique=True)
    bio: Mapped[str] = mapped_column(Text, default="")
    role: Mapped[str] = mapped_column(String(20), default=OWNER)
    password_hash: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Bumped when the author signs out: every session and remember-me cookie made before
    # then names an older generation, so replaying it after sign-out opens nothing.
    session_generation: Mapped[int] = mapped_column(default=0, server_default="0")

    @property
    def name(self) -> str:
        """The name readers see in bylines."""
        return self.display_name or self.username

    def can(self, permission: str) -> bool:
        """Whether this account's role grants ``permission`` (see ``PERMISSIONS``)."""
        return self.role in PERMISSIONS.get(permission, ())

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password, method="scrypt")

    def get_id(self) -> str:
        """The session's user id: ``"<id>:<token>"``, the token derived from the password
        hash and the session generation, so changing the password or signing out ends
        every session and remember-me cookie made before."""
        return f"{self.id}:{self.session_token}"

    @property
    def session_token(self) -> str:
        material = f"{self.session_generation or 0}:{self.password_hash}"
        return hashlib.sha256(material.encode()).hexdigest()[:32]

    def end_sessions(self) -> None:
        """End every session and remember-me cookie of this account (the caller commits)."""
        self.session_generation = (self.session_generation or 0) + 1

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)


@event.listens_for(User, "before_insert")
def _give_author_slug(mapper, connection, user: User) -> None:
    """Every account gets an author-page slug made from its display name, once: the
    address stays when the name changes later (URLs are forever)."""
    if user.slug:
        return
    base = slugify(user.display_name or "", max_length=70) or "author"
    slug, n = base, 2
    while connection.scalar(select(User.id).where(User.slug == slug)) is not None:
        slug, n = f"{base}-{n}", n + 1
    user.slug = slug


# What each role may do. Checked by the editor's views; the content store trusts its callers.
PERMISSIONS: dict[str, tuple[str, ...]] = {
    "publish": (OWNER, EDITOR),  # publish, schedule, unpublish, change live content
    "edit_any": (OWNER, EDITOR),  # change posts someone else wrote
    "pages": (OWNER, EDITOR),  # pages and the header navigation
    "delete": (OWNER, EDITOR),  # delete forever
    "plugins": (OWNER,),  # the plugin report and failures
    "accounts": (OWNER,),  # creating accounts, roles, other authors' passwords
}


class NavItem(db.Model):
    """One link of the header navigation: a page, a topic or any link, in ``position`` order."""

    __tablename__ = "nav_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    position: Mapped[int] = mapped_column(default=0)
    label: Mapped[str] = mapped_column(String(80), default="")
    page_id: Mapped[int | None] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"))
    topic_id: Mapped[int | None] = mapped_column(ForeignKey("topics.id", ondelete="CASCADE"))
    url: Mapped[str] = mapped_column(String(500), default="")

    page: Mapped[Post | None] = relationship()
    topic: Mapped[Topic | None] = relationship()

    @property
    def kind(self) -> str:
        return "page" if self.page_id else "topic" if self.topic_id else "link"

    @property
    def text(self) -> str:
        """The link text: the label, else the page's title or the topic's name."""
        if self.label:
            return self.label
        if self.page is not None:
            return self.page.title
        if self.topic is not None:
            return self.topic.name
        return self.url


class Revision(db.Model):
    """A snapshot of every field of a post, taken on each save (and on autosave)."""

    __tablename__ = "revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    kind: Mapped[str] = mapped_column(String(20), default="save")  # save, autosave, restore, import
    # The post's version this revision holds; for an autosave, the version the unsaved
    # form was loaded from.
    version: Mapped[int] = mapped_column(default=1)
    title: Mapped[str] = mapped_column(String(300))
    slug: Mapped[str] = mapped_column(String(120))
    summary: Mapped[str] = mapped_column(Text, default="")
    body: Mapped[str] = mapped_column(Text, default="")
    topic_slug: Mapped[str | None] = mapped_column(String(80))
    tags: Mapped[str] = mapped_column(Text, default="")  # comma-separated display names
    featured: Mapped[bool] = mapped_column(default=False)
    cover_image: Mapped[str] = mapped_column(String(300), default="")
    cover_alt: Mapped[str] = mapped_column(String(300), default="")
    status: Mapped[str] = mapped_column(String(20), default=DRAFT)
    published_at: Mapped[datetime | None] = mapped_column()
    authors: Mapped[str] = mapped_column(Text, default="")  # comma-separated usernames
    series_title: Mapped[str] = mapped_column(String(200), default="")
    series_position: Mapped[int | None] = mapped_column()

    post: Mapped[Post] = relationship(back_populates="revisions")
    user: Mapped[User | None] = relationship()


class Image(db.Model):
    """An uploaded image as stored: its size and which renditions exist (see
    ``content/uploads/images.py``). Files live in ``UPLOAD_FOLDER`` under ``name`` and
    ``<sha>-<width>w.<format>``."""

    __tablename__ = "images"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)  # "<sha256>.<ext>"
    width: Mapped[int] = mapped_column()
    height: Mapped[int] = mapped_column()
    widths: Mapped[str] = mapped_column(String(200), default="")  # "480,800,1024"
    formats: Mapped[str] = mapped_column(String(40), default="")  # "avif,webp"
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    @classmethod
    def info_for(cls, name: str) -> ImageInfo | None:
        """The stored image called ``name`` ("<sha256>.<ext>"), or None."""
        image = db.session.scalar(select(cls).where(cls.name == name))
        return image.info if image is not None else None

    @property
    def info(self) -> ImageInfo:
        return ImageInfo(
            name=self.name,
            width=self.width,
            height=self.height,
            widths=tuple(int(w) for w in self.widths.split(",") if w),
            formats=tuple(f for f in self.formats.split(",") if f),
        )


class LoginFailure(db.Model):
    """Failed sign-in counters, keyed by account or client address, for throttling."""

    __tablename__ = "login_failures"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    failures: Mapped[int] = mapped_column(default=0)
    last_failure_at: Mapped[datetime] = mapped_column(default=utcnow)
    locked_until: Mapped[datetime | None] = mapped_column()


class SiteState(db.Model):
    """Site-wide state every process reads: one row, id 1 (see ``content.generation``).

    ``content_generation`` is bumped in the same transaction as every change readers can
    see; each process compares it with the generation of its page cache.
    ``next_publication_at`` is the earliest scheduled post still waiting, so a process
    knows when to bump the generation for a post going live without asking the posts
    table. ``plugin_set`` names the plugins the last process to start had enabled;
    ``changed_at`` is when the generation last moved.
    """

    __tablename__ = "site_state"

    id: Mapped[int] = mapped_column(primary_key=True)
    content_generation: Mapped[int] = mapped_column(default=1)
    next_publication_at: Mapped[datetime | None] = mapped_column()
    plugin_set: Mapped[str] = mapped_column(Text, default="")
    # When the generation last moved: the site's Last-Modified, read by primary key
    # (a max() over the posts would read every row's overflow pages).
    changed_at: Mapped[datetime | None] = mapped_column()


class Upload(db.Model):
    """An uploaded image kept in the database (``UPLOAD_STORAGE = "database"``, the default
    on PostgreSQL), so that every app machine can serve it. Named by its content hash."""

    __tablename__ = "uploads"

    name: Mapped[str] = mapped_column(String(80), primary_key=True)
    media_type: Mapped[str] = mapped_column(String(40))
    size: Mapped[int] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    data: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
