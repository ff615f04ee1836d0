"""Making stored post HTML stand on its own in a feed reader.

A feed entry is read far from the site, so every URL in it must be absolute: ``/uploads/x.png``
and the heading anchors ``#section`` mean nothing in a reader. Only attribute values inside
tags are rewritten: code samples often *show* ``href="/x"`` as text, and that text must stay
exactly as written.
"""

from __future__ import annotations

import re
from urllib.parse import urljoin

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


def absolutize_urls(html: str, base_url: str) -> str:
    """Return ``html`` with every URL attribute resolved against ``base_url``.

    ``base_url`` is the absolute URL of the page the HTML came from, so ``/a`` becomes
    ``https://host/a``, ``#s`` becomes ``https://host/posts/slug#s`` and absolute URLs
    (``https:``, ``mailto:``) are left alone. Text outside tags is never changed.
    """

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
                " ".join([urljoin(base_url, url), *rest])
                for url, *rest in (c.split() for c in value.split(",") if c.strip())
            )
        else:
            fixed = urljoin(base_url, value.strip())
        return f"{match.group('lead')}{quote}{fixed}{quote}"

    return _TAG_RE.sub(lambda tag: _ATTR_RE.sub(fix_attribute, tag.group(0)), html)


def xml_safe(text: str) -> str:
    """``text`` without the characters XML 1.0 forbids, which would make a feed unreadable."""
    return _XML_INVALID_RE.sub("", text)
