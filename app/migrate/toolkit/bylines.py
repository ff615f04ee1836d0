"""Bylines of imported posts: names matched to accounts, or made author profiles.

A name in front matter or an export is matched by user name, author slug or display
name. A name with no account becomes an author profile: a contributor with that display
name, an author page and a feed, and a password hash that no password matches, so it
cannot sign in until an owner sets a password (which makes it an account). The dry run
names the profiles it would make and makes none.
"""

from __future__ import annotations

from pressmark.content.models import CONTRIBUTOR, User, slugify
from pressmark.extensions import db
from sqlalchemy import func, or_, select


def match_authors(names: list[str], notes: list[str], *, dry_run: bool = False) -> list[User]:
    """The accounts the names stand for (by user name, author slug or display name); a
    name with no account becomes an author profile (``_profile``), so the byline stays."""
    found: list[User] = []
    for name in names:
        name = " ".join(str(name).split())[:120]
        if not name:
            continue
        user = db.session.scalar(select(User).where(or_(
            func.lower(User.username) == name.lower(),
            User.slug == slugify(name),
            func.lower(User.display_name) == name.lower(),
        )))
        if user is None and dry_run:
            notes.append(f"author {name!r} has no account here: an author profile will be "
                         "made (a byline that cannot sign in)")
            continue
        if user is None:
            user = profile(name)
            notes.append(f"author {name!r} had no account here: made an author profile "
                         f"({user.username!r}, which cannot sign in)")
        if user not in found:
            found.append(user)
    return found


PROFILE_PASSWORD = "!profile"  # no password hash matches it: a profile cannot sign in


def profile(name: str) -> User:
    """An author profile for ``name``: a byline, an author page and a feed, and no way to
    sign in until an owner sets a password (which makes it an account). Committed at once,
    so the post's save can name it."""
    base = slugify(name, max_length=70) or "author"
    username, number = base, 2
    while db.session.scalar(select(User.id).where(User.username == username)) is not None:
        username, number = f"{base}-{number}", number + 1
    user = User(username=username, display_name=name, role=CONTRIBUTOR,
                password_hash=PROFILE_PASSWORD)
    db.session.add(user)
    db.session.commit()
    return user


