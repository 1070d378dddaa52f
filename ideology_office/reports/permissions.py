"""Who may read the annual report and its figures: the office's leaders, who sign it, the
inspectors, who check it against the ledgers, and the admins, who keep its template."""

from ideology_office.accounts.roles import Role

REPORT_READERS = frozenset({Role.LEADER, Role.INSPECTOR, Role.ADMIN})


def can_read_reports(user) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    return user.is_superuser or bool(REPORT_READERS & user.role_names)


def can_manage_report_templates(user) -> bool:
    return user.is_authenticated and (user.is_superuser or Role.ADMIN in user.role_names)
