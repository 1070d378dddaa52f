"""Who each URL of the product is for: one table, beside the record policies, that the access
matrix test (``tests/test_access_matrix.py``) walks over every role. A URL pattern without a line
here fails that test, so a new page cannot be added without saying who it is for.

Audiences:

* ``PUBLIC``: no sign-in needed (the login page; the duty feed, whose token is its key).
* ``SIGNED_IN``: anyone signed in, with or without a role (the dashboard, the inbox, one's password).
* ``ROLE``: anyone with a role; the one gate (``WorkAreaGateMiddleware``) refuses the rest with 403.
* ``OVERSEER``: office leaders, inspectors and administrators (the report and the ledgers).
* ``RECORD``: the URL names one record (its first id): the record kind's policy decides. Whoever may
  not see the record gets 404; whoever may see it but may not do ``action`` gets 403 with the
  reason. ``action`` is a policy action ("view", "change", "void") or ``None`` when the page's own
  finer rule (a reviewer's step grant, a close-out's separation of duties) decides beyond seeing.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum


class Audience(StrEnum):
    PUBLIC = "public"
    SIGNED_IN = "signed_in"
    ROLE = "role"
    OVERSEER = "overseer"
    RECORD = "record"


GET = ("GET",)
POST = ("POST",)
BOTH = ("GET", "POST")


@dataclass(frozen=True)
class UrlAccess:
    audience: Audience
    methods: tuple[str, ...] = GET
    #: "app_label.Model" of the record the URL's first id names (RECORD only).
    model: str = ""
    #: The policy action the URL performs on that record; None: a finer rule of the page decides.
    action: str | None = "view"


def public(methods=GET) -> UrlAccess:
    return UrlAccess(Audience.PUBLIC, methods)


def signed_in(methods=GET) -> UrlAccess:
    return UrlAccess(Audience.SIGNED_IN, methods)


def role(methods=GET) -> UrlAccess:
    return UrlAccess(Audience.ROLE, methods)


def overseer(methods=GET) -> UrlAccess:
    return UrlAccess(Audience.OVERSEER, methods)


def record(model: str, action: str | None = "view", methods=GET) -> UrlAccess:
    return UrlAccess(Audience.RECORD, methods, model, action)


SHARED_URL_ACCESS: dict[str, UrlAccess] = {
    "dashboard:home": signed_in(),
    "dashboard:records": overseer(),
    "accounts:login": public(BOTH),
    "accounts:logout": signed_in(POST),
    "accounts:password_change": signed_in(BOTH),
    "accounts:password_change_done": signed_in(),
    "accounts:otp_setup": signed_in(BOTH),
    "accounts:otp_verify": signed_in(BOTH),
    "accounts:keepalive": signed_in(POST),
    "favicon": public(),
    "common:attachment_download": record("common.Attachment"),
    "common:attachment_void": record("common.Attachment", "change", POST),
    # The two generic record URLs (content type and id) are walked with a study session.
    "common:attachment_upload": record("study.StudySession", "change", POST),
    "common:record_void": record("study.StudySession", "void", BOTH),
    # The person selects' search: the people every form offers to anyone with a role.
    "common:people_choices": role(),
    "notifications:inbox": signed_in(),
    "notifications:open": record("notifications.InboxMessage", "view", POST),
    "notifications:read": record("notifications.InboxMessage", "change", POST),
    "notifications:read_all": signed_in(POST),
    "notifications:preferences": signed_in(BOTH),
    "reports:annual_figures": overseer(),
    "reports:figure_records": overseer(),
    "reports:annual_report_download": overseer(),
    "reports:default_template": overseer(),
    "reports:ledger_list": overseer(),
    "reports:ledger_export_create": overseer(POST),
    "reports:ledger_export": record("reports.LedgerExport"),
    "reports:ledger_export_download": record("reports.LedgerExport"),
    "reports:ledger_download": overseer(),
}


class _ProductUrlAccess(Mapping[str, UrlAccess]):
    """The shared floor's URLs and every work area's (its contract's ``url_access``), read when first
    asked: a new work area declares its URLs in its own app, not here."""

    def _table(self) -> dict[str, UrlAccess]:
        from .contracts import contracts

        table = dict(SHARED_URL_ACCESS)
        for contract in contracts():
            table.update(contract.url_access)
        return table

    def __getitem__(self, name: str) -> UrlAccess:
        return self._table()[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._table())

    def __len__(self) -> int:
        return len(self._table())


URL_ACCESS: Mapping[str, UrlAccess] = _ProductUrlAccess()
