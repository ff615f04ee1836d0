"""Video posters: fetched by the server for the author's posts, never for a reader.

A poster is fetched when a post holding the video is rendered (saved, imported, rendered
again) and when the site starts (for visible videos still without one), by one background
thread working through a bounded queue (``PosterQueue``): a save never waits for a video
site, and no reader's request causes a fetch. ``/-/video/<provider>/<id>.jpg`` answers
only for videos of visible posts (``visible_videos``, read from their rendered HTML once
per content change); any other id is a 404, whatever it looks like.

A fetch goes over https to the provider's own hosts only (``PROVIDER_HOSTS``), redirects
included; an oEmbed ``thumbnail_url`` elsewhere (another host, ``file://``) is refused. The
only other origin allowed is the one ``VIDEO_POSTER_URLS`` names for a provider (a
self-hosted mirror, or a test stand-in). The whole fetch has one deadline,
``VIDEO_POSTER_TIMEOUT`` seconds (each read waits at most ``READ_TIMEOUT`` of it). A
failure is remembered for ``VIDEO_POSTER_RETRY_SECONDS`` (a ``.failed`` file), during
which the placeholder is served and nothing is fetched again. When a post is deleted for
good, the posters no other post shows are deleted with it.
"""

from __future__ import annotations

import io
import json
import os
import queue
import re
import tempfile
import threading
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

from flask import Flask, current_app
from PIL import Image as PILImage
from PIL import ImageOps
from pressmark.api import per_generation
from pressmark.content.models import Post
from pressmark.extensions import db
from sqlalchemy import or_, select

EXTENSION = "pressmark-video-posters"
POSTER_MAX_WIDTH = 1280
READ_TIMEOUT = 2.0
MAX_PENDING = 64
PROVIDER_HOSTS = {
    "youtube": frozenset({"i.ytimg.com"}),
    "vimeo": frozenset({"vimeo.com", "i.vimeocdn.com"}),
}
# The card the embed writes (after sanitising, so authors cannot forge one).
EMBED_RE = re.compile(
    r'data-video-embed data-provider="(?P<provider>[a-z]+)"[^>]*>\s*<a [^>]*>'
    r'<img src="/-/video/(?P=provider)/(?P<id>[A-Za-z0-9_-]{1,12})\.jpg"'
)


def videos_in(html: str) -> set[tuple[str, str]]:
    """(provider, id) of every video card in rendered ``html``."""
    return {(m.group("provider"), m.group("id")) for m in EMBED_RE.finditer(html or "")}


def visible_html() -> list[str]:
    """The rendered HTML of every visible post and page that holds a video."""
    now_visible = or_(Post.id.in_(Post.visible().with_only_columns(Post.id).order_by(None)),
                      Post.id.in_(Post.visible_pages().with_only_columns(Post.id).order_by(None)))
    return list(db.session.scalars(select(Post.body_html).where(
        now_visible, Post.body_html.contains("data-video-embed"))))


def visible_videos() -> frozenset[tuple[str, str]]:
    """The videos of every visible post and page, computed once per content change."""
    return per_generation(
        ("video", "visible"),
        lambda: frozenset(v for html in visible_html() for v in videos_in(html)),
    )


def folder() -> Path:
    return Path(current_app.instance_path) / "video-posters"


def poster_path(provider: str, video_id: str, suffix: str = ".jpg") -> Path:
    return folder() / f"{provider}-{video_id}{suffix}"


def failed_recently(provider: str, video_id: str) -> bool:
    marker = poster_path(provider, video_id, ".failed")
    retry = float(current_app.config.get("VIDEO_POSTER_RETRY_SECONDS", 3600))
    return marker.exists() and time.time() - marker.stat().st_mtime < retry


# --- fetching ---------------------------------------------------------------------------------

def _allowed(url: str, provider: str) -> bool:
    """https to the provider's hosts, or the origin ``VIDEO_POSTER_URLS`` names for it."""
    parts = urlsplit(url)
    configured = (current_app.config.get("VIDEO_POSTER_URLS") or {}).get(provider)
    if configured:
        mirror = urlsplit(configured)
        if (parts.scheme, parts.netloc) == (mirror.scheme, mirror.netloc):
            return True
    return parts.scheme == "https" and parts.hostname in PROVIDER_HOSTS.get(provider, ())


class _CheckedRedirects(urllib.request.HTTPRedirectHandler):
    def __init__(self, provider: str):
        self.provider = provider

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        if not _allowed(newurl, self.provider):
            raise ValueError(f"a redirect to {newurl} was refused (not the video site)")
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def _download(url: str, provider: str, limit: int, deadline: float) -> tuple[bytes, str]:
    if not _allowed(url, provider):
        raise ValueError(f"{url} is not an https address of the video site")
    opener = urllib.request.build_opener(_CheckedRedirects(provider))
    remaining = deadline - time.monotonic()
    request = urllib.request.Request(url, headers={"User-Agent": "pressmark"})
    with opener.open(request, timeout=max(0.1, min(remaining, READ_TIMEOUT))) as response:
        data = bytearray()
        while chunk := response.read1(64 * 1024):
            data.extend(chunk)
            if len(data) > limit:
                raise ValueError("the poster is larger than UPLOAD_MAX_BYTES")
            if time.monotonic() > deadline:
                raise TimeoutError("the video site took longer than VIDEO_POSTER_TIMEOUT")
        return bytes(data), response.headers.get_content_type()


