"""Configuration: defaults, then ``instance/config.py``, then ``PRESSMARK_*`` environment
variables, then the test overrides passed to ``create_app``.

The secret key has no fallback: a site without one in its instance config or environment
refuses to start, except in testing. ``pressmark serve`` writes one on first start.
"""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path

from flask import Flask

ENV_PREFIX = "PRESSMARK_"


class DefaultConfig:
    """Values every site starts from. Each can be overridden in the instance config."""

    SITE_TITLE = "Engineering Tokens"
    SITE_TAGLINE = (
        "Working notes on AI inference, LLMs, agents, cloud systems, GPUs, and the runtime "
        "stack that turns model weights into reliable, predictable services at scale."
    )
    SITE_AUTHOR = "pressmark"
    SITE_LANGUAGE = "en"
    # The site's time zone (an IANA name such as "Europe/Paris"): dates on pages and the
    # editor's schedule field are in it; the database keeps UTC.
    TIMEZONE = "UTC"
    # Absolute base URL used in feeds, sitemaps and canonical links when set; otherwise the
    # request's host is used. Setting it also pins the site to that host name.
    SITE_URL = ""
    # Host names the site answers to (Flask's setting; ".example.com" allows subdomains).
    # With SITE_URL or this set, any other Host header gets 400. `pressmark serve` on a
    # public interface requires one of the two.
    TRUSTED_HOSTS: list[str] = []
    POSTS_PER_PAGE = 10
    FEATURED_ON_HOME = 3
    LATEST_NOTES_LIMIT = 20
    # Titles per page of /archive and /archive/<year> (plain links, so many fit a page).
    ARCHIVE_PER_PAGE = 100
    # The topic whose posts the home page lists under "From the Archive", and how many of
    # its newest titles it shows there (the rest are on the topic's own pages).
    ARCHIVE_TOPIC = "archive"
    HOME_ARCHIVE_LIMIT = 50
    ARCHIVE_INTRO = (
        "Earlier writing on cloud architecture, Kubernetes, Go, and system design — "
        "kept here for reference."
    )
    # The page cache: memory for cached pages (all encodings), and how often each process
    # asks the database whether content changed elsewhere (its content generation).
    CACHE_MAX_BYTES = 64 * 1024 * 1024
    CACHE_CHECK_SECONDS = 1.0
    # After a change, a cached page may still be served stale for this long while one
    # request renders it again (0: never; every reader then waits for the new page).
    CACHE_GRACE_SECONDS = 10.0
    # Cache-Control of public pages, feeds and sitemaps: browsers keep them CACHE_MAX_AGE
    # seconds; shared caches (CDNs) CACHE_S_MAXAGE when set, and may serve a stale copy
    # for CACHE_STALE_WHILE_REVALIDATE seconds while fetching a fresh one.
    CACHE_MAX_AGE = 60
    CACHE_S_MAXAGE: int | None = None
    CACHE_STALE_WHILE_REVALIDATE: int | None = None
    SQLALCHEMY_TRACK_MODIFICATIONS = False
    # Logging, set up by the `pressmark` command (pressmark.logs): pressmark's loggers at
    # LOG_LEVEL on stderr; `pressmark serve`'s access log on stdout (ACCESS_LOG); lines as
    # text with access lines in the combined format, or LOG_FORMAT = "json". A complete
    # logging.config.dictConfig dict in LOGGING replaces all of it.
    LOG_LEVEL = "INFO"
    LOG_FORMAT = "combined"
    ACCESS_LOG = True
    # The plugin system's settings and each plugin's are in one catalogue with their
    # defaults and help text: pressmark.plugin_system.settings (`pressmark plugins`).
    # The largest post body (UTF-8 bytes) that can be saved, by the editor and the importer
    # alike: the one size rule for posts. The request limits below are raised to fit it.
    MAX_POST_BYTES = 4 * 1024 * 1024
    MAX_CONTENT_LENGTH = 8 * 1024 * 1024
    # Werkzeug's 500 KB default per form field is too small for a long post body.
    MAX_FORM_MEMORY_SIZE = 2 * 1024 * 1024
    UPLOAD_MAX_BYTES = 5 * 1024 * 1024
    # Larger images are refused before they are decoded (a small file can hold a huge
    # image that would fill the memory: a "decompression bomb"). 50 million pixels.
    UPLOAD_MAX_PIXELS = 50_000_000
    # What decoding one upload may cost (pressmark.content.uploads.image_budget): frames x canvas
    # at most UPLOAD_PIXEL_BUDGET pixels in all (an animated GIF decodes every frame onto
    # its whole canvas), at most UPLOAD_MAX_FRAMES frames, and UPLOAD_DECODE_SECONDS of
    # processing. Pillow's MAX_IMAGE_PIXELS is set from these too.
    UPLOAD_PIXEL_BUDGET = 100_000_000
    UPLOAD_MAX_FRAMES = 500
    UPLOAD_DECODE_SECONDS = 30
    # `pressmark import` downloads an old site's images only from public addresses; hosts
    # named here (e.g. ["old-blog.lan", "10.0.0.5:8080"]) may be reached although they are
    # internal. Each download must finish within IMPORT_DOWNLOAD_SECONDS.
    IMPORT_ALLOW_HOSTS: list[str] = []
    IMPORT_DOWNLOAD_SECONDS = 60
    # Other hosts that images in posts may come from, and that may be framed, e.g.
    # ["https://images.example.com"] (the Content-Security-Policy allows only this host).
    CSP_IMG_SOURCES: list[str] = []
    CSP_FRAME_SOURCES: list[str] = []
    # Cookies: Secure is on unless explicitly turned off for plain-HTTP development.
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = True
    REMEMBER_COOKIE_DURATION = timedelta(days=30)
    # The reverse proxy in front of `pressmark serve` (see docs/security.md). PROXY_COUNT is
    # how many proxy hops' X-Forwarded-* headers to trust (0: no proxy, drop them all);
    # PROXY_ADDRESS is the address the nearest proxy connects from ("*" trusts any peer:
    # only when nothing but the proxy can reach the port). With --unix-socket the socket's
    # peer is the proxy and at least one hop is trusted.
    PROXY_COUNT = 0
    PROXY_ADDRESS = "127.0.0.1"
    PROXY_HEADERS = ["x-forwarded-for", "x-forwarded-host", "x-forwarded-port", "x-forwarded-proto"]
    # A form's CSRF token is refused this many seconds after the page was served (a new
    # token comes with every sign-in). Long enough for a working day in the editor.
    WTF_CSRF_TIME_LIMIT = 12 * 3600
    PASSWORD_MIN_LENGTH = 10
    LOGIN_MAX_FAILURES = 5
    LOGIN_LOCKOUT_SECONDS = 15 * 60
    # Each failed sign-in waits LOGIN_FAILURE_DELAY (0.25 s; none in tests), doubling up to:
    LOGIN_FAILURE_DELAY_MAX = 2.0


