"""Users, passwords and login sessions against a real database."""

from datetime import timedelta

import pytest

from wayvo_app.core.errors import AuthenticationError, BadRequestError, ConflictError
from wayvo_app.services import accounts, api_keys
from wayvo_app.store import db
from wayvo_app.store.models import User, utcnow


def test_user_names_are_normalized_and_unique(db_url):
    with db.session() as s:
        accounts.create_user(s, "  Alice ", "password1", roles=["approver", "approver"])
    with db.session() as s:
        user = accounts.find_user(s, "ALICE")
        assert user.user_name == "alice" and user.roles == ["approver"]
        assert user.password_hash.startswith("$argon2")
        with pytest.raises(ConflictError):
            accounts.create_user(s, "alice", "password2")


def test_short_password_and_bad_names_are_refused(db_url):
    with db.session() as s:
        with pytest.raises(BadRequestError):
            accounts.create_user(s, "bob", "short")
        with pytest.raises(BadRequestError):
            accounts.create_user(s, "bob smith", "password1")


def test_wrong_password_and_unknown_user_get_the_same_message(db_url):
    with db.session() as s:
        accounts.create_user(s, "carol", "password1")
    with db.session() as s:
        with pytest.raises(AuthenticationError) as wrong:
            accounts.authenticate(s, "carol", "nope-nope")
        with pytest.raises(AuthenticationError) as unknown:
            accounts.authenticate(s, "nobody", "nope-nope")
    assert wrong.value.message == unknown.value.message == accounts.BAD_CREDENTIALS


def test_session_token_is_signed_expires_and_can_be_ended(db_url):
    with db.session() as s:
        user = accounts.create_user(s, "dave", "password1")
        token, _ = accounts.start_session(s, user, "key-1")
    with db.session() as s:
        conn = s.connection()
        assert accounts.session_principal(conn, token, "key-1").user_name == "dave"
        assert accounts.session_principal(conn, token, "another-key") is None
        assert accounts.session_principal(conn, token + "x", "key-1") is None
        later = utcnow() + accounts.SESSION_LIFETIME + timedelta(seconds=1)
        assert accounts.session_principal(conn, token, "key-1", now=later) is None
        accounts.end_session(s, token)
    with db.session() as s:
        assert accounts.session_principal(s.connection(), token, "key-1") is None


def test_api_key_is_stored_hashed_and_stops_when_revoked_or_user_disabled(db_url):
    with db.session() as s:
        user = accounts.create_user(s, "erin", "password1")
        new = api_keys.create_api_key(s, user.id, "Stripe Webhook Key")
    assert new.key.startswith("wfb_") and new.row.key_prefix == new.key[:9]
    assert new.key not in (new.row.key_hash, new.row.key_prefix)
    with db.session() as s:
        found = api_keys.live_key_owner(s.connection(), new.key)
        assert found.user_name == "erin" and found.name == "Stripe Webhook Key"
        s.get(User, user.id).disabled = True
    with db.session() as s:
        assert api_keys.live_key_owner(s.connection(), new.key) is None
        s.get(User, user.id).disabled = False
    with db.session() as s:
        api_keys.revoke_api_key(s, user.id, new.row.id)
    with db.session() as s:
        assert api_keys.live_key_owner(s.connection(), new.key) is None
