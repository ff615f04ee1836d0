"""Accounts: the owner manages them in the editor, every author keeps their own profile.

- ``/editor/accounts/`` (owners only): every account with its role and any sign-in lock;
  create an account, change a name or a role, set a new password, lift a lock.
- ``/editor/accounts/me``: the signed-in author's name shown to readers, author-page bio and
  password (the current password is asked for first).

The rules live in ``create_account``, ``change_role`` and ``set_password``, which
``pressmark author create``, ``set`` and ``passwd`` (defined here too) apply as well: a
username is taken once, passwords meet ``PASSWORD_MIN_LENGTH``, and the last owner stays
an owner. A new password ends every session of that account (the session token is derived
from the password hash).
"""

from __future__ import annotations

import click
from flask import Blueprint, flash, redirect, request, url_for
from flask_login import current_user
from pressmark.content.models import CONTRIBUTOR, OWNER, ROLES, User
from pressmark.content.store import commit_content_change
from pressmark.extensions import db
from pressmark.web import throttle
from pressmark.web.auth import (
    author_cli,
    find_user,
    normalize_username,
    password_problem,
    read_password,
    require_schema,
    restart_session,
    username_problem,
)
from pressmark.web.editor import access
from pressmark.web.rendering import render_page
from sqlalchemy import func, select
from sqlalchemy import update as sql_update
from sqlalchemy.orm import aliased
from sqlalchemy.orm.attributes import set_committed_value

bp = Blueprint("accounts", __name__, url_prefix="/editor/accounts")

NAME_MAX = 120
BIO_MAX = 2000
ROLE_HELP = (
    "owner: everything, accounts and plugins included; editor: publishes and changes any "
    "post or page; contributor: writes drafts, cannot publish."
)


class AccountError(ValueError):
    """A change to an account that the rules refuse; ``str(exc)`` says why."""


# --- the rules ----------------------------------------------------------------------------------


def create_account(username: str, password: str, *, display_name: str = "", role: str = OWNER,
                   bio: str = "") -> User:
    """A new account (added to the session; the caller commits)."""
    username = normalize_username(username)
    problem = (username_problem(username) or password_problem(password, username)
               or _role_problem(role))
    if problem:
        raise AccountError(problem)
    if find_user(username):
        raise AccountError(f"An account named “{username}” already exists.")
    user = User(username=username, display_name=(display_name or username).strip()[:NAME_MAX],
                role=role, bio=bio.strip()[:BIO_MAX])
    user.set_password(password)
    db.session.add(user)
    return user


def change_role(user: User, role: str) -> None:
    """Give ``user`` ``role``; the site's last owner cannot stop being one.

    Two owners who demote each other at the same moment must not both succeed, so the
    check and the change are one conditional ``UPDATE`` ("demote this owner if another
    owner remains") in the caller's transaction, after the owners' rows are locked
    (``FOR UPDATE`` on PostgreSQL; on SQLite the ``UPDATE`` takes the database's write
    lock, so the second one waits and then counts the first one's change). The caller
    commits.
    """
    problem = _role_problem(role)
    if problem:
        raise AccountError(problem)
    if user.role != OWNER or role == OWNER:
        user.role = role
        return
    db.session.execute(select(User.id).where(User.role == OWNER).with_for_update())
    other = aliased(User)
    others = select(func.count()).select_from(other).where(
        other.role == OWNER, other.id != user.id).scalar_subquery()
    demoted = db.session.execute(
        sql_update(User).where(User.id == user.id, User.role == OWNER, others > 0)
        .values(role=role).execution_options(synchronize_session=False)
    ).rowcount
    if demoted != 1:
        raise AccountError(
            f"{user.username} is the only owner; make another account an owner first."
        )
    set_committed_value(user, "role", role)


def _role_problem(role: str) -> str | None:
    return None if role in ROLES else f"The role must be one of: {', '.join(ROLES)}."


def set_password(user: User, password: str) -> None:
    """A new password for ``user``: every session of the account ends, any lock is lifted."""
    problem = password_problem(password, user.username)
    if problem:
        raise AccountError(problem)
    user.set_password(password)
    throttle.clear([throttle.account_key(user.username)])


def set_profile(user: User, display_name: str, bio: str) -> None:
    """The name readers see and the author-page bio. The author page keeps its address
    (URLs are forever); only the name changes."""
    if not display_name.strip():
        raise AccountError("The name shown to readers cannot be empty.")
    user.display_name = display_name.strip()[:NAME_MAX]
    user.bio = bio.strip()[:BIO_MAX]


# --- the owner's page ---------------------------------------------------------------------------


access.guard(bp, "accounts", "Only owners can manage accounts.",
             open_to_all=("accounts.profile",))


def _accounts_page(status: int = 200, *, error: str = "", new: dict | None = None,
                   failed_id: int | None = None):
    users = db.session.scalars(select(User).order_by(User.username)).all()
    locked = {u.id: throttle.locked_seconds([throttle.account_key(u.username)]) for u in users}
    return render_page(
        "editor/accounts.html", users=users, locked=locked, roles=ROLES, role_help=ROLE_HELP,
        error=error, new=new or {"role": "contributor"}, failed_id=failed_id,
    ), status


@bp.route("/")
def index():
    return _accounts_page()


@bp.route("/new", methods=["POST"])
def create():
    form = {name: request.form.get(name, "") for name in ("username", "display_name", "role")}
    try:
        user = create_account(form["username"], request.form.get("password", ""),
                              display_name=form["display_name"], role=form["role"])
        db.session.commit()
    except AccountError as error:
        db.session.rollback()
        return _accounts_page(400, error=str(error), new=form)
    flash(f"Account “{user.username}” ({user.role}) created: they can sign in now.", "saved")
    return redirect(url_for(".index"), code=303)


