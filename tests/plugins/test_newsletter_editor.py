"""The newsletter in the editor: the publish choice, subscribers with counts, CSV export,
imports from Ghost, Substack and Buttondown exports, send logs and a test send."""

from __future__ import annotations

import io
import threading

import pytest
from pressmark.content.models import CONTRIBUTOR, User
from pressmark.content.reach_models import ACTIVE, UNSUBSCRIBED, Subscriber
from pressmark.extensions import db
from pressmark.plugins.newsletter.worker import Sender
from sqlalchemy import select

from tests.conftest import PASSWORD, AuthActions, make_test_app, password_hash
from tests.mailbox import smtp_config, smtp_server
from tests.web.test_editor import csrf_token, parse, start_writing

# The column names these services write in their exports.
GHOST = """id,email,name,note,subscribed_to_emails,complimentary_plan,stripe_customer_id,\
created_at,deleted_at,labels,tiers
6412,ada@example.org,Ada Lovelace,,true,false,,2024-01-02T10:00:00.000Z,,,
6413,gone@example.org,Gone,,false,false,,2024-01-03T10:00:00.000Z,,,
"""
SUBSTACK = """email,active_subscription,expiry,plan,email_disabled,created_at
grace@example.org,false,,free,false,2023-05-01T00:00:00.000Z
quiet@example.org,false,,free,true,2023-05-02T00:00:00.000Z
not-an-address,false,,free,false,2023-05-02T00:00:00.000Z
"""
BUTTONDOWN = """id,email_address,creation_date,notes,metadata,tags,referrer_url,secondary_id,type
a1,alan@example.org,2022-01-01,,{},[],,1,regular
a2,left@example.org,2022-01-01,,{},[],,2,unsubscribed
a3,ada@example.org,2022-01-01,,{},[],,3,regular
"""


@pytest.fixture(scope="module")
def smtp():
    with smtp_server() as server:
        yield server


@pytest.fixture
def app(tmp_path, smtp):
    smtp[0].clear()
    app = make_test_app(tmp_path, **smtp_config(smtp[1]))
    with app.app_context():
        db.create_all()
    yield app
    with app.app_context():
        db.engine.dispose()


def upload(author, text: str, name: str = "export.csv"):
    token = csrf_token(author.page("/editor/newsletter/"))
    return author.client.post("/editor/newsletter/import", data={
        "csrf_token": token, "file": (io.BytesIO(text.encode()), name)},
        content_type="multipart/form-data", follow_redirects=True)


def emails(app, status: str = ACTIVE) -> list[str]:
    with app.app_context():
        return sorted(db.session.scalars(select(Subscriber.email)
                                         .where(Subscriber.status == status)))


def test_imports_from_ghost_substack_and_buttondown_keep_only_subscribed(app):
    author = start_writing(app, app.test_client())
    page = upload(author, GHOST).get_data(as_text=True)
    assert "Imported 1 subscriber(s) from a ghost export" in page
    page = upload(author, SUBSTACK).get_data(as_text=True)
    assert "Imported 1 subscriber(s) from a substack export" in page
    assert "not-an-address" in page and "email disabled in Substack" in page
    page = upload(author, BUTTONDOWN).get_data(as_text=True)
    assert "from a buttondown export; 1 were already here; 1 skipped" in page
    assert emails(app) == ["ada@example.org", "alan@example.org", "grace@example.org"]
    bad = upload(author, "name,phone\nx,1\n").get_data(as_text=True)
    assert "The file has no email column" in bad
    assert emails(app) == ["ada@example.org", "alan@example.org", "grace@example.org"]


def test_list_counts_export_send_log_and_test_send(app, smtp):
    author = start_writing(app, app.test_client())
    with app.app_context():
        db.session.add_all([Subscriber(email="one@example.org", status=ACTIVE, name="=cmd()"),
                            Subscriber(email="two@example.org", status=ACTIVE),
                            Subscriber(email="three@example.org", status=UNSUBSCRIBED)])
        db.session.commit()
    editor = author.page("/editor/")
    assert 'href="/editor/newsletter/"' in editor  # the editor_menu slot
    form = author.page("/editor/new")
    parse(form)  # the editor_publish slot keeps the page valid
    assert 'name="newsletter" value="send"' in form and "2 subscribers" in form
    post_id = author.create("publish", title="Sent post", body="Hello.", newsletter="send")
    assert 'name="newsletter"' not in author.page(f"/editor/{post_id}")  # sent once, ever
    Sender(app, threading.Event()).run(until_idle=True)

    index = author.page("/editor/newsletter/")
    parse(index)
    assert "2 active subscribers" in index and "1 unsubscribed" in index
    assert f'href="/editor/newsletter/posts/{post_id}"' in index
    log = author.page(f"/editor/newsletter/posts/{post_id}")
    assert log.count("<td>sent</td>") == 2 and "three@example.org" not in log

    export = author.client.get("/editor/newsletter/subscribers.csv")
    assert export.mimetype == "text/csv" and export.headers["Cache-Control"] == "no-store"
    rows = export.get_data(as_text=True).splitlines()
    assert rows[0].startswith("email,name,status")
    assert "one@example.org,'=cmd(),active" in rows[1]  # no formula for a spreadsheet
    assert len(rows) == 4

    token = csrf_token(index)
    author.client.post("/editor/newsletter/test", data={
        "csrf_token": token, "post_id": str(post_id), "email": "me@example.org"})
    [test_mail] = smtp[0].to("me@example.org")
    assert test_mail["Subject"] == "[Test] Sent post"
    assert test_mail["List-Unsubscribe"] is None


def test_only_publishers_see_subscribers(app):
    with app.app_context():
        db.session.add(User(username="writer", role=CONTRIBUTOR,
                            password_hash=password_hash(PASSWORD)))
        db.session.commit()
    client = app.test_client()
    assert client.get("/editor/newsletter/").status_code in (302, 401)
    AuthActions(app, client, username="writer").login()
    assert client.get("/editor/newsletter/").status_code == 403
    assert client.get("/editor/newsletter/subscribers.csv").status_code == 403
