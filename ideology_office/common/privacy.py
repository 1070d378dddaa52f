"""Personal data shown to those who need it (等级保护: personal information protection).

**The one rule.** Phone numbers (a person's ``phone``, a duty shift's duty phone) and any other
number that identifies a person are shown in full only to

* the office-wide overseers (办公室领导, 督查人员, 管理员), who roster, call and check people;
* the person the number belongs to;
* everyone, for the duty phone of the shift on duty *now*: whoever spots an incident must be able
  to call it at once (:func:`duty_phone_now`, the one exception, on the opinion-duty page).

Everyone else reads it masked (138****1234), on every page, htmx fragment, admin list and export.
Pages, templates (``{% load privacy %}``), exports and admin lists all ask the functions below;
none decides for itself. The ledgers (``reports/ledgers.py``) are for overseers only
(``reports.permissions.can_read_reports``), who see numbers in full by this same rule.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from ideology_office.accounts import roles


def mask_phone(value: str | None) -> str:
    """138****1234 for a mobile number; the last four digits otherwise; empty stays empty."""
    text = (value or "").strip()
    digits = [char for char in text if char.isdigit()]
    if not digits:
        return text
    if len(digits) == 11:
        return f"{''.join(digits[:3])}****{''.join(digits[-4:])}"
    if len(digits) <= 4:
        return "*" * len(digits)
    return "*" * (len(digits) - 4) + "".join(digits[-4:])


def sees_personal_data(user) -> bool:
    """Whether ``user`` reads everyone's numbers in full: the office-wide overseers."""
    return roles.sees_office_wide(user)


def _is_owner(user, owner) -> bool:
    owner_pk = getattr(owner, "pk", owner)
    return owner_pk is not None and getattr(user, "is_authenticated", False) and user.pk == owner_pk


def phone_for(value: str | None, user, *, owner=None) -> str:
    """The number as ``user`` may see it: in full for an overseer or for ``owner`` (the person
    the number belongs to, or their id) themselves, masked for anyone else."""
    if sees_personal_data(user) or _is_owner(user, owner):
        return value or ""
    return mask_phone(value)


def phone_of(person, user) -> str:
    """``person.phone`` as ``user`` may see it."""
    if person is None:
        return ""
    return phone_for(getattr(person, "phone", ""), user, owner=person)


def duty_phone_now(value: str | None) -> str:
    """The duty phone of the shift on duty now, in full for every reader (see the module's rule).
    Only the "on duty now" panels call this; any other shift's phone goes through :func:`phone_for`."""
    return value or ""


class PersonalDataAdminMixin:
    """A ModelAdmin whose list shows the fields named in ``masked_phone_fields`` by the rule above
    (the change form is the account keepers' and is left alone). Each field is replaced, for this
    request, by a column that masks it for the reader."""

    masked_phone_fields: Sequence[str] = ("phone",)

    def get_list_display(self, request):
        display = list(super().get_list_display(request))
        if sees_personal_data(request.user):
            return display
        for index, name in enumerate(display):
            if name in self.masked_phone_fields:
                display[index] = _masked_column(self.model, name, request.user)
        return display


def _masked_column(model, name: str, user):
    # A person's own row shows their own number; other models' numbers have no owner here.
    is_person = model is get_user_model()

    def column(obj):
        return phone_for(getattr(obj, name, ""), user, owner=obj if is_person else None)

    field = model._meta.get_field(name)
    column.short_description = field.verbose_name or _("phone")
    column.admin_order_field = name
    column.__name__ = f"{name}_masked"
    return column
