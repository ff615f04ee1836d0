"""YouTube and Vimeo embeds that cost readers nothing until they press play.

``{{< youtube dQw4w9WgXcQ title="Talk: serving at scale" >}}`` and ``{{< vimeo 76979871 >}}``
render, when the post is saved, as a link card: the video's poster image and a link to the
video's page. The poster is served by this site (``/-/video/<provider>/<id>.jpg``): the
server fetches it from the video site on first request, crops it to 16:9, and keeps it in
``instance/video-posters/``. So until the reader clicks, the browser talks to no other
host. With scripts on, a click replaces the card with the player from the privacy-enhanced
host (``www.youtube-nocookie.com``, ``player.vimeo.com`` with ``dnt=1``); without scripts
the link opens the video's page.

Only pages that hold a video name the player's host in their Content-Security-Policy
(``frame-src``), and only they load the small script.
"""

from __future__ import annotations

import io
import json
import os
import re
import tempfile
import urllib.request
from collections.abc import Callable
from pathlib import Path

from flask import Blueprint, Flask, Request, Response, abort, current_app
from markupsafe import Markup, escape
from PIL import Image as PILImage
from PIL import ImageOps
from pressmark.api import allow_sources, embed_notice, hookimpl, plugin_asset_url

NAME = "video"
MARKER = "data-video-embed"
POSTER_MAX_WIDTH = 1280


class Provider:
    def __init__(self, name: str, label: str, id_re: str, page: str, player: str,
                 player_host: str, poster: str):
        self.name, self.label = name, label
        self.id_re = re.compile(id_re)
        self.page, self.player, self.player_host, self.poster = page, player, player_host, poster


PROVIDERS = {
    "youtube": Provider(
        "youtube", "YouTube", r"^[A-Za-z0-9_-]{11}$",
        page="https://www.youtube.com/watch?v={id}",
        player="https://www.youtube-nocookie.com/embed/{id}?autoplay=1",
        player_host="https://www.youtube-nocookie.com",
        poster="https://i.ytimg.com/vi/{id}/hqdefault.jpg",
    ),
    "vimeo": Provider(
        "vimeo", "Vimeo", r"^[0-9]{1,12}$",
        page="https://vimeo.com/{id}",
        player="https://player.vimeo.com/video/{id}?autoplay=1&dnt=1",
        player_host="https://player.vimeo.com",
        # oEmbed answers JSON naming the thumbnail.
        poster="https://vimeo.com/api/oembed.json?url=https%3A%2F%2Fvimeo.com%2F{id}&width=1280",
    ),
}


def _download(url: str, limit: int, timeout: float) -> tuple[bytes, str]:
    request = urllib.request.Request(url, headers={"User-Agent": "pressmark"})
    with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
        data = response.read(limit + 1)
        if len(data) > limit:
            raise ValueError("the poster is larger than UPLOAD_MAX_BYTES")
        return data, response.headers.get_content_type()


def fetch_poster(provider: Provider, video_id: str) -> bytes:
    """The video's poster from its site, cropped to 16:9, as JPEG; raises ``OSError`` or
    ``ValueError`` when it cannot be had."""
    config = current_app.config
    template = (config.get("VIDEO_POSTER_URLS") or {}).get(provider.name, provider.poster)
    limit = int(config["UPLOAD_MAX_BYTES"])
    timeout = float(config.get("VIDEO_POSTER_TIMEOUT", 5))
    data, media_type = _download(template.format(id=video_id), limit, timeout)
    if media_type == "application/json":
        try:
            thumbnail = json.loads(data)["thumbnail_url"]
        except (KeyError, TypeError) as exc:
            raise ValueError("the oEmbed answer names no thumbnail") from exc
        data, media_type = _download(thumbnail, limit, timeout)
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


def placeholder_poster() -> bytes:
    """A dark 16:9 image, for a video whose poster cannot be fetched now."""
    out = io.BytesIO()
    PILImage.new("RGB", (640, 360), (11, 15, 25)).save(out, "JPEG", quality=80)
    return out.getvalue()


bp = Blueprint("video", __name__)


@bp.route("/-/video/<provider>/<video_id>.jpg")
def poster(provider: str, video_id: str) -> Response:
    """The poster of one video, from the instance folder, fetched on first request."""
    found = PROVIDERS.get(provider)
    if found is None or not found.id_re.match(video_id):
        abort(404)
    folder = Path(current_app.instance_path) / "video-posters"
    path = folder / f"{provider}-{video_id}.jpg"
    if path.exists():
        data, max_age = path.read_bytes(), 86400
    else:
        try:
            data, max_age = fetch_poster(found, video_id), 86400
        except (OSError, ValueError) as exc:
            current_app.logger.warning("no poster for %s video %s: %s", found.label, video_id, exc)
            data, max_age = placeholder_poster(), 300  # try again soon
        else:
            folder.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=folder, prefix=".poster-")
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(tmp, path)
    response = Response(data, mimetype="image/jpeg")
    response.headers["Cache-Control"] = f"public, max-age={max_age}"
    return response


def render_video(provider: Provider, params: dict[str, str]) -> str:
    video_id = params.get("_", "").strip()
    if not provider.id_re.match(video_id):
        return embed_notice(
            f"“{video_id}” is not a {provider.label} video id: write "
            f"{{{{< {provider.name} ID >}}}} with the id from the video's address."
        )
    title = params.get("title", "").strip() or f"{provider.label} video"
    # A plain path, not url_for: embeds also render outside requests (import, rerender).
    poster_url = f"/-/video/{provider.name}/{video_id}.jpg"
    host = provider.player_host.removeprefix("https://")
    return (
        f'<figure class="video-embed" {MARKER} data-provider="{provider.name}" '
        f'data-player="{escape(provider.player.format(id=video_id))}" '
        f'data-title="{escape(title)}">'
        f'<a class="video-link" href="{escape(provider.page.format(id=video_id))}">'
        f'<img src="{poster_url}" alt="" width="640" height="360" loading="lazy" '
        'decoding="async"><span class="video-play" aria-hidden="true"></span>'
        f'<span class="video-label">Play “{escape(title)}” ({provider.label})</span></a>'
        f"<figcaption>Video from {provider.label}: it loads from {host} only when you "
        "press play.</figcaption></figure>"
    )


def _handler(provider: Provider) -> Callable[..., str]:
    def handle(params: dict[str, str]) -> str:
        return render_video(provider, params)

    return handle


@hookimpl
def register_blueprints(app: Flask):
    return [bp]


# One handler per provider, made once, so every call of the hook returns the same mapping.
HANDLERS = {name: _handler(provider) for name, provider in PROVIDERS.items()}


@hookimpl
def register_embeds(app: Flask):
    return HANDLERS


@hookimpl
def extra_css_urls(request: Request) -> list[str]:
    return [plugin_asset_url(NAME, "video.css")] if request.blueprint == "public" else []


@hookimpl
def extra_head(request: Request, context) -> str | None:
    """On a page holding a video: the player's host in ``frame-src``, and the script."""
    html = " ".join(
        str(getattr(context.get(key), "body_html", "") or "") for key in ("post", "page")
    )
    used = [p for p in PROVIDERS.values() if f'{MARKER} data-provider="{p.name}"' in html]
    if not used:
        return None
    allow_sources("frame-src", *(p.player_host for p in used))
    return Markup('<script src="{}" defer></script>').format(plugin_asset_url(NAME, "video.js"))
