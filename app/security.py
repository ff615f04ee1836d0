"""Security defaults: response headers and a strict Content-Security-Policy.

Scripts and styles are files served from this host, so the policy needs no
``unsafe-inline``. Proxy headers are not read here: the server does that, for the proxy
only (``pressmark.serving``), so ``request.is_secure`` is already right when HSTS is decided.

Outside content is allowed by name only:

- ``CSP_IMG_SOURCES``: hosts images in posts may come from (``img-src``), for every page;
- ``CSP_FRAME_SOURCES``: hosts that may be framed (``frame-src``), for every page;
- ``allow_sources(directive, *sources)``: more sources for the current response only,
  called while a page is rendered (the video embeds name their player's host only on
  pages that hold a video). Pages are cached with their policy, so a cached page keeps it.
"""

from __future__ import annotations

from collections.abc import Iterable

from flask import Flask, Response, abort, current_app, g, has_request_context, request
from flask_login import current_user

# Directive -> sources. img-src and frame-src grow with the settings and allow_sources.
BASE_POLICY: dict[str, tuple[str, ...]] = {
    "default-src": ("'self'",),
    "script-src": ("'self'",),
    "style-src": ("'self'",),
    "img-src": ("'self'", "data:"),
    "font-src": ("'self'",),
    "connect-src": ("'self'",),
    "object-src": ("'none'",),
    "base-uri": ("'self'",),
    "form-action": ("'self'",),
    "frame-ancestors": ("'none'",),
}
CONFIGURABLE = {"img-src": "CSP_IMG_SOURCES", "frame-src": "CSP_FRAME_SOURCES"}

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), interest-cohort=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def _sources(raw: str | Iterable[str] | None) -> list[str]:
    """A setting as a list: a list, or a string of sources separated by spaces or commas
    (``PRESSMARK_CSP_IMG_SOURCES="https://a.example https://b.example"``)."""
    if not raw:
        return []
    if isinstance(raw, str):
        raw = raw.replace(",", " ").split()
    return [str(source).strip() for source in raw if str(source).strip()]


def allow_sources(directive: str, *sources: str) -> None:
    """Add ``sources`` to ``directive`` (``img-src`` or ``frame-src``) for this response."""
    if directive not in CONFIGURABLE:
        raise ValueError(f"only {', '.join(CONFIGURABLE)} can be extended, not {directive}")
    extra = g.setdefault("csp_extra_sources", {})
    for source in sources:
        if source not in extra.setdefault(directive, []):
            extra[directive].append(source)


def content_security_policy(app: Flask | None = None) -> str:
    """The policy for the current response: the base, the settings, and what this request
    added with ``allow_sources``."""
    config = (app or current_app).config
    extra = g.get("csp_extra_sources", {}) if has_request_context() else {}
    policy = {name: list(sources) for name, sources in BASE_POLICY.items()}
    for directive, setting in CONFIGURABLE.items():
        added = _sources(config.get(setting)) + extra.get(directive, [])
        if not added:
            continue  # frame-src stays unset: default-src 'self' applies
        kept = policy.setdefault(directive, ["'self'"])
        kept.extend(source for source in added if source not in kept)
    return "; ".join(f"{name} {' '.join(sources)}" for name, sources in policy.items())


def apply_policy(response: Response) -> Response:
    """Give ``response`` its Content-Security-Policy now (before the page cache stores it)."""
    response.headers.setdefault("Content-Security-Policy", content_security_policy())
    return response


def refuse_nul_characters() -> None:
    """A NUL character in the address is a 404 (no page has one), in a form field a 400.

    PostgreSQL refuses NUL in text, so a lookup with one would fail as a 500. The editor's
    post fields are the exception: there a NUL the author pasted becomes U+FFFD when the
    post is saved (``postdata.without_nul``), so the text is kept. Query strings are the
    views' to read: search drops control characters, page numbers are numbers.
    """
    if "\x00" in request.path:
        abort(404)
    if request.blueprint != "editor":
        for name, value in request.form.items(multi=True):
            if "\x00" in name or "\x00" in value:
                abort(400, description="The form contains a NUL character.")


def init_app(app: Flask) -> None:
    app.before_request(refuse_nul_characters)

    @app.after_request
    def set_security_headers(response: Response) -> Response:
        apply_policy(response)
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        if "Cache-Control" not in response.headers and current_user.is_authenticated:
            # A page made while signed in (search, calculators, ...) may show what only the
            # author sees: browsers may keep it, shared caches never.
            response.headers["Cache-Control"] = "private, no-cache"
        if request.is_secure:
            response.headers.setdefault(
                "Strict-Transport-Security", "max-age=31536000; includeSubDomains"
            )
        return response
