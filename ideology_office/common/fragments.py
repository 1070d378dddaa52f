"""Page fragments that are costly to compute, cached until the next audited write.

A fragment (the leaders' panels, a person's own work) is cached with the template tag
``{% cache fragment_seconds name … data_version %}``: ``data_version`` is the newest audit entry's
id, and every write through a service, a form, the admin, an import or a bulk update adds an
entry in its own transaction, so the first request after any write computes the fragment again
and the figures always equal the records their links open. ``FRAGMENT_CACHE_SECONDS`` bounds
what no write announces: time passing (a deadline becoming overdue within the day, the next duty
shift) and two writes committing out of the order of their entries' ids. 0 turns the cache off.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db.models import Max


def data_version() -> int:
    """The newest audit entry's id (0 before the first): one look at the primary key's index."""
    from .models import AuditEntry

    return AuditEntry.objects.aggregate(newest=Max("pk"))["newest"] or 0


def fragment_context() -> dict:
    """What a template needs to key its cached fragments: the data version and the lifetime."""
    return {"data_version": data_version(), "fragment_seconds": settings.FRAGMENT_CACHE_SECONDS}


class Deferred:
    """A value computed on first use, then kept. A template calls it when it resolves the variable
    (Django calls callables), so inside a cached fragment that is not rendered it is never computed,
    and inside one that is, the template works on the plain value: no proxy on every lookup as with
    SimpleLazyObject, which cost some 8 ms on the dashboard's thousands of lookups. Code (and tests)
    read it with ``[key]`` or attributes."""

    # Asked by the template engine before it calls a callable: answered here, not by computing the
    # value through ``__getattr__``.
    do_not_call_in_templates = False
    alters_data = False

    def __init__(self, compute: Callable[[], Any]):
        self._compute: Callable[[], Any] | None = compute
        self._value: Any = None

    def __call__(self) -> Any:
        if self._compute is not None:
            self._value, self._compute = self._compute(), None
        return self._value

    def __getitem__(self, key):
        return self()[key]

    def __getattr__(self, name: str):
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self(), name)
