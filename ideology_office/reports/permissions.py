"""Who may read the annual report and its figures: the office's leaders, who sign it, the
inspectors, who check it against the ledgers, and the admins, who keep its template."""

from ideology_office.accounts import roles
from ideology_office.common.policies import RecordPolicy, get_or_404, register_policy


def can_read_reports(user) -> bool:
    return roles.sees_office_wide(user)


def can_manage_report_templates(user) -> bool:
    return roles.is_admin(user)


class LedgerExportPolicy(RecordPolicy):
    """A download written in the background is its requester's alone, and only while they may
    still read the ledgers; anyone else (an administrator included) gets 404."""

    def visible(self, user, queryset):
        if not can_read_reports(user):
            return queryset.none()
        return queryset.filter(requested_by=user)


def access_ledger_export(user, pk):
    from .models import LedgerExport

    return get_or_404(user, LedgerExport, pk)


def register_policies() -> None:
    from .models import LedgerExport

    register_policy(LedgerExport, LedgerExportPolicy)
