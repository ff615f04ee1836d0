"""The last-owner rule holds under a race: two owners who demote each other at the same
moment, each in their own thread, connection and transaction, on a real SQLite file and
on the real PostgreSQL server. One succeeds, the other is refused; an owner remains."""

from __future__ import annotations

import threading

import pytest
from pressmark.content.models import EDITOR, OWNER, User
from pressmark.extensions import db
from pressmark.web.accounts import AccountError, change_role
from sqlalchemy import select

pytest_plugins = ["tests.postgres"]


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def site(request):
    app = request.getfixturevalue("app" if request.param == "sqlite" else "pg_app")
    with app.app_context():
        for name in ("alice", "bob"):
            db.session.add(User(username=name, display_name=name.title(), role=OWNER,
                                password_hash="x"))
        db.session.commit()
    return app


def test_two_owners_demoting_each_other_at_once_leave_one_owner(site):
    first_changed, second_done = threading.Event(), threading.Event()
    outcome: dict[str, str] = {}

    def demote(target: str, *, first: bool) -> None:
        with site.app_context():
            if not first:
                first_changed.wait(10)
            user = db.session.scalar(select(User).where(User.username == target))
            try:
                change_role(user, EDITOR)
                if first:
                    # Hold the transaction open while the other demotion runs: without the
                    # rule in one statement both would have counted two owners.
                    first_changed.set()
                    second_done.wait(1.5)
                db.session.commit()
                outcome[target] = "demoted"
            except AccountError as error:
                db.session.rollback()
                outcome[target] = str(error)
            finally:
                first_changed.set()
                if not first:
                    second_done.set()
                db.session.remove()

    threads = [threading.Thread(target=demote, args=("alice",), kwargs={"first": True}),
               threading.Thread(target=demote, args=("bob",), kwargs={"first": False})]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert outcome["alice"] == "demoted"
    assert "bob is the only owner" in outcome["bob"]
    with site.app_context():
        owners = db.session.scalars(select(User.username).where(User.role == OWNER)).all()
    assert owners == ["bob"]
