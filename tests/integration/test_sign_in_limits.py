"""Failed sign-ins are limited per user name and per client address, on the API route and the UI
sign-in alike (one count), with memory storage or Redis shared by several web workers; the
password hash of the UI sign-in runs off the event loop."""

from __future__ import annotations

import threading
import uuid

import httpx
import pytest
import reflex as rx
from reflex.istate.data import RouterData, SessionData

import wayvo_app.wayvo_app  # noqa: F401  (registers every page state)
from tests.helpers import make_user
from wayvo_app.api.app import create_api
from wayvo_app.core.errors import AuthenticationError, TooManyRequestsError
from wayvo_app.pages.login import LoginState
from wayvo_app.services import accounts, failure_limits
from wayvo_app.settings import get_settings, reset_settings

REDIS_URL = "redis://127.0.0.1:6379/0"


@pytest.fixture
def small_limits(db_url, monkeypatch):
    """3 failures per user name, 5 per address (per 5 minutes); users owner and other."""
    monkeypatch.setenv("WAYVO_SIGN_IN_LIMIT_PER_USER", "3/5 minutes")
    monkeypatch.setenv("WAYVO_SIGN_IN_LIMIT_PER_ADDRESS", "5/5 minutes")
    reset_settings()
    failure_limits.reset_limits()
    make_user("owner")
    make_user("other")
    yield
    reset_settings()
    failure_limits.reset_limits()


def _client(api, address: str) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=api, client=(address, 1234)), base_url="http://test")


async def _login(client: httpx.AsyncClient, name: str, password: str) -> httpx.Response:
    return await client.post("/api/auth/login", json={"userName": name, "password": password})


async def test_api_limits_a_user_name_across_addresses(small_limits):
    api = create_api()
    a, b, c = _client(api, "10.0.0.1"), _client(api, "10.0.0.2"), _client(api, "10.0.0.3")
    async with a, b, c:
        codes = [(await _login(x, "Owner", "bad-pass")).status_code for x in (a, b, a)]
        assert codes == [401, 401, 401]
        blocked = await _login(c, "owner", "password1")  # a fresh address, the right password
        assert blocked.status_code == 429
        assert blocked.json()["code"] == "too_many_requests" and set(blocked.json()) == {"error", "code"}
        assert int(blocked.headers["Retry-After"]) > 0
        assert (await _login(a, "other", "password1")).status_code == 200  # other names still sign in


async def test_api_limits_an_address_across_user_names(small_limits):
    api = create_api()
    a, b = _client(api, "10.0.0.1"), _client(api, "10.0.0.2")
    async with a, b:
        codes = [(await _login(a, f"guess-{i}", "bad-pass")).status_code for i in range(5)]
        assert codes == [401] * 5
        blocked = await _login(a, "owner", "password1")
        assert blocked.status_code == 429 and int(blocked.headers["Retry-After"]) > 0
        assert (await _login(b, "owner", "password1")).status_code == 200


async def test_a_success_clears_the_names_count_but_not_the_addresss(small_limits):
    api = create_api()
    async with _client(api, "10.0.0.1") as a:
        for _ in range(2):
            assert (await _login(a, "owner", "bad-pass")).status_code == 401
        assert (await _login(a, "owner", "password1")).status_code == 200
        # Without the clear, the name (2 + 1 failures) would be refused at the second attempt.
        assert [(await _login(a, "owner", "bad-pass")).status_code for _ in range(3)] == [401, 401, 401]
        assert (await _login(a, "other", "password1")).status_code == 429  # the address: 2 + 3 failures


async def _ui_sign_in(address: str, name: str, password: str) -> LoginState:
    root = rx.State(_reflex_internal_init=True)
    login = await root.get_state(LoginState)
    root.router = RouterData(session=SessionData(client_ip=address))
    await LoginState.submit.fn(login, {"user_name": name, "password": password})
    return login


