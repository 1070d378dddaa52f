"""Values read from the query string: ``?year=``, ``?on=``, ``?key_date=``. The address bar is
anyone's to type in, so a value that is not a number, not a date, or out of range is ignored and
the page shows its default, never a server error. Lists filtered through django-filter use
:class:`YearFilter`, whose form says what is wrong (in Chinese) and leaves the list unfiltered.

Every view that reads a year, a day or a record id from the query string goes through here; the
period forms bound by the query string (ledgers) use :class:`DateInRangeField`."""

from __future__ import annotations

import datetime
import re

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# The years the product's records can belong to: wide enough for any ledger, narrow enough that
# date arithmetic (the first day of a year, a year's last day plus one) cannot overflow.
FIRST_YEAR = 2000
LAST_YEAR = 2100
# Primary keys are positive 64-bit integers on every database the product runs on.
MAX_PK = 2**63 - 1
WHOLE_NUMBER = re.compile(r"-?[0-9]{1,19}")


def int_param(request, name: str, default: int | None = None, *, minimum: int, maximum: int) -> int | None:
    """``?name=`` as a whole number from ``minimum`` to ``maximum``; ``default`` otherwise."""
    text = request.GET.get(name, "").strip()
    if not WHOLE_NUMBER.fullmatch(text):
        return default
    number = int(text)
    return number if minimum <= number <= maximum else default


def year_param(
    request, name: str = "year", default: int | None = None, *, first: int = FIRST_YEAR, last: int = LAST_YEAR
) -> int | None:
    """``?year=`` as a year from ``first`` to ``last``; ``default`` when absent or malformed."""
    return int_param(request, name, default, minimum=first, maximum=last)


def date_param(request, name: str, default: datetime.date | None = None) -> datetime.date | None:
    """``?name=2024-03-05`` as a day from FIRST_YEAR to LAST_YEAR; ``default`` otherwise."""
    text = request.GET.get(name, "").strip()
    if not text or len(text) > 10:
        return default
    try:
        day = datetime.date.fromisoformat(text)
    except ValueError:
        return default
    return day if FIRST_YEAR <= day.year <= LAST_YEAR else default


def pk_param(request, name: str) -> int | None:
    """``?name=`` as a record id (a positive whole number), or None."""
    return int_param(request, name, None, minimum=1, maximum=MAX_PK)


class YearFilter(django_filters.NumberFilter):
    """A year in a list's filter form: a whole number from FIRST_YEAR to LAST_YEAR. Anything else
    is a form error shown beside the field (Django's Chinese messages); the list is then not
    filtered by year."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", FIRST_YEAR)
        kwargs.setdefault("max_value", LAST_YEAR)
        super().__init__(*args, **kwargs)

    def get_max_validator(self):
        return None


class DateInRangeField(forms.DateField):
    """A day of the years the product's records can belong to. Any wider and a period's edges
    (the day before its start, the moment after its end) overflow Python's dates."""

    def validate(self, value):
        super().validate(value)
        if value and not FIRST_YEAR <= value.year <= LAST_YEAR:
            raise ValidationError(
                _("Give a date between the years %(first)s and %(last)s."),
                code="out_of_range",
                params={"first": FIRST_YEAR, "last": LAST_YEAR},
            )
