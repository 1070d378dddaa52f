"""Who may read the annual report and its figures: the office's leaders, who sign it, the
inspectors, who check it against the ledgers, and the admins, who keep its template."""

from ideology_office.accounts import roles


def can_read_reports(user) -> bool:
    return roles.sees_office_wide(user)


def can_manage_report_templates(user) -> bool:
    return roles.is_admin(user)
