"""SessionGuard re-checks the tab's session before every protected event, and the people pages'
handlers refuse non-administrators (Reflex states driven directly, on a real database)."""

import pytest
import reflex as rx
from reflex_base.event import Event

import wayvo_app.wayvo_app  # noqa: F401  (registers every page state)
from tests.helpers import make_user
from wayvo_app.pages.login import LoginState, SetupState
from wayvo_app.pages.settings_profile import ProfileState
from wayvo_app.pages.settings_users import CREATE, UsersState
from wayvo_app.pages.workflows import WorkflowsState
from wayvo_app.services import accounts, user_admin
from wayvo_app.state import AuthState, SessionGuard, is_protected
from wayvo_app.store import db
from wayvo_app.store.models import User

SECRET = "test-secret-key-for-signing-and-encryption"


def _event(state_cls, handler: str) -> Event:
    return Event(name=f"{state_cls.get_full_name()}.{handler}", payload={})


async def _tab(user_name: str | None):
    """A browser tab's root state, signed in as `user_name` (None: not signed in)."""
    root = rx.State(_reflex_internal_init=True)
    auth = await root.get_state(AuthState)
    if user_name:
        auth.session_token = accounts.sign_in(user_name, "password1", SECRET)[0]
        assert auth._load_user()
    return root, auth


def _all_states(cls=rx.State):
    for sub in cls.get_substates():
        yield sub
        yield from _all_states(sub)


def test_every_state_of_ours_is_guarded_but_sign_in_and_setup():
    ours = [c for c in _all_states() if c.__module__.startswith("wayvo_app.")]
    assert {WorkflowsState, UsersState, ProfileState, LoginState} <= set(ours)
    for state_cls in ours:
        public = issubclass(state_cls, (LoginState, SetupState))
        assert is_protected(state_cls, "any_handler") is not public, state_cls
    assert not is_protected(AuthState, "logout") and not is_protected(AuthState, "require_login")
    assert is_protected(AuthState, "check_session")  # the idle tab's ping
    # Reflex's own states are not guarded; component states Reflex makes from ours (module
    # reflex.istate.dynamic, e.g. a viewer created by another test) are ours and stay guarded.
    internal = [c for c in _all_states() if c.__module__.startswith("reflex")
                and not any(k.__module__.startswith("wayvo_app.") for k in c.__mro__)]
    assert internal and not any(is_protected(c, "hydrate") for c in internal)


async def test_a_live_session_passes_and_picks_up_new_roles(db_url):
    admin = make_user("olivia", roles=("admin",))
    bob = make_user("bob", roles=())
    root, auth = await _tab("bob")
    assert await SessionGuard().preprocess(None, root, _event(WorkflowsState, "load")) is None
    user_admin.update(admin, bob, display_name="Bob B", email="", roles="manager")
    assert await SessionGuard().preprocess(None, root, _event(AuthState, "check_session")) is None
    assert (auth.roles, auth.display_name, auth.user_name) == (["manager"], "Bob B", "bob")


@pytest.mark.parametrize("end", ["sign_out", "disable", "reset_password"])
async def test_an_ended_session_stops_on_the_next_event(db_url, end):
    admin = make_user("olivia", roles=("admin",))
    bob = make_user("bob", roles=())
    root, auth = await _tab("bob")
    other_root, other_auth = await _tab("bob")  # a second tab of the same browser session
    other_auth.session_token = auth.session_token
    {"sign_out": lambda: accounts.sign_out(auth.session_token),
     "disable": lambda: user_admin.disable(admin, bob),
     "reset_password": lambda: user_admin.reset_password(admin, bob, "brand-new-pass")}[end]()
    token = auth.session_token
    for tab_root, tab_auth, event in [(root, auth, _event(WorkflowsState, "load")),
                                      (other_root, other_auth, _event(AuthState, "check_session"))]:
        update = await SessionGuard().preprocess(None, tab_root, event)
        assert update is not None, "a revoked session must not reach the handler"
        assert [(e.name, e.payload["path"].split("?")[0]) for e in update.events] == [("_redirect", "/login")]
        assert tab_auth.user_id == "" and tab_auth.user_name == "" and tab_auth.roles == []
        delta = next(v for k, v in update.delta.items() if k.endswith("auth_state"))
        assert delta["user_id_rx_state_"] == "" and delta["roles_rx_state_"] == []
        # The shared cookie is left alone: another tab may have signed in again since.
        assert tab_auth.session_token == delta.get("session_token_rx_state_", token) == token


