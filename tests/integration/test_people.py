"""People: installation administrators manage users; everyone edits their own profile; a disabled
user's sessions and keys stop at once; first-run setup makes exactly one owner."""

import threading

import httpx
import pytest
from sqlalchemy import select

from tests.helpers import make_user
from wayvo_app.api.app import create_api
from wayvo_app.core.errors import (
    AuthenticationError,
    BadRequestError,
    ConflictError,
    ForbiddenError,
    NotFoundError,
)
from wayvo_app.services import accounts, api_keys, user_admin
from wayvo_app.store import db
from wayvo_app.store.models import User

SECRET = "test-secret-key-for-signing-and-encryption"  # the fixture's WAYVO_SECRET_KEY


def _names(rows) -> list[str]:
    return [r.user_name for r in rows]


def test_admin_lists_creates_and_edits_users(db_url):
    admin = make_user("olivia", roles=("admin",))
    created = user_admin.create(admin, "  Jane ", "password1", roles="manager, approver",
                                email="jane@example.com", display_name="Jane Doe")
    assert (created.user_name, created.display_name, created.email, created.roles, created.disabled) == \
        ("jane", "Jane Doe", "jane@example.com", ("approver", "manager"), False)
    assert _names(user_admin.users_for(admin)) == ["jane", "olivia"]
    edited = user_admin.update(admin, created.id, display_name="Jane D.", email="", roles="finance")
    assert (edited.display_name, edited.email, edited.roles) == ("Jane D.", "", ("finance",))
    # A blank display name falls back to the user name; the roles take effect at the next sign-in check.
    assert user_admin.update(admin, created.id, display_name=" ", email="j@example.org", roles="").display_name == "jane"
    _, _, jane = accounts.sign_in("jane", "password1", SECRET)
    assert jane.roles == () and jane.email == "j@example.org"


@pytest.mark.parametrize("call", [
    lambda actor, target: user_admin.users_for(actor),
    lambda actor, target: user_admin.create(actor, "mallory", "password1"),
    lambda actor, target: user_admin.update(actor, target, display_name="x", email="", roles="admin"),
    lambda actor, target: user_admin.reset_password(actor, target, "password2"),
    lambda actor, target: user_admin.disable(actor, target),
    lambda actor, target: user_admin.disable(actor, target, disabled=False),
])
def test_non_admins_and_disabled_admins_are_refused_by_every_entry_point(db_url, call):
    admin = make_user("olivia", roles=("admin",))
    manager = make_user("maria", roles=("manager",))
    other_admin = make_user("oscar", roles=("admin",))
    user_admin.disable(admin, other_admin)
    for actor in (manager, other_admin, "no-such-user"):
        with pytest.raises(ForbiddenError) as refused:
            call(actor, admin)
        assert refused.value.message == user_admin.NOT_ADMIN
    with db.read_session() as s:  # nothing changed
        assert s.get(User, admin).roles == ["admin"] and not s.get(User, admin).disabled
        assert accounts.find_user(s, "mallory") is None


def test_a_role_removed_a_moment_ago_counts(db_url):
    admin = make_user("olivia", roles=("admin",))
    helper = make_user("hank", roles=("admin",))
    user_admin.update(admin, helper, display_name="Hank", email="", roles="manager")
    with pytest.raises(ForbiddenError):
        user_admin.users_for(helper)


def test_bad_input_is_refused_with_a_clear_message(db_url):
    admin = make_user("olivia", roles=("admin",))
    jane = user_admin.create(admin, "jane", "password1").id
    cases = [
        (lambda: user_admin.create(admin, "jane", "password1"), ConflictError, 'User "jane" already exists'),
        (lambda: user_admin.create(admin, "bo b", "password1"), BadRequestError, "without spaces"),
        (lambda: user_admin.create(admin, "bob", "short"), BadRequestError, "at least 8"),
        (lambda: user_admin.create(admin, "bob", "password1", email="not-mail"), BadRequestError,
         "not an e-mail address"),
        (lambda: user_admin.update(admin, jane, display_name="x" * 201, email="", roles=""), BadRequestError,
         "at most 200"),
        (lambda: user_admin.reset_password(admin, jane, "short"), BadRequestError, "at least 8"),
        (lambda: user_admin.update(admin, "nope", display_name="", email="", roles=""), NotFoundError,
         "User not found"),
    ]
    for call, error, text in cases:
        with pytest.raises(error) as caught:
            call()
        assert text in caught.value.message


def test_disabling_ends_sessions_and_keys_at_once_and_enabling_restores_keys_only(db_url):
    admin = make_user("olivia", roles=("admin",))
    bob = user_admin.create(admin, "bob", "password1")
    token, _, _ = accounts.sign_in("bob", "password1", SECRET)
    key = api_keys.new_api_key(bob.id, "ci").key
    assert accounts.principal_for_token(key, SECRET).user_name == "bob"

    assert user_admin.disable(admin, bob.id).disabled
    assert accounts.signed_in(token, SECRET) is None
    assert accounts.principal_for_token(token, SECRET) is None
    assert accounts.principal_for_token(key, SECRET) is None
    with pytest.raises(AuthenticationError) as refused:
        accounts.sign_in("bob", "password1", SECRET)
    assert refused.value.message == accounts.BAD_CREDENTIALS  # no hint that the account exists

    user_admin.disable(admin, bob.id, disabled=False)
    assert accounts.signed_in(token, SECRET) is None  # the old browser session stays ended
    assert accounts.principal_for_token(key, SECRET).user_name == "bob"
    new_token, _, _ = accounts.sign_in("bob", "password1", SECRET)
    assert accounts.signed_in(new_token, SECRET).user_name == "bob"


