"""What a page says about itself to link previews and search engines.

Every reader page gets a ``Social`` (built by its view, or the site's default): OpenGraph
and Twitter-card meta, a 1200x630 ``og:image`` and JSON-LD (``BlogPosting`` on posts,
``WebPage``/``CollectionPage``/``Blog`` elsewhere, always with a ``BreadcrumbList``).
``templates/partials/social_meta.html`` writes it into ``<head>``.

The image is the post's cover cropped to 1200x630 (``/uploads/<sha>-card.jpg``, made on
first request) or the site's card, generated with Pillow from ``SITE_TITLE`` and
``SITE_TAGLINE`` and served at ``/-/card.png``.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from flask import Flask, Response, current_app, request, url_for
from markupsafe import Markup, escape
from pressmark.content.models import Image, Post, isoformat_utc
from pressmark.content.uploads.images import CARD_SIZE, picture_html, text_card
from pressmark.content.uploads.receive import card_url
from pressmark.state import app_state
from pressmark.web.urls import absolute_url, canonical_url

Crumb = tuple[str, str]  # (name, path)
# Pages that are nobody's to share: signing in, the editor.
PRIVATE_BLUEPRINTS = frozenset({"auth", "editor", "uploads"})


@dataclass
class Social:
    """The shareable description of one page (absolute URLs throughout)."""

    title: str
    description: str
    url: str
    image: str
    image_alt: str
    kind: str = "website"  # og:type: "website" or "article"
    json_ld: list[dict[str, Any]] = field(default_factory=list)
    article: dict[str, Any] = field(default_factory=dict)  # article:* properties

    image_width: int = CARD_SIZE[0]
    image_height: int = CARD_SIZE[1]


def json_ld_authors(post: Post) -> list[dict[str, str]]:
    """schema.org ``Person`` objects for a post's authors (the site's author when none)."""
    if not post.authors:
        return [{"@type": "Person", "name": current_app.config["SITE_AUTHOR"]}]
    return [
        {
            "@type": "Person",
            "name": person.name,
            "url": absolute_url(url_for("public.author", slug=person.slug)),
        }
        for person in post.authors
    ]


def _card_text() -> tuple[str, str]:
    config = current_app.config
    return config["SITE_TITLE"], config["SITE_TAGLINE"]


def site_card_url() -> str:
    """The absolute URL of the site's generated card, versioned by its text."""
    version = hashlib.sha256("\n".join(_card_text()).encode()).hexdigest()[:10]
    return absolute_url(url_for("site_card", v=version))


def site_card() -> Response:
    """The site's 1200x630 card (PNG), generated once per process."""
    cache = app_state(current_app).site_card
    text = _card_text()
    if text not in cache:
        cache.clear()
        cache[text] = text_card(*text)
    response = Response(cache[text], mimetype="image/png")
    response.headers["Cache-Control"] = "public, max-age=86400"
    return response


def breadcrumbs(crumbs: list[Crumb]) -> dict[str, Any]:
    """A schema.org ``BreadcrumbList`` of ``crumbs``, home first."""
    return {
        "@context": "https://schema.org",
        "@type": "BreadcrumbList",
        "itemListElement": [
            {"@type": "ListItem", "position": i, "name": name, "item": absolute_url(path)}
            for i, (name, path) in enumerate(crumbs, start=1)
        ],
    }


def page_social(
    title: str, crumbs: list[Crumb], url: str, *, description: str = "",
    schema_type: str = "CollectionPage", main_entity: dict[str, Any] | None = None,
) -> Social:
    """The ``Social`` of a page that is not a post: the site's card, a ``schema_type``
    (``Blog``, ``CollectionPage``, ``WebPage``) and breadcrumbs from the home page."""
    config = current_app.config
    description = description or config["SITE_TAGLINE"]
    crumbs = [(config["SITE_TITLE"], "/"), *crumbs]
    page = {
        "@context": "https://schema.org",
        "@type": schema_type,
        "name": title,
        "description": description,
        "url": url,
        "inLanguage": config["SITE_LANGUAGE"],
        "isPartOf": {"@type": "WebSite", "name": config["SITE_TITLE"], "url": absolute_url("/")},
    }
    if main_entity:
        page["mainEntity"] = main_entity
    return Social(
        title=title, description=description, url=url, image=site_card_url(),
        image_alt=f"{config['SITE_TITLE']}: {config['SITE_TAGLINE']}",
        json_ld=[page, breadcrumbs(crumbs)],
    )


