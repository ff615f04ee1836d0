"""Dates in the site's TIMEZONE, with day, month and year: on posts, the home page's
Latest notes, archive rows, and in the editor, whose schedule field is in the same zone."""

from __future__ import annotations

from datetime import datetime

from pressmark.content.models import Post
from pressmark.content.store import PostData, save_post
from pressmark.extensions import db

from tests.web.test_editor import flashes, start_writing

APP_CONFIG = {"TIMEZONE": "America/New_York"}


def publish(app, when: datetime) -> None:
    with app.app_context():
        save_post(PostData(title="Late night", body="Words.", status="published",
                           published_at=when))


def test_reader_pages_show_day_month_and_year_in_the_site_zone(app, client):
    publish(app, datetime(2026, 3, 10, 3, 30))  # 9 March, 23:30 in New York
    post = client.get("/posts/late-night").get_data(as_text=True)
    assert '<time datetime="2026-03-10T03:30:00Z">9 March 2026</time>' in post
    home = client.get("/").get_data(as_text=True)
    assert '<time class="note-year" datetime="2026-03-10T03:30:00Z">9 Mar 2026</time>' in home
    for path in ("/archive", "/archive/2026"):
        html = client.get(path).get_data(as_text=True)
        assert ">9 Mar 2026</time>" in html, path


def test_the_schedule_field_is_in_the_site_zone_and_says_so(app, client):
    author = start_writing(app, client)
    form = author.page("/editor/new")
    assert "Publish date and time (America/New_York)" in form
    post_id = author.create("publish", title="Later", body="Soon.",
                            published_at="2099-07-01T09:00")
    with app.app_context():
        assert db.session.get(Post, post_id).published_at == datetime(2099, 7, 1, 13, 0)
    page = author.page(f"/editor/{post_id}")
    assert flashes(page) == ["Scheduled: the post will appear by itself on 2099-07-01 09:00 EDT."]
    assert 'value="2099-07-01T09:00"' in page  # shown back in the zone it was typed in