async def test_public_events_need_no_session(db_url):
    root, _ = await _tab(None)
    for state_cls, handler in [(LoginState, "submit"), (LoginState, "on_load"), (SetupState, "submit"),
                               (AuthState, "logout"), (AuthState, "require_login")]:
        assert await SessionGuard().preprocess(None, root, _event(state_cls, handler)) is None
    assert await SessionGuard().preprocess(None, root, _event(rx.State, "hydrate")) is None
    assert await SessionGuard().preprocess(None, root, _event(UsersState, "load")) is not None


async def test_users_page_refuses_non_admins_in_every_handler(db_url):
    admin = make_user("olivia", roles=("admin",))
    make_user("maria", roles=("manager",))
    root, _ = await _tab("maria")
    page = await root.get_state(UsersState)
    page.load()
    assert page.refused and page.users == [] and page.loaded
    target = {"id": admin, "userName": "olivia"}
    for handler in [lambda: page.create({"user_name": "mallory", "password": "password1", "confirm": "password1"}),
                    lambda: page.save({"display_name": "x", "email": "", "roles": ""}),
                    lambda: page.reset_password({"password": "password2", "confirm": "password2"}),
                    lambda: page.confirm_disable(), lambda: page.enable(target)]:
        page.refused, page.target = False, target
        handler()
        assert page.refused and page.users == [] and page.dialog == ""
    with db.read_session() as s:
        olivia = s.get(User, admin)
        assert not olivia.disabled and olivia.display_name == "olivia" and accounts.find_user(s, "mallory") is None
        assert accounts.password_matches(olivia, "password1")


async def test_users_page_lets_an_admin_create_edit_and_disable(db_url):
    make_user("olivia", roles=("admin",))
    root, _ = await _tab("olivia")
    page = await root.get_state(UsersState)
    page.load()
    assert not page.refused and [u["userName"] for u in page.users] == ["olivia"] and page.users[0]["isSelf"]
    page.open_dialog(CREATE, {})
    page.create({"user_name": "Jane", "password": "password1", "confirm": "password2"})
    assert page.form_error == "The two passwords differ" and page.dialog == CREATE
    page.create({"user_name": "Jane", "password": "password1", "confirm": "password1", "roles": "manager",
                 "email": "bad", "display_name": ""})
    assert "not an e-mail address" in page.form_error and page.dialog == CREATE  # the dialog stays open
    page.create({"user_name": "Jane", "password": "password1", "confirm": "password1", "roles": "manager",
                 "email": "jane@example.com", "display_name": "Jane Doe"})
    assert page.form_error == "" and page.dialog == ""
    jane = next(u for u in page.users if u["userName"] == "jane")
    assert (jane["displayName"], jane["email"], jane["roles"], jane["disabled"]) == \
        ("Jane Doe", "jane@example.com", ["manager"], False)
    page.query = "MANAG"
    assert [u["userName"] for u in page.shown] == ["jane"]
    page.open_dialog("disable", jane)
    page.confirm_disable()
    assert next(u for u in page.users if u["userName"] == "jane")["disabled"]
    page.enable(jane)
    assert not next(u for u in page.users if u["userName"] == "jane")["disabled"]
    page.open_dialog("disable", page.users[-1] | {"id": page.user_id})
    page.confirm_disable()
    assert page.form_error == "You cannot disable your own account"


async def test_profile_page_saves_details_and_password(db_url):
    make_user("jane", roles=("manager",))
    root, auth = await _tab("jane")
    page = await root.get_state(ProfileState)
    page.load()
    assert page.loaded and page.roles_text == "manager" and page.email == ""
    page.save_profile({"display_name": "Jane Doe", "email": "nope"})
    assert "not an e-mail address" in page.profile_error
    page.save_profile({"display_name": "Jane Doe", "email": "jane@example.com"})
    assert page.profile_error == "" and page.display_name == "Jane Doe" and page.email == "jane@example.com"
    page.change_password({"current": "password1", "new_password": "another-pass", "confirm": "different"})
    assert page.password_error == "The two new passwords differ"
    page.change_password({"current": "wrong-one", "new_password": "another-pass", "confirm": "another-pass"})
    assert page.password_error == "The current password is wrong"
    page.change_password({"current": "password1", "new_password": "another-pass", "confirm": "another-pass"})
    assert page.password_error == ""
    assert accounts.signed_in(auth.session_token, SECRET).display_name == "Jane Doe"  # this tab stays in
