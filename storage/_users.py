"""Users of the web app, their API tokens and their browser sessions.

Passwords are kept as argon2id hashes (argon2-cffi, imported when a password is hashed or
checked). Tokens and session cookies are long random strings: only their SHA-256 is kept, so a
copy of the database lets nobody sign in as anyone.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlmodel import col, delete, select

from archiver.errors import UsageError
from archiver.models import isoformat_z
from storage._database import read_session, storage_errors, write_session
from storage._tables import ApiToken, User, WebSession

Clock = Callable[[], datetime]

SESSION_LIFETIME = timedelta(hours=12)
MIN_PASSWORD_LENGTH = 10
_NAME = re.compile(r"[a-z0-9][a-z0-9._-]{0,63}")
TOKEN_PREFIX = "pp_"


class Role(StrEnum):
    """What a user may do: read (viewer), capture and link (editor), and manage users (admin).
    Each role may do everything the roles before it may."""

    VIEWER = "viewer"
    EDITOR = "editor"
    ADMIN = "admin"

    def allows(self, needed: Role) -> bool:
        order = list(Role)
        return order.index(self) >= order.index(needed)


@dataclass(frozen=True)
class UserRecord:
    id: int
    name: str
    role: Role
    created_at: datetime
    tokens: int = 0

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "role": self.role.value,
            "created_at": isoformat_z(self.created_at),
            "tokens": self.tokens,
        }


@dataclass(frozen=True)
class SessionRecord:
    """A signed-in browser: its user, the CSRF token of its forms, when it ends."""

    user: UserRecord
    csrf_token: str
    expires_at: datetime


def parse_role(text: str) -> Role:
    try:
        return Role(text.strip().lower())
    except ValueError:
        raise UsageError(
            f"unknown role {text!r}", hint="use one of: " + ", ".join(r.value for r in Role)
        ) from None


def check_name(name: str) -> str:
    """A user name: lower-case letters, digits, dots, dashes and underscores (1 to 64)."""
    if not _NAME.fullmatch(name):
        raise UsageError(
            f"{name!r} is not a valid user name",
            hint="use 1 to 64 lower-case letters, digits, '.', '-' or '_', starting with a "
            "letter or a digit",
        )
    return name


def check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UsageError(
            f"the password is too short ({len(password)} characters)",
            hint=f"use at least {MIN_PASSWORD_LENGTH} characters; a passphrase is best",
        )
    return password


def _sha256(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _hasher() -> Any:
    from argon2 import PasswordHasher

    return PasswordHasher()


# Checked against when the user name is unknown, so that a wrong name costs as much time as a
# wrong password and answers do not tell which names exist.
_DUMMY_HASH: str | None = None


def _dummy_hash() -> str:
    global _DUMMY_HASH
    if _DUMMY_HASH is None:
        _DUMMY_HASH = _hasher().hash(secrets.token_urlsafe(16))
    return _DUMMY_HASH


def _record(row: User, tokens: int = 0) -> UserRecord:
    assert row.id is not None
    return UserRecord(
        id=row.id, name=row.name, role=Role(row.role), created_at=row.created_at, tokens=tokens
    )


class Users:
    """The users of one archive; see the module docstring."""

    def __init__(self, engine: sa.Engine, home: Path, clock: Clock) -> None:
        self._engine = engine
        self._home = home
        self._clock = clock

    # -- accounts ----------------------------------------------------------------------------

    def add(self, name: str, role: Role, password: str) -> UserRecord:
        check_name(name)
        password_hash = _hasher().hash(check_password(password))
        with storage_errors(self._home), write_session(self._engine) as session:
            if session.exec(select(User).where(col(User.name) == name)).first() is not None:
                raise UsageError(
                    f"a user named {name!r} already exists",
                    hint="choose another name, or remove that user first",
                )
            row = User(
                name=name, role=role.value, password_hash=password_hash, created_at=self._clock()
            )
            session.add(row)
            session.flush()
            return _record(row)

    def all(self) -> list[UserRecord]:
        with storage_errors(self._home), read_session(self._engine) as session:
            counts: dict[int | None, int] = dict(
                session.exec(
                    select(ApiToken.user_id, sa.func.count()).group_by(col(ApiToken.user_id))
                ).all()
            )
            rows = session.exec(select(User).order_by(col(User.name))).all()
            return [_record(row, counts.get(row.id, 0)) for row in rows]

    def get(self, name: str) -> UserRecord:
        with storage_errors(self._home), read_session(self._engine) as session:
            row = session.exec(select(User).where(col(User.name) == name)).first()
        if row is None:
            raise UsageError(f"no user named {name!r}", hint="`postproof user list` shows them")
        return _record(row)

    def remove(self, name: str) -> bool:
        """Remove the user, their tokens and their sessions; whether there was such a user."""
        with storage_errors(self._home), write_session(self._engine) as session:
            row = session.exec(select(User).where(col(User.name) == name)).first()
            if row is None:
                return False
            session.exec(delete(ApiToken).where(col(ApiToken.user_id) == row.id))
            session.exec(delete(WebSession).where(col(WebSession.user_id) == row.id))
            session.delete(row)
            return True

    def set_password(self, name: str, password: str) -> None:
        """Give the user ``name`` a new password; their signed-in browsers are signed out."""
        password_hash = _hasher().hash(check_password(password))
        with storage_errors(self._home), write_session(self._engine) as session:
            row = session.exec(select(User).where(col(User.name) == name)).first()
            if row is None:
                raise UsageError(f"no user named {name!r}", hint="`postproof user list` shows them")
            row.password_hash = password_hash
            session.add(row)
            session.exec(delete(WebSession).where(col(WebSession.user_id) == row.id))

    def has_admin(self) -> bool:
        with storage_errors(self._home), read_session(self._engine) as session:
            found = session.exec(select(User.id).where(col(User.role) == Role.ADMIN.value))
            return found.first() is not None

    def authenticate(self, name: str, password: str) -> UserRecord | None:
        """The user, when ``password`` is theirs; ``None`` otherwise (whatever was wrong)."""
        from argon2.exceptions import InvalidHashError, VerificationError

        with storage_errors(self._home), read_session(self._engine) as session:
            row = session.exec(select(User).where(col(User.name) == name)).first()
        hasher = _hasher()
        try:
            hasher.verify(row.password_hash if row else _dummy_hash(), password)
        except (VerificationError, InvalidHashError):
            return None
        return _record(row) if row is not None else None

    # -- API tokens --------------------------------------------------------------------------

    def new_token(self, name: str, label: str | None = None) -> str:
        """A new API token for the user ``name``: returned once, kept only as its hash."""
        user = self.get(name)
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        with storage_errors(self._home), write_session(self._engine) as session:
            row = ApiToken(
                user_id=user.id, token_sha256=_sha256(token), label=label, created_at=self._clock()
            )
            session.add(row)
        return token

    def revoke_tokens(self, name: str) -> int:
        """Remove every API token of the user ``name``; how many there were."""
        user = self.get(name)
        with storage_errors(self._home), write_session(self._engine) as session:
            rows = session.exec(select(ApiToken).where(col(ApiToken.user_id) == user.id)).all()
            for row in rows:
                session.delete(row)
            return len(rows)

    def by_token(self, token: str) -> UserRecord | None:
        if not token.startswith(TOKEN_PREFIX):
            return None
        with storage_errors(self._home), read_session(self._engine) as session:
            row = session.exec(
                select(User)
                .join(ApiToken, col(ApiToken.user_id) == col(User.id))
                .where(col(ApiToken.token_sha256) == _sha256(token))
            ).first()
            return _record(row) if row is not None else None

    # -- browser sessions --------------------------------------------------------------------

    def start_session(self, user: UserRecord) -> tuple[str, SessionRecord]:
        """A new session for ``user``: the cookie value (kept only as its hash) and the session."""
        token = secrets.token_urlsafe(32)
        now = self._clock()
        csrf = secrets.token_urlsafe(32)
        with storage_errors(self._home), write_session(self._engine) as session:
            # Sessions that ended are removed as new ones begin.
            session.exec(delete(WebSession).where(col(WebSession.expires_at) < now))
            row = WebSession(
                user_id=user.id,
                token_sha256=_sha256(token),
                csrf_token=csrf,
                created_at=now,
                expires_at=now + SESSION_LIFETIME,
            )
            session.add(row)
        return token, SessionRecord(user=user, csrf_token=csrf, expires_at=now + SESSION_LIFETIME)

    def session(self, token: str) -> SessionRecord | None:
        """The live session whose cookie is ``token``; ``None`` when unknown or ended."""
        with storage_errors(self._home), read_session(self._engine) as session:
            found = session.exec(
                select(WebSession, User)
                .join(User, col(User.id) == col(WebSession.user_id))
                .where(col(WebSession.token_sha256) == _sha256(token))
            ).first()
        if found is None:
            return None
        row, user = found
        if row.expires_at <= self._clock():
            return None
        return SessionRecord(
            user=_record(user), csrf_token=row.csrf_token, expires_at=row.expires_at
        )

    def end_session(self, token: str) -> None:
        with storage_errors(self._home), write_session(self._engine) as session:
            session.exec(delete(WebSession).where(col(WebSession.token_sha256) == _sha256(token)))
