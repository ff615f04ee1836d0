"""Making stored post HTML stand on its own in a feed reader.

A feed entry is read far from the site, so every URL in it must be absolute: ``/uploads/x.png``
and the heading anchors ``#section`` mean nothing in a reader. Only attribute values inside
tags are rewritten: code samples often *show* ``href="/x"`` as text, and that text must stay
exactly as written.
"""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

# Attributes that hold one URL, and srcset, which holds "URL width, URL width" (the
# sanitiser does not allow it; responsive images of uploads carry it).
URL_ATTRIBUTES = ("href", "src", "action", "poster", "cite")
SRCSET = "srcset"

# A whole start tag, quoted values included, so a ">" inside a value does not end it.
# Stored HTML is serialised by the sanitiser: text never holds a raw "<", only tags do.
_TAG_RE = re.compile(
    r"""<[A-Za-z][^\s/>]*(?:\s+[^\s"'>/=]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'>]+))?)*\s*/?>"""
)
# One attribute of a tag. Matching every attribute in turn, values whole, means a value
# that merely contains the text ` href="/x"` is never mistaken for an attribute.
_ATTR_RE = re.compile(
    r"""(?P<lead>\s+(?P<name>[^\s"'>/=]+)\s*=\s*)"""
    r"""(?:"(?P<dq>[^"]*)"|'(?P<sq>[^']*)'|(?P<bare>[^\s"'>]+))"""
    r"""|\s+[^\s"'>/=]+"""  # an attribute without a value
)

# Characters XML 1.0 cannot carry at all, even escaped (most C0 controls, lone surrogates).
_XML_INVALID_RE = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


# Cheap tests that skip what needs no rewriting: a tag without a URL attribute (most tags:
# code highlighting alone is a <span> per token), and values that are already absolute.
_MAY_HOLD_URL_RE = re.compile(r"(?:href|src|action|poster|cite|srcset)\s*=", re.IGNORECASE)
# Lower case only: urljoin writes a scheme in lower case, so "HTTPS:" takes the slow path.
_ABSOLUTE_RE = re.compile(r"[a-z][a-z0-9+.-]*:")
_URLJOIN_ONLY_RE = re.compile(r"[\t\r\n\\]")


def resolver(base_url: str):
    """``urljoin(base_url, value)``, with the common cases (an absolute URL, ``/path``,
    ``#fragment``) answered without parsing ``base_url`` again for every value."""
    parts = urlsplit(base_url)
    origin = f"{parts.scheme}://{parts.netloc}"
    page = base_url.split("#", 1)[0]

    def resolve(value: str) -> str:
        if _URLJOIN_ONLY_RE.search(value):  # characters urljoin drops or treats specially
            return urljoin(base_url, value)
        scheme = _ABSOLUTE_RE.match(value)
        # "https:x" on an https page is relative (RFC 3986 5.2.2); other schemes are not.
        if scheme and (value.startswith("//", scheme.end())
                       or scheme.group(0)[:-1] != parts.scheme):
            return value
        if value.startswith("#"):
            return page + value
        if value.startswith("/") and not value.startswith("//"):
            return urljoin(origin, value) if "/." in value else origin + value
        return urljoin(base_url, value)

    return resolve


def absolutize_urls(html: str, base_url: str) -> str:
    """Return ``html`` with every URL attribute resolved against ``base_url``.

    ``base_url`` is the absolute URL of the page the HTML came from, so ``/a`` becomes
    ``https://host/a``, ``#s`` becomes ``https://host/posts/slug#s`` and absolute URLs
    (``https:``, ``mailto:``) are left alone. Text outside tags is never changed.
    """
    resolve = resolver(base_url)

    def fix_attribute(match: re.Match) -> str:
        name = match.group("name")
        if name is None or name.lower() not in (*URL_ATTRIBUTES, SRCSET):
            return match.group(0)
        if match.group("dq") is not None:
            value, quote = match.group("dq"), '"'
        elif match.group("sq") is not None:
            value, quote = match.group("sq"), "'"
        else:
            value, quote = match.group("bare"), '"'
        # Entities such as &amp; are left as they are: joining only adds a prefix.
        if name.lower() == SRCSET:
            fixed = ", ".join(
                " ".join([resolve(url), *rest])
                for url, *rest in (c.split() for c in value.split(",") if c.strip())
            )
        else:
            fixed = resolve(value.strip())
        return f"{match.group('lead')}{quote}{fixed}{quote}"

    def fix_tag(tag: re.Match) -> str:
        text = tag.group(0)
        if not _MAY_HOLD_URL_RE.search(text):
            return text
        return _ATTR_RE.sub(fix_attribute, text)

    return _TAG_RE.sub(fix_tag, html)


def xml_safe(text: str) -> str:
    """``text`` without the characters XML 1.0 forbids, which would make a feed unreadable."""
    return _XML_INVALID_RE.sub("", text)
