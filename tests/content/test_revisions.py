"""Revisions: the diff functions (app/revisions.py) and the revisions pages of the editor."""

from __future__ import annotations

import re
from datetime import datetime

import pytest
from pressmark.content.revisions import body_diff, compare, display, field_changes

from tests.web.test_editor import csrf_token, flashes, parse, read_form, start_writing


@pytest.fixture
def author(app, client):
    return start_writing(app, client)


def snapshot(**fields):
    base = {
        "title": "T", "slug": "t", "summary": "", "topic": "", "tags": "", "featured": False,
        "authors": "", "series": "", "series_position": "",
        "status": "draft", "published_at": None, "body": "",
        "cover_image": "", "cover_alt": "",
    }
    return base | fields


# --- diffs ------------------------------------------------------------------------------------


def test_body_diff_groups_changes_with_context_and_numbers_lines():
    old = "\n".join(f"line {n}" for n in range(1, 21))
    new = old.replace("line 10", "line ten").replace("line 20", "line 20\nline 21")
    diff = body_diff(old, new)
    assert (diff.added, diff.removed) == (2, 1)
    first, second = diff.hunks
    kinds = [(line.kind, line.old_number, line.new_number, line.text) for line in first.lines]
    assert kinds[:3] == [("same", 7, 7, "line 7"), ("same", 8, 8, "line 8"),
                         ("same", 9, 9, "line 9")]
    assert ("removed", 10, None, "line 10") in kinds and ("added", None, 10, "line ten") in kinds
    assert [line.text for line in second.lines][-1] == "line 21"
    assert first.heading == "From line 7 (before) and line 7 (after)"


def test_body_diff_ignores_newline_styles_and_reports_no_change():
    diff = body_diff("a\r\nb\r\n", "a\nb\n")
    assert not diff.changed and diff.hunks == []


def test_field_changes_list_only_what_differs_in_words():
    when = datetime(2026, 3, 10, 9, 0)
    changes = field_changes(
        snapshot(title="Old", featured=False, published_at=None),
        snapshot(title="New", featured=True, published_at=when),
    )
    assert [(c.label, c.before, c.after) for c in changes] == [
        ("Title", "Old", "New"),
        ("Featured", "No", "Yes"),
        ("Publish date (UTC)", "(not set)", "2026-03-10 09:00:00"),
    ]
    assert display("summary", "") == "(empty)"
    assert not compare(snapshot(body="x"), snapshot(body="x")).changed


# --- pages ------------------------------------------------------------------------------------


def without_tokens(html: str) -> str:
    """The page without its CSRF tokens, which carry a timestamp."""
    return re.sub(r'(name="csrf_token" value|name="csrf-token" content)="[^"]*"', "", html)


def make_history(author) -> int:
    post_id = author.create(title="History", body="First line.\nSecond line.\n")
    author.submit(f"/editor/{post_id}", body="First line.\nSecond line, edited.\n",
                  title="History, revised")
    return post_id


def test_the_revisions_page_lists_every_revision_with_who_and_kind(author):
    post_id = make_history(author)
    html = author.page(f"/editor/{post_id}/revisions")
    parse(html)
    assert "2 revisions, newest first. The post is at version 2." in html
    assert html.count("<td>Ada Author</td>") == 2
    assert html.count(">Saved</td>") == 2


def test_compare_shows_a_labelled_diff_between_any_two_revisions(author):
    post_id = make_history(author)
    first, second = author.revisions(post_id)
    html = author.page(f"/editor/{post_id}/revisions/compare?from={first.id}&to={second.id}")
    parse(html)
    assert "<del>Second line.</del>" in html and "<ins>Second line, edited.</ins>" in html
    assert ">Removed<" in html and ">Added<" in html
    assert "History, revised" in html  # the title change is in the fields table
    assert "1 line added, 1 removed in the body." in html
    # Reversed order is shown oldest first; the default compares the newest two.
    reversed_order = f"/editor/{post_id}/revisions/compare?from={second.id}&to={first.id}"
    assert without_tokens(author.page(reversed_order)) == without_tokens(html)
    default = f"/editor/{post_id}/revisions/compare"
    assert without_tokens(author.page(default)) == without_tokens(html)


def test_compare_with_revisions_of_another_post_is_a_clear_400(author):
    post_id = make_history(author)
    other_id = author.create(title="Other", body="x")
    other_rev = author.revisions(other_id)[0].id
    response = author.client.get(
        f"/editor/{post_id}/revisions/compare?from={other_rev}&to=nonsense"
    )
    assert response.status_code == 400
    assert "Choose two revisions of this post to compare." in response.get_data(as_text=True)


def test_restoring_a_revision_is_itself_a_new_revision(author):
    post_id = make_history(author)
    first = author.revisions(post_id)[0]
    html = author.page(f"/editor/{post_id}/revisions")
    response = author.client.post(
        f"/editor/{post_id}/revisions/{first.id}/restore",
        data={"csrf_token": csrf_token(html), "version": "2"},
    )
    assert response.status_code == 303
    post = author.post(post_id)
    assert (post.title, post.body, post.version) == (
        "History", "First line.\nSecond line.\n", 3)
    kinds = [(r.kind, r.user_id) for r in author.revisions(post_id)]
    assert kinds == [("save", author.user_id)] * 2 + [("restore", author.user_id)]
    assert any("The previous text is kept" in m for m in flashes(author.page(f"/editor/{post_id}")))


def test_restoring_from_a_stale_page_is_refused(author):
    post_id = make_history(author)
    first = author.revisions(post_id)[0]
    html = author.page(f"/editor/{post_id}/revisions")
    author.submit(f"/editor/{post_id}", body="Someone else's newer words.")
    response = author.client.post(
        f"/editor/{post_id}/revisions/{first.id}/restore",
        data={"csrf_token": csrf_token(html), "version": "2"},
    )
    assert response.status_code == 409
    assert "nothing was restored" in response.get_data(as_text=True)
    assert author.post(post_id).body == "Someone else's newer words."


def test_a_revision_whose_slug_is_now_taken_explains_how_to_proceed(author):
    post_id = author.create(title="Mover", body="x", slug="wanted")
    author.submit(f"/editor/{post_id}", slug="moved")
    author.create(title="Squatter", body="y", slug="wanted")
    first = author.revisions(post_id)[0]
    html = author.page(f"/editor/{post_id}/revisions")
    response = author.client.post(
        f"/editor/{post_id}/revisions/{first.id}/restore",
        data={"csrf_token": csrf_token(html), "version": "2"},
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "The slug “wanted” is already used by “Squatter”." in page
    assert "Open it in the editor" in page
    # Opening it in the editor fills the form, to fix the slug and save.
    form = read_form(author.page(f"/editor/{post_id}?revision={first.id}"))
    assert (form["slug"], form["version"]) == ("wanted", "2")
    assert author.submit(f"/editor/{post_id}", form=form, slug="wanted-too").status_code == 303
    assert author.post(post_id).slug == "wanted-too"