async def test_ui_sign_in_has_the_same_limits_and_shares_the_count_with_the_api(small_limits):
    assert (await _ui_sign_in("10.0.0.1", "owner", "bad-pass")).error == "Invalid user name or password"
    assert (await _ui_sign_in("10.0.0.2", "owner", "bad-pass")).error == "Invalid user name or password"
    async with _client(create_api(), "10.0.0.3") as c:
        assert (await _login(c, "owner", "bad-pass")).status_code == 401
    refused = await _ui_sign_in("10.0.0.4", "owner", "password1")
    assert refused.error.startswith("Too many failed attempts; try again in") and not refused.session_token
    for i in range(5):
        await _ui_sign_in("10.0.0.9", f"guess-{i}", "bad-pass")
    assert (await _ui_sign_in("10.0.0.9", "other", "password1")).error.startswith("Too many failed attempts")
    fine = await _ui_sign_in("10.0.0.8", "other", "password1")
    assert fine.error == "" and fine.session_token and fine.user_name == "other"


async def test_ui_sign_in_hashes_the_password_off_the_event_loop(small_limits, monkeypatch):
    threads, hasher = [], accounts._hasher

    class Recording:
        def __getattr__(self, name):
            return getattr(hasher, name)

        def verify(self, *args):
            threads.append(threading.current_thread())
            return hasher.verify(*args)

    monkeypatch.setattr(accounts, "_hasher", Recording())
    assert (await _ui_sign_in("10.0.0.1", "owner", "password1")).session_token
    assert threads and threading.main_thread() not in threads


def test_redis_storage_is_shared_by_two_workers(db_url, monkeypatch):
    """Two limiter sets built from the same settings (as two web workers would) count together."""
    prefix = f"wayvo-test-{uuid.uuid4().hex}"
    monkeypatch.setenv("REDIS_URL", REDIS_URL)
    monkeypatch.setenv("WAYVO_RATE_LIMIT_PREFIX", prefix)
    monkeypatch.setenv("WAYVO_SIGN_IN_LIMIT_PER_USER", "2/5 minutes")
    reset_settings()
    worker1, worker2 = failure_limits.limits_from(get_settings()), failure_limits.limits_from(get_settings())
    try:
        assert type(worker1.per_user.limiter.storage).__name__ == "RedisStorage"
        worker1.per_user.fail("owner")
        assert worker2.per_user.retry_after("owner") is None
        worker2.per_user.fail("owner")
        for limits in (worker1, worker2):
            assert limits.per_user.retry_after("owner") > 0
            assert limits.per_user.retry_after("someone-else") is None
        with pytest.raises(TooManyRequestsError):
            failure_limits.refuse_if_limited((worker1.per_user, "owner"), (worker1.per_address, "10.0.0.1"))
    finally:
        worker1.per_user.limiter.storage.reset()
        reset_settings()


def test_sign_in_through_current_redis_limits(db_url, monkeypatch):
    """With REDIS_URL set, the service counts in Redis: a fresh process (limits forgotten) still refuses."""
    monkeypatch.setenv("REDIS_URL", REDIS_URL)
    monkeypatch.setenv("WAYVO_RATE_LIMIT_PREFIX", f"wayvo-test-{uuid.uuid4().hex}")
    monkeypatch.setenv("WAYVO_SIGN_IN_LIMIT_PER_USER", "1/5 minutes")
    reset_settings()
    failure_limits.reset_limits()
    make_user("owner")
    secret = get_settings().secret_key
    try:
        with pytest.raises(AuthenticationError):
            failure_limits.sign_in_limited("owner", "bad-pass", secret, address="10.0.0.1")
        failure_limits.reset_limits()  # another worker: its own connection, the same counts
        with pytest.raises(TooManyRequestsError):
            failure_limits.sign_in_limited("owner", "password1", secret, address="10.0.0.2")
    finally:
        failure_limits.current_limits().per_user.limiter.storage.reset()
        failure_limits.reset_limits()
        reset_settings()


def test_a_bad_limit_setting_names_itself(db_url, monkeypatch):
    monkeypatch.setenv("WAYVO_SIGN_IN_LIMIT_PER_ADDRESS", "lots")
    reset_settings()
    failure_limits.reset_limits()
    with pytest.raises(Exception, match="WAYVO_SIGN_IN_LIMIT_PER_ADDRESS"):
        failure_limits.current_limits()
    reset_settings()
    failure_limits.reset_limits()
