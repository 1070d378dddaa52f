"""Reminder offsets as people write them in the admin: "-7d,-3d,-1d,0d", "-1h", "-12h", "+30m"."""

import datetime
import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

_OFFSET = re.compile(r"^([+-]?)(\d{1,4})([dhm])$")
_UNITS = {"d": "days", "h": "hours", "m": "minutes"}


def parse_offsets(text: str) -> list[tuple[str, datetime.timedelta]]:
    """``[(label, delta), ...]`` in the written order; the label is the normalised token, which
    goes into the dedup key so that editing the spacing of the text plans nothing twice."""
    result: list[tuple[str, datetime.timedelta]] = []
    seen: set[str] = set()
    for raw in (text or "").replace("，", ",").split(","):
        token = raw.strip().lower()
        if not token:
            continue
        match = _OFFSET.match(token)
        if match is None:
            raise ValidationError(
                _("“%(token)s” is not an offset; write for example -7d, -3d, 0d, -12h or -30m.")
                % {"token": raw.strip()}
            )
        sign, number, unit = match.groups()
        amount = int(number)
        label = f"{'-' if sign == '-' and amount else ''}{amount}{unit}"
        if label in seen:
            continue
        seen.add(label)
        delta = datetime.timedelta(**{_UNITS[unit]: amount})
        result.append((label, -delta if sign == "-" else delta))
    return result
