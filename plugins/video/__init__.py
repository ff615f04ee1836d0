"""YouTube and Vimeo embeds that cost readers nothing until they press play.

``{{< youtube dQw4w9WgXcQ title="Talk: serving at scale" >}}`` and ``{{< vimeo 76979871 >}}``
render, when the post is saved, as a link card: the video's poster image and a link to the
video's page. The poster is served by this site (``/-/video/<provider>/<id>.jpg``), only
for videos of visible posts: the server fetches it in the background when the post is
rendered, crops it to 16:9, and keeps it in ``instance/video-posters/`` (``posters.py``
says who may fetch what, and when). So until the reader clicks, the browser talks to no
other host. With scripts on, a click replaces the card with the player from the privacy-enhanced
host (``www.youtube-nocookie.com``, ``player.vimeo.com`` with ``dnt=1``); without scripts
the link opens the video's page.

Only pages that hold a video name the player's host in their Content-Security-Policy
(``frame-src``), and only they load the small script.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable

from flask import Blueprint, Flask, Request, Response, abort, current_app, has_app_context
from markupsafe import Markup, escape
from PIL import Image as PILImage
from pressmark.api import Setting, allow_sources, embed_notice, hookimpl, plugin_asset_url
from pressmark.extensions import db
from pressmark.plugins.video import posters
from sqlalchemy.exc import SQLAlchemyError

NAME = "video"
MARKER = "data-video-embed"


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


def placeholder_poster() -> bytes:
    """A dark 16:9 image, for a video whose poster cannot be fetched now."""
    out = io.BytesIO()
    PILImage.new("RGB", (640, 360), (11, 15, 25)).save(out, "JPEG", quality=80)
    return out.getvalue()


bp = Blueprint("video", __name__)


@bp.route("/-/video/<provider>/<video_id>.jpg")
def poster(provider: str, video_id: str) -> Response:
    """The poster of a video shown in a visible post, once the server has fetched it; the
    placeholder until then (or while its fetch is failing). Nothing is fetched here."""
    found = PROVIDERS.get(provider)
    if found is None or not found.id_re.match(video_id):
        abort(404)
    if (provider, video_id) not in posters.visible_videos():
        abort(404)
    path = posters.poster_path(provider, video_id)
    if path.exists():
        data, max_age = path.read_bytes(), 86400
    else:
        data, max_age = placeholder_poster(), 300  # fetched in the background: look again
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
    queue = posters.poster_queue(current_app) if has_app_context() else None
    if queue is not None:
        queue.add(provider.name, video_id)  # fetched now, in the background
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
def register_settings() -> list[Setting]:
    return [
        Setting("VIDEO_POSTER_URLS", {}, "Per provider ('youtube', 'vimeo'), an address "
                "template with {id} to fetch posters from instead of the video site (a "
                "mirror); its origin is the only one besides the site's https hosts that "
                "poster fetches may reach."),
        Setting("VIDEO_POSTER_TIMEOUT", 5, "Seconds one poster fetch may take in all "
                "(oEmbed answer and image together)."),
        Setting("VIDEO_POSTER_RETRY_SECONDS", 3600, "How long a failed poster fetch is "
                "remembered (the placeholder is shown) before a render asks again."),
    ]


@hookimpl
def startup(app: Flask) -> None:
    """The poster queue, and a poster asked for each visible video still without one
    (posts rendered by a command that ended before its fetches did)."""
    queue = app.extensions[posters.EXTENSION] = posters.PosterQueue(app, PROVIDERS)
    try:
        shown = posters.videos_in("".join(posters.visible_html()))
    except SQLAlchemyError:  # a database not created or migrated yet: nothing to show
        db.session.rollback()
        return
    for provider, video_id in shown:
        queue.add(provider, video_id)


@hookimpl
def post_deleted(post) -> None:
    posters.remove_unused(post)


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