def load_config(app: Flask, test_config: dict | None) -> None:
    """Apply the configuration layers to ``app.config`` in order of precedence."""
    app.config.from_object(DefaultConfig)
    app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///" + os.path.join(
        app.instance_path, "pressmark.sqlite"
    )
    app.config["UPLOAD_FOLDER"] = os.path.join(app.instance_path, "uploads")
    app.config["PLUGINS_DIR"] = os.path.join(app.instance_path, "plugins")
    app.config.from_pyfile("config.py", silent=True)
    # Values are JSON when they parse as JSON (numbers, booleans, lists), otherwise plain
    # strings, so PRESSMARK_DISABLED_PLUGINS='["feeds"]' works; PRESSMARK_A__B sets
    # config["A"]["B"]. The instance folder is chosen before any of this is read.
    app.config.from_prefixed_env(ENV_PREFIX.rstrip("_"))
    app.config.pop("INSTANCE_PATH", None)
    if test_config:
        app.config.update(test_config)
    check_config(app.config)
    fit_request_limits_to_posts(app.config)
    if not app.config.get("SECRET_KEY") and not app.config.get("TESTING"):
        raise ConfigError(
            "No SECRET_KEY: set it in instance/config.py or PRESSMARK_SECRET_KEY "
            "(`pressmark serve` creates one on first start)."
        )