def post_social(
    post: Post, url: str, crumbs: list[Crumb], *, schema_type: str = "BlogPosting"
) -> Social:
    """The ``Social`` of a post (or, with ``schema_type="WebPage"``, a standalone page
    written in the editor): its cover's card or the site's, the schema.org item with authors
    and dates, and breadcrumbs."""
    config = current_app.config
    if post.cover_image:
        image, alt = absolute_url(card_url(post.cover_image)), post.cover_alt
    else:
        image = site_card_url()
        alt = f"{config['SITE_TITLE']}: {config['SITE_TAGLINE']}"
    authors = json_ld_authors(post)
    published = isoformat_utc(post.published_at)
    modified = isoformat_utc(post.modified_at)
    posting = {
        "@context": "https://schema.org",
        "@type": schema_type,
        "headline": post.title,
        "description": post.summary,
        "datePublished": published,
        "dateModified": modified,
        "url": url,
        "mainEntityOfPage": url,
        "author": authors,
        "publisher": {"@type": "Organization", "name": config["SITE_TITLE"],
                      "url": absolute_url("/")},
        "image": {"@type": "ImageObject", "url": image, "width": CARD_SIZE[0],
                  "height": CARD_SIZE[1]},
        "inLanguage": config["SITE_LANGUAGE"],
        "keywords": ", ".join(tag.name for tag in post.tags),
        "wordCount": post.word_count,
    }
    article = {
        "published_time": published,
        "modified_time": modified,
        "author": [a["name"] for a in authors],
        "tag": [tag.name for tag in post.tags],
    }
    if post.topic is not None:
        article["section"] = post.topic.name
    return Social(
        title=post.title, description=post.summary or config["SITE_TAGLINE"], url=url,
        image=image, image_alt=alt, kind="article" if schema_type == "BlogPosting" else "website",
        article=article,
        json_ld=[posting, breadcrumbs([(config["SITE_TITLE"], "/"), *crumbs])],
    )


def default_social(context: dict[str, Any]) -> Social | None:
    """The ``Social`` of a page whose view gave none: a standalone page (``page`` in the
    context, a ``Post``) is described by its own fields; any other page (a plugin's) by the
    site's card and title. Sign-in and editor pages, and the 404 page (``social=None``),
    describe nothing."""
    if request.blueprint in PRIVATE_BLUEPRINTS:
        return None
    page = context.get("page")
    if isinstance(page, Post) and page.published_at is not None:
        crumbs = [(page.title, request.path)]
        return post_social(page, canonical_url(), crumbs, schema_type="WebPage")
    return page_social(current_app.config["SITE_TITLE"], [], canonical_url(),
                       schema_type="WebPage")


def cover_picture(post: Post) -> Markup:
    """The post's cover as a ``<picture>`` at the head of the page (loaded eagerly: it is
    above the fold), or nothing when the post has none or its image is gone."""
    info = Image.info_for(post.cover_image.removeprefix("/uploads/")) if post.cover_image else None
    if info is None:
        return Markup("")
    picture = picture_html(info, str(escape(post.cover_alt)), eager=True)
    return Markup(f'<figure class="post-cover">{picture}</figure>')


def init_app(app: Flask) -> None:
    """The template helper ``cover_picture`` (the ``/-/card.png`` route is added by
    ``create_app`` with the others)."""
    app.jinja_env.globals["cover_picture"] = cover_picture
