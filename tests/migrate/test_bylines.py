"""Bylines are kept: a name with no account here becomes an author profile, with a byline,
an author page and a feed, and no way to sign in."""

from pressmark.content.models import User
from pressmark.extensions import db
from sqlalchemy import select

from tests.conftest import AuthActions

POST = "---\ntitle: {title}\ndate: 2020-0{n}-01\nauthor: {author}\n---\nWords by {author}.\n"


def test_an_unknown_author_becomes_a_profile_with_byline_page_and_feed(app, run_import):
    report, posts = run_import({
        "one.md": POST.format(title="One", n=1, author="Grace Hopper"),
        "two.md": POST.format(title="Two", n=2, author="Grace Hopper"),
    }, "markdown")
    assert not report.failed
    assert [u.display_name for u in posts["one"].authors] == ["Grace Hopper"]
    assert posts["one"].authors[0].id == posts["two"].authors[0].id  # one profile, reused
    assert any("made an author profile ('grace-hopper', which cannot sign in)" in note
               for note in report.line_for("one.md").notes)
    client = app.test_client()
    post_page = client.get("/posts/one").get_data(as_text=True)
    assert "Grace Hopper" in post_page and "/authors/grace-hopper" in post_page
    author_page = client.get("/authors/grace-hopper")
    assert author_page.status_code == 200
    assert "One" in author_page.get_data(as_text=True)
    feed = client.get("/authors/grace-hopper/feed.xml")
    assert feed.status_code == 200 and b"Two" in feed.data


def test_a_profile_cannot_sign_in(app, client, run_import):
    run_import({"one.md": POST.format(title="One", n=1, author="Grace Hopper")}, "markdown")
    auth = AuthActions(app, client)
    for password in ("!profile", "", "grace-hopper"):
        answer = auth.login(username="grace-hopper", password=password)
        assert answer.status_code in (422, 400), password
    with app.app_context():
        profile = db.session.scalar(select(User).where(User.username == "grace-hopper"))
        assert profile.role == "contributor" and not profile.check_password("!profile")


def test_a_dry_run_names_the_profile_and_makes_none(app, run_import):
    report, posts = run_import({"one.md": POST.format(title="One", n=1, author="Ada L")},
                               "markdown", dry_run=True)
    assert any("an author profile will be made" in note
               for note in report.line_for("one.md").notes)
    with app.app_context():
        assert db.session.scalar(select(User).where(User.display_name == "Ada L")) is None
