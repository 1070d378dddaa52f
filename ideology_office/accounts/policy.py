"""The sign-in policy in force: the 安全管理员's record (``SignInPolicy``, edited in the admin) or,
until one is saved, the environment's settings, which are the defaults.

Read on every request (idle timeout, second factor, password age) and by the password validators
and django-axes, so it is cached: the saved record is kept in the cache (shared in production,
where REDIS_URL is set) and dropped when it is saved (``services.save_sign_in_policy``); no request
queries the database for it, and a request reads the cache once (``for_this_request``, opened by
the sign-in policy middleware). Without a shared cache each process keeps its copy for at most
``CACHE_SECONDS``, so a change reaches every process within that time.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import asdict, dataclass
from datetime import timedelta

from django.apps import apps
from django.conf import settings
from django.core.cache import cache

CACHE_KEY = "accounts:sign-in-policy:v1"
CACHE_SECONDS = 60
_NO_RECORD = "none"


@dataclass(frozen=True)
class Policy:
    password_min_length: int
    password_min_classes: int
    password_history_count: int
    password_max_age_days: int
    idle_timeout_minutes: int
    idle_warning_seconds: int
    lockout_failure_limit: int
    lockout_minutes: int
    second_factor_roles: tuple[str, ...]


FIELDS = tuple(Policy.__dataclass_fields__)


def defaults() -> Policy:
    """The environment's settings (see the README's configuration table)."""
    return Policy(
        password_min_length=settings.PASSWORD_MIN_LENGTH,
        password_min_classes=settings.PASSWORD_MIN_CLASSES,
        password_history_count=settings.PASSWORD_HISTORY_COUNT,
        password_max_age_days=settings.PASSWORD_MAX_AGE_DAYS,
        idle_timeout_minutes=settings.SESSION_IDLE_TIMEOUT_MINUTES,
        idle_warning_seconds=settings.SESSION_IDLE_WARNING_SECONDS,
        lockout_failure_limit=settings.LOCKOUT_FAILURE_LIMIT,
        lockout_minutes=settings.LOCKOUT_COOLOFF_MINUTES,
        second_factor_roles=tuple(settings.OTP_REQUIRED_ROLES),
    )


def from_record(record) -> Policy:
    values = {name: getattr(record, name) for name in FIELDS}
    values["second_factor_roles"] = tuple(values["second_factor_roles"] or ())
    return Policy(**values)


# The policy read once for the request being served (``for_this_request``): a page asked the cache
# for it six times (idle timeout, second factor, password age, the idle warning's two values).
_this_request: ContextVar[dict | None] = ContextVar("sign_in_policy", default=None)


@contextlib.contextmanager
def for_this_request() -> Iterator[None]:
    """Within the block (a request), ``current()`` reads the cache once; ``invalidate()`` drops
    that copy too, so a change made in the request applies at once."""
    token = _this_request.set({})
    try:
        yield
    finally:
        _this_request.reset(token)


def current() -> Policy:
    """The policy in force (no query while the cache holds it)."""
    remembered = _this_request.get()
    if remembered is not None and "policy" in remembered:
        return remembered["policy"]
    found = _read()
    if remembered is not None:
        remembered["policy"] = found
    return found


def _read() -> Policy:
    cached = cache.get(CACHE_KEY)
    if cached is None:
        # By name: the models read this module (a password's age), not the other way round.
        model = apps.get_model("accounts", "SignInPolicy")
        record = model.objects.filter(pk=model.SINGLETON_PK).first()
        cached = asdict(from_record(record)) if record is not None else _NO_RECORD
        cache.set(CACHE_KEY, cached, CACHE_SECONDS)
    if cached == _NO_RECORD:
        # Read live, so that the settings (and tests' override_settings) apply at once.
        return defaults()
    return Policy(**{**cached, "second_factor_roles": tuple(cached["second_factor_roles"])})


def invalidate() -> None:
    cache.delete(CACHE_KEY)
    remembered = _this_request.get()
    if remembered is not None:
        remembered.clear()


# django-axes reads these (settings AXES_FAILURE_LIMIT and AXES_COOLOFF_TIME name them).
def failure_limit(request=None, credentials=None) -> int:
    return current().lockout_failure_limit


def cool_off(request=None) -> timedelta:
    return timedelta(minutes=current().lockout_minutes)