async def test_a_disabled_users_token_and_key_get_401_from_the_api(db_url):
    admin = make_user("olivia", roles=("admin",))
    bob = user_admin.create(admin, "bob", "password1")
    token, _, _ = accounts.sign_in("bob", "password1", SECRET)
    key = api_keys.new_api_key(bob.id, "ci").key
    transport = httpx.ASGITransport(app=create_api())
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        status = "/api/workflows/executions/no-such-execution/status"
        for credential in (token, key):  # signed in: the unknown execution is a 404, not a 401
            r = await client.get(status, headers={"Authorization": f"Bearer {credential}"})
            assert r.status_code == 404, r.text
        user_admin.disable(admin, bob.id)
        for credential in (token, key):
            r = await client.get(status, headers={"Authorization": f"Bearer {credential}"})
            assert r.status_code == 401
        r = await client.post("/api/auth/login", json={"userName": "bob", "password": "password1"})
        assert r.status_code == 401


def test_password_reset_by_an_admin_ends_the_users_sessions(db_url):
    admin = make_user("olivia", roles=("admin",))
    bob = user_admin.create(admin, "bob", "password1")
    token, _, _ = accounts.sign_in("bob", "password1", SECRET)
    user_admin.reset_password(admin, bob.id, "brand-new-pass")
    assert accounts.signed_in(token, SECRET) is None
    with pytest.raises(AuthenticationError):
        accounts.sign_in("bob", "password1", SECRET)
    assert accounts.sign_in("bob", "brand-new-pass", SECRET)[2].user_name == "bob"


def test_an_active_admin_always_remains(db_url):
    admin = make_user("olivia", roles=("admin",))
    with pytest.raises(ConflictError) as own:
        user_admin.disable(admin, admin)
    assert own.value.message == "You cannot disable your own account"
    with pytest.raises(ConflictError) as last:
        user_admin.update(admin, admin, display_name="", email="", roles="manager")
    assert last.value.message == user_admin.LAST_ADMIN
    with pytest.raises(ConflictError):
        user_admin.cli_set_disabled("olivia", True)
    second = make_user("oscar", roles=("admin",))
    user_admin.disable(admin, second)  # a disabled admin does not count as the one that remains
    with pytest.raises(ConflictError):
        user_admin.cli_set_roles("olivia", ["manager"])
    user_admin.disable(admin, second, disabled=False)
    assert user_admin.cli_set_roles("olivia", ["manager"]).roles == ("manager",)
    with db.read_session() as s:
        assert s.get(User, admin).roles == ["manager"]


def test_profile_changes_own_details_and_password(db_url):
    make_user("olivia", roles=("admin",))
    jane = make_user("jane", roles=("manager",))
    here, _, _ = accounts.sign_in("jane", "password1", SECRET)
    elsewhere, _, _ = accounts.sign_in("jane", "password1", SECRET)
    me = user_admin.update_profile(jane, display_name="Jane Doe", email="jane@example.com")
    assert (me.display_name, me.email, me.roles) == ("Jane Doe", "jane@example.com", ("manager",))
    with pytest.raises(BadRequestError):
        user_admin.update_profile(jane, display_name="Jane", email="jane at example")
    with pytest.raises(BadRequestError) as wrong:
        user_admin.change_password(jane, "not-my-password", "another-pass", keep_token=here)
    assert wrong.value.message == "The current password is wrong"
    with pytest.raises(BadRequestError):
        user_admin.change_password(jane, "password1", "short", keep_token=here)
    assert accounts.signed_in(elsewhere, SECRET) is not None  # failed attempts change nothing
    assert user_admin.change_password(jane, "password1", "another-pass", keep_token=here) == 1
    assert accounts.signed_in(here, SECRET).user_name == "jane"
    assert accounts.signed_in(elsewhere, SECRET) is None
    assert accounts.sign_in("jane", "another-pass", SECRET)[2].display_name == "Jane Doe"


def test_two_concurrent_first_run_setups_make_exactly_one_owner(db_url):
    barrier = threading.Barrier(2)
    results: dict[str, object] = {}

    def setup(name: str) -> None:
        barrier.wait()
        try:
            results[name] = accounts.set_up_owner(name, "password1", SECRET)
        except Exception as exc:  # noqa: BLE001 - recorded and asserted below
            results[name] = exc

    threads = [threading.Thread(target=setup, args=(name,)) for name in ("first", "second")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    tokens = [v for v in results.values() if isinstance(v, str)]
    assert len(results) == 2 and len(tokens) == 1, results
    assert [v for v in results.values() if not isinstance(v, str)] == [None]
    with db.read_session() as s:
        users = list(s.exec(select(User)).scalars())
    assert len(users) == 1 and users[0].roles == ["admin"]
    assert accounts.signed_in(tokens[0], SECRET).id == users[0].id