@bp.route("/<int:user_id>", methods=["POST"])
def update(user_id: int):
    user = db.get_or_404(User, user_id)
    try:
        set_profile(user, request.form.get("display_name", ""), user.bio)
        change_role(user, request.form.get("role", user.role))
        commit_content_change()  # the name is in bylines
    except AccountError as error:
        db.session.rollback()
        return _accounts_page(400, error=str(error), failed_id=user.id)
    flash(f"Saved “{user.username}”: {user.name}, {user.role}.", "saved")
    return redirect(url_for(".index"), code=303)


@bp.route("/<int:user_id>/password", methods=["POST"])
def reset_password(user_id: int):
    user = db.get_or_404(User, user_id)
    if user.id == current_user.id:
        return redirect(url_for(".profile"), code=303)  # asks for the current password
    try:
        set_password(user, request.form.get("password", ""))
        db.session.commit()
    except AccountError as error:
        db.session.rollback()
        return _accounts_page(400, error=str(error), failed_id=user.id)
    flash(f"New password set for “{user.username}”: their other sessions have ended.", "saved")
    return redirect(url_for(".index"), code=303)


@bp.route("/<int:user_id>/unlock", methods=["POST"])
def unlock(user_id: int):
    user = db.get_or_404(User, user_id)
    throttle.clear([throttle.account_key(user.username)])
    flash(f"“{user.username}” can sign in again.", "saved")
    return redirect(url_for(".index"), code=303)


# --- every author's own profile -----------------------------------------------------------------


@bp.route("/me", methods=["GET", "POST"])
def profile():
    user = current_user._get_current_object()
    if request.method == "GET":
        return render_page("editor/profile.html", error="", form=None)
    form = {name: request.form.get(name, "") for name in ("display_name", "bio")}
    new_password = request.form.get("new_password", "")
    try:
        if new_password and not user.check_password(request.form.get("password", "")):
            raise AccountError("Your current password is not right; nothing was changed.")
        set_profile(user, form["display_name"], form["bio"])
        if new_password:
            set_password(user, new_password)
        commit_content_change()  # the name is in bylines, the bio on the author page
    except AccountError as error:
        db.session.rollback()
        return render_page("editor/profile.html", error=str(error), form=form), 400
    if new_password:
        restart_session(user)  # the new password ended every session, this one included
        flash("Profile saved. Your password is changed; other devices are signed out.", "saved")
    else:
        flash("Profile saved.", "saved")
    return redirect(url_for(".profile"), code=303)


# --- the same rules on the command line ---------------------------------------------------------


@author_cli.command("create")
@click.argument("username")
@click.option("--display-name", default=None, help="Name shown to readers (default: USERNAME).")
@click.option("--role", type=click.Choice(ROLES), default=None,
              help=ROLE_HELP + " Default: owner for the site's first account, contributor "
              "after that.")
@click.option("--bio", default="", help="A sentence or two for the author page.")
@click.option(
    "--password-stdin", is_flag=True, help="Read the password from the first line of stdin."
)
def create_command(
    username: str, display_name: str | None, role: str | None, bio: str, password_stdin: bool
) -> None:
    """Create the author USERNAME; asks for the password twice (hidden).

    The password follows the site's rules (docs/security.md): at least PASSWORD_MIN_LENGTH
    characters, not a common password, not containing the user name or the site's name.
    """
    require_schema()
    if role is None:  # the first account runs the site; later ones write for it
        role = CONTRIBUTOR if db.session.scalar(select(func.count(User.id))) else OWNER
    problem = username_problem(normalize_username(username))
    if problem:  # before asking for a password
        raise click.ClickException(problem)
    password = read_password(password_stdin)
    try:
        user = create_account(username, password, display_name=display_name or "",
                              role=role, bio=bio)
        db.session.commit()
    except AccountError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Created author {user.username!r} ({role}). Sign in at /auth/login.")


@author_cli.command("set")
@click.argument("username")
@click.option("--role", type=click.Choice(ROLES), default=None, help=ROLE_HELP)
@click.option("--display-name", default=None, help="Name shown to readers.")
@click.option("--bio", default=None, help="A sentence or two for the author page.")
def set_command(
    username: str, role: str | None, display_name: str | None, bio: str | None
) -> None:
    """Change the role, display name or author-page bio of USERNAME."""
    require_schema()
    user = find_user(normalize_username(username))
    if user is None:
        raise click.ClickException(f"There is no author named {username!r}.")
    try:
        if role is not None:
            change_role(user, role)
        if display_name is not None and display_name.strip():
            set_profile(user, display_name, user.bio)
        if bio is not None:
            set_profile(user, user.name, bio)
    except AccountError as error:
        raise click.ClickException(str(error)) from None
    commit_content_change()
    click.echo(f"{user.username}: {user.role}, shown as {user.name!r} at /authors/{user.slug}.")


@author_cli.command("passwd")
@click.argument("username")
@click.option(
    "--password-stdin", is_flag=True, help="Read the password from the first line of stdin."
)
def passwd_command(username: str, password_stdin: bool) -> None:
    """Set a new password for USERNAME (and lift any sign-in lock on the account)."""
    require_schema()
    user = find_user(normalize_username(username))
    if user is None:
        raise click.ClickException(f"There is no author named {username!r}.")
    try:
        set_password(user, read_password(password_stdin))
    except AccountError as error:
        raise click.ClickException(str(error)) from None
    db.session.commit()
    click.echo(f"Password changed for {user.username!r}.")
