"""A post as a mail: HTML with every style inlined (``css-inline``) and a plain-text part.

What a mail client cannot show is replaced, never dropped silently: math becomes a linear
formula, a calculator (a form) or an embedded frame becomes a link to the post, and every
link and image address is made absolute. Nothing is rewritten for tracking: links point
where the post points, and there is no pixel.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urljoin

import css_inline
from flask import current_app, render_template
from markdownify import markdownify
from markupsafe import Markup, escape
from pressmark.api import absolute_url, post_url
from pressmark.content.models import Post
from pressmark.plugins.newsletter.linear_math import math_fallback

FORM_RE = re.compile(r"<form\b[^>]*>.*?</form>", re.DOTALL | re.IGNORECASE)
LEGEND_RE = re.compile(r"<legend\b[^>]*>(.*?)</legend>", re.DOTALL | re.IGNORECASE)
FRAME_RE = re.compile(r"<(iframe|video|audio|object)\b.*?</\1>", re.DOTALL | re.IGNORECASE)
# Inline charts (SVG), which most mail clients drop.
SVG_RE = re.compile(r"<svg\b.*?</svg>", re.DOTALL | re.IGNORECASE)
URL_ATTR_RE = re.compile(r'\b(href|src)="([^"]*)"', re.IGNORECASE)
SRCSET_RE = re.compile(r'\s(srcset|sizes)="[^"]*"', re.IGNORECASE)
TAG_RE = re.compile(r"<[^>]+>")
MAIL_CSS = Path(__file__).with_name("mail.css")


def interactive_as_link(html: str, url: str) -> str:
    """Calculators (forms), charts (inline SVG) and embedded players become a link to
    the post."""

    def form(match: re.Match[str]) -> str:
        legend = LEGEND_RE.search(match.group(0))
        title = TAG_RE.sub("", legend.group(1)).strip() if legend else "the calculator"
        return (f'<p class="embed-link"><a href="{escape(url)}">Open {escape(title)} '
                f"on the site</a> (it is interactive)</p>")

    html = FORM_RE.sub(form, html)
    html = SVG_RE.sub(
        lambda m: f'<p class="embed-link"><a href="{escape(url)}">See the chart on the '
                  "site</a></p>", html)
    return FRAME_RE.sub(
        lambda m: f'<p class="embed-link"><a href="{escape(url)}">Watch on the site</a></p>',
        html)


def absolute_links(html: str, base: str) -> str:
    """Every ``href`` and ``src`` absolute against ``base`` (the post's URL); ``srcset`` is
    dropped, since ``src`` alone is enough for a mail and its candidates are relative."""
    html = SRCSET_RE.sub("", html)
    return URL_ATTR_RE.sub(lambda m: f'{m.group(1)}="{escape(urljoin(base, m.group(2)))}"',
                           html)


def _styles() -> str:
    pygments = Path(current_app.static_folder or "", "pygments.css")
    css = MAIL_CSS.read_text(encoding="utf-8")
    return css + (pygments.read_text(encoding="utf-8") if pygments.exists() else "")


def mail_body(post: Post) -> str:
    """The post's body HTML made fit for a mail (before styles are inlined)."""
    url = absolute_url(post_url(post))
    body = interactive_as_link(math_fallback(post.body_html), url)
    return absolute_links(body, url)


def render_post_mail(post: Post, unsubscribe_url: str) -> tuple[str, str]:
    """(html, text) of ``post`` as a mail to one subscriber."""
    url = absolute_url(post_url(post))
    body = mail_body(post)
    html = render_template("newsletter/mail.html", post=post, url=url, body=Markup(body),
                           unsubscribe_url=unsubscribe_url, site_url=absolute_url("/"))
    # The styles go straight to the inliner: the template (like every template) has none.
    inliner = css_inline.CSSInliner(keep_style_tags=False, load_remote_stylesheets=False,
                                    extra_css=_styles())
    html = inliner.inline(html)
    text = render_template("newsletter/mail.txt", post=post, url=url,
                           body=markdownify(body, heading_style="ATX").strip(),
                           unsubscribe_url=unsubscribe_url, site_url=absolute_url("/"))
    return html, text
