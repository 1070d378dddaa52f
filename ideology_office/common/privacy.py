"""Personal data shown to those who need it: phone numbers are masked (138****1234) for everyone
but the office-wide overseers (leaders, inspectors, administrators), who roster, call and check.
The one exception is the duty phone of the shift on duty now, which everyone needs in order to
report an incident at once."""

from __future__ import annotations

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
    return roles.sees_office_wide(user)


def phone_for(value: str | None, user) -> str:
    """The phone number as ``user`` may see it."""
    return (value or "") if sees_personal_data(user) else mask_phone(value)