class ConfigError(RuntimeError):
    """A setting has a value the site cannot use; the message names it and says what to do."""


# Settings that must be whole numbers of at least 1 (the others are checked where used).
POSITIVE_INTEGERS = ("POSTS_PER_PAGE", "LATEST_NOTES_LIMIT", "ARCHIVE_PER_PAGE",
                     "PASSWORD_MIN_LENGTH", "MAX_POST_BYTES", "UPLOAD_MAX_BYTES")


def check_config(config) -> None:
    """Refuse values that would fail later in a confusing way, with one clear message."""
    where = f"(in the instance's config.py or {ENV_PREFIX}<NAME>)"
    for name in POSITIVE_INTEGERS:
        value = config.get(name)
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ConfigError(f"{name} = {value!r} {where}: it must be a whole number of at "
                              "least 1.")
    try:
        zone_problem = None if site_zone(config) else "empty"
    except (ValueError, KeyError) as exc:
        zone_problem = str(exc) or "unknown"
    if zone_problem:
        raise ConfigError(f"TIMEZONE = {config.get('TIMEZONE')!r} {where} is not a time zone: "
                          "use an IANA name such as 'UTC' or 'Europe/Paris'.")


def site_zone(config):
    """The site's ``TIMEZONE`` as a ``zoneinfo.ZoneInfo`` (ValueError or KeyError if unknown)."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    name = config.get("TIMEZONE") or "UTC"
    if not isinstance(name, str):
        raise ValueError("not a name")
    try:
        return ZoneInfo(name)
    except ZoneInfoNotFoundError as exc:
        raise KeyError(name) from exc


def fit_request_limits_to_posts(config) -> None:
    """Raise the request limits so that the editor can send any post of ``MAX_POST_BYTES``.

    The editor's form is multipart, so the body travels as its own bytes; JSON autosaves may
    escape some characters, hence twice the size. The whole form may also carry an image.
    """
    post = int(config["MAX_POST_BYTES"])
    field = 2 * post + 64 * 1024
    whole = field + int(config["UPLOAD_MAX_BYTES"]) + 1024 * 1024
    if config.get("MAX_FORM_MEMORY_SIZE") is not None:
        config["MAX_FORM_MEMORY_SIZE"] = max(int(config["MAX_FORM_MEMORY_SIZE"]), field)
    if config.get("MAX_CONTENT_LENGTH") is not None:
        config["MAX_CONTENT_LENGTH"] = max(int(config["MAX_CONTENT_LENGTH"]), whole)


def write_instance_config(instance_path: str | Path) -> Path:
    """Create ``instance/config.py`` with a freshly generated secret key, if it is missing.

    Returns the path. An existing file is never touched, so the key stays stable.
    """
    path = Path(instance_path) / "config.py"
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    if not path.exists():
        text = (
            "# pressmark instance configuration (generated; keep this file private).\n"
            f"SECRET_KEY = {secrets.token_hex(32)!r}\n"
            "# Uncomment for plain-HTTP local use; keep True behind HTTPS.\n"
            "# SESSION_COOKIE_SECURE = False\n"
            "# SITE_URL = 'https://blog.example.com'\n"
            "# SQLALCHEMY_DATABASE_URI = 'postgresql+psycopg://user:pass@host/dbname'\n"
            "# DISABLED_PLUGINS = ['search']\n"
        )
        # Created private (0600) from the start: the key is never readable by others.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
    return path
