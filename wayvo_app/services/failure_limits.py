"""Failed sign-ins (per user name and per client address) and invalid tokens (per address), counted
with the `limits` library: in this process's memory, or in Redis when REDIS_URL is set, so that
every web worker counts together. Both sign-in paths (API and UI) go through `sign_in_limited`."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from functools import lru_cache

from limits import parse
from limits.storage import MemoryStorage, RedisStorage, Storage
from limits.strategies import MovingWindowRateLimiter

from wayvo_app.core.errors import AuthenticationError, ConfigurationError, TooManyRequestsError
from wayvo_app.services import accounts
from wayvo_app.settings import Settings, get_settings
from wayvo_app.store.users import normalize_user_name

MAX_KEY = 200  # a user name longer than any stored one still counts, under its first 200 characters


class FailureLimiter:
    """At most `rule` (e.g. "10/5 minutes") failures per key in a moving window."""

    def __init__(self, name: str, rule: str, storage: Storage, setting: str = ""):
        try:
            self.name, self.item = name, parse(rule)
        except ValueError:
            raise ConfigurationError(f"{setting or name}: {rule!r} is not a rate such as '10/5 minutes'")
        self.limiter = MovingWindowRateLimiter(storage)

    def retry_after(self, key: str) -> int | None:
        """Seconds until the key may try again; None while it is under its limit."""
        if self.limiter.test(self.item, self.name, key[:MAX_KEY]):
            return None
        reset, _ = self.limiter.get_window_stats(self.item, self.name, key[:MAX_KEY])
        return max(1, math.ceil(reset - time.time()))

    def fail(self, key: str) -> None:
        self.limiter.hit(self.item, self.name, key[:MAX_KEY])

    def clear(self, key: str) -> None:
        self.limiter.clear(self.item, self.name, key[:MAX_KEY])


def refuse_if_limited(*checks: tuple[FailureLimiter, str]) -> None:
    """TooManyRequestsError (Retry-After: the longest wait) when any (limiter, key) is at its limit."""
    waits = [wait for limiter, key in checks if (wait := limiter.retry_after(key)) is not None]
    if waits:
        raise TooManyRequestsError(max(waits))


@dataclass(frozen=True)
class Limits:
    per_user: FailureLimiter
    per_address: FailureLimiter
    tokens: FailureLimiter


def storage_for(redis_url: str | None, prefix: str) -> Storage:
    """Redis (shared by every web worker) when configured, else this process's memory."""
    return RedisStorage(redis_url, key_prefix=prefix) if redis_url else MemoryStorage()


def limits_from(settings: Settings) -> Limits:
    storage = storage_for(settings.redis_url, settings.rate_limit_prefix)
    return Limits(
        per_user=FailureLimiter("sign-in-user", settings.sign_in_limit_per_user, storage,
                                "WAYVO_SIGN_IN_LIMIT_PER_USER"),
        per_address=FailureLimiter("sign-in-address", settings.sign_in_limit_per_address, storage,
                                   "WAYVO_SIGN_IN_LIMIT_PER_ADDRESS"),
        tokens=FailureLimiter("token-address", settings.token_limit_per_address, storage,
                              "WAYVO_TOKEN_LIMIT_PER_ADDRESS"))


@lru_cache(maxsize=1)
def _current(settings: Settings) -> Limits:
    return limits_from(settings)


def current_limits() -> Limits:
    return _current(get_settings())


def reset_limits() -> None:
    """Forget every count kept in memory (tests start each case with none)."""
    _current.cache_clear()


def sign_in_limited(user_name: str, password: str, secret_key: str, *, address: str):
    """accounts.sign_in behind the limits: refused (429) before the password is hashed when the
    name or the address is at its limit; a failure counts for both, a success clears the name's."""
    lim, name = current_limits(), normalize_user_name(user_name)
    refuse_if_limited((lim.per_user, name), (lim.per_address, address))
    try:
        result = accounts.sign_in(user_name, password, secret_key)
    except AuthenticationError:
        lim.per_user.fail(name)
        lim.per_address.fail(address)
        raise
    lim.per_user.clear(name)
    return result


def check_token_address(address: str) -> None:
    refuse_if_limited((current_limits().tokens, address))


def token_failed(address: str) -> None:
    current_limits().tokens.fail(address)
