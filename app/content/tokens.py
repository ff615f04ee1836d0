"""Personal access tokens: how an author's own tools (a script, CI, ``pressmark
publish``) act as that author through the Admin API.

A token is shown once, when it is made; only its SHA-256 is stored (a token is 256 random
bits, so a fast hash is as good as a slow one and lets a request find its token by an
index lookup). Each has a name, scopes (what it may do, within what its author's role
allows), a last-used time, and is revoked rather than deleted, so the list keeps its
history.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime

from pressmark.content.models import User, utcnow
from pressmark.extensions import db
from sqlalchemy import ForeignKey, String, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

PREFIX = "pmk_"
SCOPES = {
    "read:drafts": "Read drafts and scheduled posts",
    "write:posts": "Create, change and publish posts",
    "write:uploads": "Upload images",
}
# Last-used times are written at most this often per token: a busy script must not turn
# every read into a write.
TOUCH_SECONDS = 60


class AccessToken(db.Model):
    __tablename__ = "access_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    scopes: Mapped[str] = mapped_column(String(200), default="")  # space-separated
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The first characters, shown in the list so the author can tell tokens apart.
    hint: Mapped[str] = mapped_column(String(16), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column()
    revoked_at: Mapped[datetime | None] = mapped_column()

    user: Mapped[User] = relationship()

    @property
    def scope_list(self) -> list[str]:
        return [s for s in self.scopes.split() if s in SCOPES]

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    def allows(self, scope: str) -> bool:
        return self.is_active and scope in self.scope_list


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8", "replace")).hexdigest()


def create_token(user: User, name: str, scopes: list[str]) -> tuple[AccessToken, str]:
    """A new token for ``user`` and its secret (shown once, never stored); commits.

    Raises ``ValueError`` for an empty name or an unknown scope.
    """
    name = " ".join(str(name).split())[:80]
    if not name:
        raise ValueError("Give the token a name, such as the tool that will use it.")
    unknown = [s for s in scopes if s not in SCOPES]
    if unknown or not scopes:
        raise ValueError("Choose at least one of the scopes listed.")
    secret = PREFIX + secrets.token_urlsafe(32)
    token = AccessToken(user=user, name=name, scopes=" ".join(sorted(set(scopes))),
                        token_hash=digest(secret), hint=secret[: len(PREFIX) + 4])
    db.session.add(token)
    db.session.commit()
    return token, secret


def find_token(secret: str) -> AccessToken | None:
    """The active token whose secret is ``secret``, its last-used time brought up to date;
    None for an unknown or revoked one."""
    if not secret.startswith(PREFIX) or len(secret) > 100:
        return None
    wanted = digest(secret)
    token = db.session.scalar(select(AccessToken).where(AccessToken.token_hash == wanted))
    if token is None or not hmac.compare_digest(token.token_hash, wanted) or not token.is_active:
        return None
    now = utcnow()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > TOUCH_SECONDS:
        token.last_used_at = now
        db.session.commit()
    return token


def revoke(token: AccessToken) -> None:
    """Revoke ``token`` for good (commits); it stays in the list, marked revoked."""
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        db.session.commit()
