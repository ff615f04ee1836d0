"""A post deleted forever while its author is typing: autosave says so and stops, the text
stays in the form, and Save brings it back as a new post."""

from __future__ import annotations

import re

from playwright.sync_api import expect
from pressmark.content.models import Post
from pressmark.content.store import delete_post
from pressmark.extensions import db
from sqlalchemy import select

from tests.browser.test_editor import TIMEOUT, make_post, sign_in, site  # noqa: F401


def test_autosave_of_a_deleted_post_says_so_and_save_keeps_the_text(site, page):  # noqa: F811
    post_id = make_post(site.app, "Soon gone", "First words.")
    sign_in(page, site.url, f"/editor/{post_id}")
    with site.app.app_context():
        delete_post(db.session.get(Post, post_id))
    page.locator("#ed-body").press("End")
    page.locator("#ed-body").press_sequentially(" Words typed after the delete.")
    status = page.locator("#autosave-status")
    expect(status).to_contain_text("deleted forever while you were editing", timeout=TIMEOUT)
    expect(status).to_contain_text("press Save to keep it as a new post")
    page.get_by_role("button", name=re.compile(r"^Save")).first.click()
    expect(page.locator("#error-summary")).to_contain_text("no longer exists")
    expect(page.locator("#ed-body")).to_have_value("First words. Words typed after the delete.")
    page.get_by_role("button", name=re.compile(r"^Save")).first.click()
    expect(page).to_have_url(re.compile(r"/editor/\d+$"))
    with site.app.app_context():
        kept = db.session.scalars(select(Post).where(Post.title == "Soon gone")).all()
        assert [p.body for p in kept] == ["First words. Words typed after the delete."]
        assert kept[0].version == 1  # a new post, not the deleted one back