def fetch_poster(provider, video_id: str) -> bytes:
    """The video's poster from its site, cropped to 16:9, as JPEG; raises ``OSError`` or
    ``ValueError`` when it cannot be had (see the module docstring for the rules)."""
    config = current_app.config
    template = (config.get("VIDEO_POSTER_URLS") or {}).get(provider.name, provider.poster)
    limit = int(config["UPLOAD_MAX_BYTES"])
    deadline = time.monotonic() + float(config.get("VIDEO_POSTER_TIMEOUT", 5))
    data, media_type = _download(template.format(id=video_id), provider.name, limit, deadline)
    if media_type == "application/json":
        try:
            thumbnail = json.loads(data)["thumbnail_url"]
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError("the oEmbed answer names no thumbnail") from exc
        data, _ = _download(str(thumbnail), provider.name, limit, deadline)
    try:
        with PILImage.open(io.BytesIO(data)) as image:
            if image.width * image.height > int(config["UPLOAD_MAX_PIXELS"]):
                raise ValueError("the poster has too many pixels")
            # hqdefault.jpg is 4:3 with black bars: cutting to 16:9 removes them.
            width = min(image.width, POSTER_MAX_WIDTH)
            poster = ImageOps.fit(image.convert("RGB"), (width, width * 9 // 16))
    except PILImage.UnidentifiedImageError as exc:
        raise ValueError("the poster is not an image") from exc
    out = io.BytesIO()
    poster.save(out, "JPEG", quality=85, optimize=True, progressive=True)
    return out.getvalue()


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".poster-")
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    os.replace(tmp, path)


def fetch_and_keep(provider, video_id: str) -> None:
    """Fetch one poster and keep it, or remember that it failed."""
    try:
        data = fetch_poster(provider, video_id)
    except (OSError, ValueError) as exc:
        current_app.logger.warning("no poster for %s video %s: %s", provider.label, video_id,
                                   exc)
        _write(poster_path(provider.name, video_id, ".failed"), str(exc).encode())
        return
    _write(poster_path(provider.name, video_id), data)
    poster_path(provider.name, video_id, ".failed").unlink(missing_ok=True)


def remove_unused(post: Post) -> None:
    """Delete the posters of ``post`` (being deleted) that no other post shows."""
    for provider, video_id in videos_in(post.body_html):
        used = db.session.scalar(select(Post.id).where(
            Post.id != post.id, Post.body_html.contains(f"/-/video/{provider}/{video_id}.jpg")))
        if used is None:
            for suffix in (".jpg", ".failed"):
                poster_path(provider, video_id, suffix).unlink(missing_ok=True)


# --- the queue --------------------------------------------------------------------------------

class PosterQueue:
    """At most ``MAX_PENDING`` posters waiting, fetched one at a time by a daemon thread
    started on first use. A poster that does not fit is asked for again at the next
    render or start."""

    def __init__(self, app: Flask, providers: dict):
        self.app, self.providers = app, providers
        self.queue: queue.Queue[tuple[str, str]] = queue.Queue(MAX_PENDING)
        self.pending: set[tuple[str, str]] = set()
        self.lock = threading.Lock()
        self.thread: threading.Thread | None = None

    def add(self, provider: str, video_id: str) -> None:
        """Ask for a poster unless it is kept, failed recently, or already asked for."""
        if poster_path(provider, video_id).exists() or failed_recently(provider, video_id):
            return
        with self.lock:
            if (provider, video_id) in self.pending or self.queue.full():
                return
            self.pending.add((provider, video_id))
            self.queue.put_nowait((provider, video_id))
            if self.thread is None:
                self.thread = threading.Thread(target=self._run, name="video-posters",
                                               daemon=True)
                self.thread.start()

    def _run(self) -> None:
        while True:
            provider, video_id = self.queue.get()
            try:
                with self.app.app_context():
                    fetch_and_keep(self.providers[provider], video_id)
            except Exception:  # noqa: BLE001 - the thread must outlive one bad poster
                self.app.logger.exception("fetching a video poster failed")
            finally:
                with self.lock:
                    self.pending.discard((provider, video_id))
                self.queue.task_done()

    def wait(self) -> None:
        """Until every poster asked for has been fetched or has failed (for tests and
        commands that end right after rendering)."""
        self.queue.join()


def poster_queue(app: Flask) -> PosterQueue | None:
    return app.extensions.get(EXTENSION)
