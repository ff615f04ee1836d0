"""Accounts in the editor: the owner creates them and changes roles and passwords; every
author keeps their own name, bio and password. Refusals change nothing and say why."""

from __future__ import annotations

import pytest
from pressmark.content.models import CONTRIBUTOR, EDITOR, OWNER, User
from pressmark.extensions import db
from sqlalchemy import select

from tests.conftest import PASSWORD, AuthActions
from tests.web.test_editor import flashes
from tests.web.test_roles import as_role, make_user

NEW_PASSWORD = "a different long passphrase"


@pytest.fixture
def site(app):
    """An empty site; ``as_role(site, OWNER)`` signs in its owner, ``owner``."""
    return app


def account(app, username: str) -> User | None:
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == username))
        if user is not None:
            db.session.expunge(user)
        return user


def sign_in(app, username: str, password: str = PASSWORD):
    client = app.test_client()
    answer = AuthActions(app, client, username, password).login()
    return client, answer


def test_the_owner_creates_an_account_that_can_sign_in_with_its_role(site):
    owner = as_role(site, OWNER)
    answer = owner.client.post("/editor/accounts/new", data={
        "csrf_token": owner.token(), "username": "Bo", "display_name": "Bo Builder",
        "role": CONTRIBUTOR, "password": NEW_PASSWORD,
    })
    assert answer.status_code == 303
    page = owner.page("/editor/accounts/")
    assert "Account “bo” (contributor) created: they can sign in now." in flashes(page)
    created = account(site, "bo")
    assert (created.display_name, created.role) == ("Bo Builder", CONTRIBUTOR)
    assert created.password_hash.startswith("scrypt:")
    client, signed_in = sign_in(site, "bo", NEW_PASSWORD)
    assert signed_in.status_code == 303
    assert "(contributor)" in client.get("/editor/").get_data(as_text=True)


@pytest.mark.parametrize(("fields", "message"), [
    ({"username": "owner"}, "An account named “owner” already exists."),
    ({"username": "Not valid!"}, "A username is 1 to 80 characters"),
    ({"password": "short"}, "The password must be at least"),
    ({"role": "admin"}, "The role must be one of: owner, editor, contributor."),
])
def test_a_refused_new_account_says_why_keeps_the_form_and_creates_nothing(site, fields,
                                                                              message):
    owner = as_role(site, OWNER)
    data = {"csrf_token": owner.token(), "username": "newcomer", "display_name": "New Comer",
            "role": EDITOR, "password": NEW_PASSWORD, **fields}
    answer = owner.client.post("/editor/accounts/new", data=data)
    assert answer.status_code == 400
    html = answer.get_data(as_text=True)
    assert message in html and 'value="New Comer"' in html
    with site.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(User)) == 1  # the owner


def test_only_owners_reach_accounts(site):
    for role in (EDITOR, CONTRIBUTOR):
        author = as_role(site, role)
        assert author.client.get("/editor/accounts/").status_code == 403
        answer = author.client.post("/editor/accounts/new", data={
            "csrf_token": author.token(), "username": "sneaky", "role": OWNER,
            "password": NEW_PASSWORD})
        assert answer.status_code == 403
        user_id = account(site, role).id
        answer = author.client.post(f"/editor/accounts/{user_id}", data={
            "csrf_token": author.token(), "display_name": "Me", "role": OWNER})
        assert answer.status_code == 403
        assert account(site, role).role == role
        assert "Accounts</a>" not in author.page("/editor/")
    assert account(site, "sneaky") is None
    assert site.test_client().get("/editor/accounts/").status_code == 302  # to sign-in


def test_the_owner_changes_a_role_but_the_last_owner_stays_an_owner(site):
    owner = as_role(site, OWNER)
    make_user(site, "ed", EDITOR)
    ed_id = account(site, "ed").id

    def change(user_id: int, name: str, role: str):
        return owner.client.post(f"/editor/accounts/{user_id}", data={
            "csrf_token": owner.token(), "display_name": name, "role": role})

    assert change(ed_id, "Ed Itor", CONTRIBUTOR).status_code == 303
    assert (account(site, "ed").display_name, account(site, "ed").role) == (
        "Ed Itor", CONTRIBUTOR)
    refused = change(owner.user_id, "Olga", EDITOR)
    assert refused.status_code == 400
    assert "owner is the only owner; make another account an owner first." in (
        refused.get_data(as_text=True))
    assert account(site, "owner").role == OWNER
    assert account(site, "owner").display_name != "Olga"  # nothing was changed
    assert change(ed_id, "Ed Itor", OWNER).status_code == 303
    assert change(owner.user_id, "Olga", EDITOR).status_code == 303
    assert account(site, "owner").role == EDITOR


def test_a_password_set_by_the_owner_ends_that_authors_sessions(site):
    owner = as_role(site, OWNER)
    make_user(site, "bo", CONTRIBUTOR)
    bo_client, _ = sign_in(site, "bo")
    assert bo_client.get("/editor/").status_code == 200
    answer = owner.client.post(f"/editor/accounts/{account(site, 'bo').id}/password", data={
        "csrf_token": owner.token(), "password": NEW_PASSWORD})
    assert answer.status_code == 303
    assert bo_client.get("/editor/").status_code == 302  # signed out
    assert sign_in(site, "bo")[1].status_code == 422  # the old password no longer works
    assert sign_in(site, "bo", NEW_PASSWORD)[1].status_code == 303


def test_an_author_changes_their_name_and_password_and_stays_signed_in(site):
    make_user(site, "bo", CONTRIBUTOR, "Bo")
    client, _ = sign_in(site, "bo")
    other_device, _ = sign_in(site, "bo")
    token = AuthActions(site, client, "bo").csrf_token("/editor/accounts/me")
    refused = client.post("/editor/accounts/me", data={
        "csrf_token": token, "display_name": "Bo Builder", "bio": "Builds.",
        "password": "not my password", "new_password": NEW_PASSWORD})
    assert refused.status_code == 400
    assert "Your current password is not right" in refused.get_data(as_text=True)
    assert account(site, "bo").display_name == "Bo"
    answer = client.post("/editor/accounts/me", data={
        "csrf_token": token, "display_name": "Bo Builder", "bio": "Builds things.",
        "password": PASSWORD, "new_password": NEW_PASSWORD})
    assert answer.status_code == 303
    stored = account(site, "bo")
    assert (stored.display_name, stored.bio) == ("Bo Builder", "Builds things.")
    assert client.get("/editor/").status_code == 200  # this device stays signed in
    assert other_device.get("/editor/").status_code == 302  # the other one does not
    assert sign_in(site, "bo", NEW_PASSWORD)[1].status_code == 303


def test_account_forms_need_the_csrf_token(site):
    owner = as_role(site, OWNER)
    answer = owner.client.post("/editor/accounts/new", data={
        "username": "bo", "role": CONTRIBUTOR, "password": NEW_PASSWORD})
    assert answer.status_code == 400
    assert account(site, "bo") is None
