"""Users of the web app: argon2 password hashes, API tokens and sessions kept as hashes."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from archiver.errors import UsageError
from storage import Role, open_archive


def test_users_passwords_tokens_and_sessions(tmp_path: Path) -> None:
    home = tmp_path / "home"
    now = [datetime(2026, 12, 6, 12, tzinfo=UTC)]
    with open_archive(home, clock=lambda: now[0]) as archive:
        users = archive.users
        assert not users.has_admin()
        alice = users.add("alice", Role.ADMIN, "correct horse battery")
        users.add("bob", Role.VIEWER, "another long secret")
        assert users.has_admin()
        with pytest.raises(UsageError, match="already exists"):
            users.add("alice", Role.VIEWER, "correct horse battery")
        with pytest.raises(UsageError, match="too short"):
            users.add("carol", Role.VIEWER, "short")
        with pytest.raises(UsageError, match="not a valid user name"):
            users.add("Carol <b>", Role.VIEWER, "long enough secret")
        assert users.authenticate("alice", "correct horse battery") == alice
        assert users.authenticate("alice", "wrong password here") is None
        assert users.authenticate("nobody", "correct horse battery") is None

        token = users.new_token("alice", "nightly script")
        assert users.by_token(token) == alice
        assert users.by_token(token + "x") is None
        assert [u.tokens for u in users.all()] == [1, 0]

        cookie, session = users.start_session(alice)
        assert users.session(cookie) == session and session.user.role is Role.ADMIN
        now[0] += timedelta(hours=13)
        assert users.session(cookie) is None  # ended
        cookie, _ = users.start_session(alice)
        users.end_session(cookie)
        assert users.session(cookie) is None

        cookie, _ = users.start_session(alice)
        users.set_password("alice", "a brand new passphrase")
        assert users.session(cookie) is None  # signed out
        assert users.authenticate("alice", "correct horse battery") is None
        assert users.authenticate("alice", "a brand new passphrase") == alice
        assert users.by_token(token) == alice  # scripts keep their tokens
        with pytest.raises(UsageError, match="no user named"):
            users.set_password("nobody", "a brand new passphrase")

        cookie, _ = users.start_session(alice)
        assert users.remove("alice") and not users.remove("alice")
        assert users.by_token(token) is None and users.session(cookie) is None
        assert [u.name for u in users.all()] == ["bob"]

    # Nothing secret is kept in the clear: only argon2 hashes and SHA-256 of tokens.
    db = sqlite3.connect(home / "postproof.sqlite3")
    try:
        dumped = "\n".join(db.iterdump())
    finally:
        db.close()
    assert "another long secret" not in dumped and "$argon2id$" in dumped
    assert token not in dumped and cookie not in dumped


def test_roles_are_ordered() -> None:
    assert Role.ADMIN.allows(Role.EDITOR) and Role.EDITOR.allows(Role.VIEWER)
    assert not Role.VIEWER.allows(Role.EDITOR) and not Role.EDITOR.allows(Role.ADMIN)
