"""Password rules after NIST SP 800-63B, the same in the editor's forms and on the command
line; and the role a new account gets from ``pressmark author create``."""

from __future__ import annotations

import gzip
from importlib import resources

import pytest
from pressmark.content.models import CONTRIBUTOR, EDITOR, OWNER, User
from pressmark.extensions import db
from pressmark.passwords import common_passwords, password_problem
from sqlalchemy import select

from tests.web.test_roles import as_role


def test_the_shipped_list_holds_the_100000_most_common_passwords():
    raw = resources.files("pressmark").joinpath("data", "common-passwords.txt.gz").read_bytes()
    lines = gzip.decompress(raw).decode().splitlines()
    assert len(lines) == 100_000 and lines[:2] == ["123456", "password"]
    assert len(common_passwords()) > 95_000  # lower-cased, a few collapse


@pytest.mark.parametrize("password", ["password123", "1234567890", "qwertyuiop",
                                      "PASSWORD123", "iloveyou12"])
def test_common_passwords_are_refused_whatever_their_case(password):
    assert "100,000 most common" in password_problem(password)


@pytest.mark.parametrize(("password", "name"), [
    ("alice2024!!", "alice"), ("my-ALICE-is-long", "alice"),
    ("engineeringtokens1", "Engineering Tokens"), ("Engineering Tokens rock", "Engineering Tokens"),
])
def test_passwords_containing_the_user_or_site_name_are_refused(password, name):
    assert f"must not contain “{name}”" in password_problem(password, names=(name,))


@pytest.mark.parametrize("password", [
    "correct horse battery staple", "zzzzzzzzzzzzzzzz", "élan vital ünter",
    "x" * 1024, "bo is my friend here",  # names under three characters are not searched
])
def test_no_composition_rules_any_long_uncommon_password_is_accepted(password):
    assert password_problem(password, names=("bo", "Engineering Tokens")) is None


def test_length_limits():
    assert "at least 10" in password_problem("a9$Kq2!x")
    assert "at most 1024" in password_problem("y" * 1025)
    assert "at least 12" in password_problem("uncommon1", minimum=12)


def test_the_command_line_applies_the_same_rules(app, runner):
    for password, message in [("password123", "most common"),
                              ("alice is writing", "must not contain “alice”")]:
        result = runner.invoke(args=["author", "create", "alice", "--password-stdin"],
                               input=password + "\n")
        assert result.exit_code == 1 and message in result.output
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(User)) == 0


def test_the_first_account_is_an_owner_and_later_ones_contributors(app, runner):
    def create(*args: str) -> str:
        result = runner.invoke(args=["author", "create", *args, "--password-stdin"],
                               input="a long unusual passphrase\n")
        assert result.exit_code == 0, result.output
        return result.output

    assert "(owner)" in create("first")
    assert "(contributor)" in create("second")
    assert "(editor)" in create("third", "--role", "editor")
    with app.app_context():
        roles = dict(db.session.execute(select(User.username, User.role)).all())
    assert roles == {"first": OWNER, "second": CONTRIBUTOR, "third": EDITOR}


def test_the_editors_account_form_applies_the_same_rules(app):
    owner = as_role(app, OWNER)
    answer = owner.client.post("/editor/accounts/new", data={
        "csrf_token": owner.token(), "username": "newcomer", "display_name": "New",
        "role": EDITOR, "password": "newcomer-2026",
    })
    assert answer.status_code == 400
    assert "must not contain “newcomer”" in answer.get_data(as_text=True)
    answer = owner.client.post("/editor/accounts/new", data={
        "csrf_token": owner.token(), "username": "newcomer", "display_name": "New",
        "role": EDITOR, "password": "1234567890",
    })
    assert answer.status_code == 400 and "most common" in answer.get_data(as_text=True)
