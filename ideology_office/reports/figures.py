"""The figures of the annual work report (汇报), computed from the records of a period.

Every number the report states comes from here, read from the ledgers at the moment of asking:
nothing is stored or typed in. The same figures feed the one-page "figures" view, whose rows link
to the records behind each number. A bounded number of queries (about 35) whatever the data size.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.conf import settings
from django.db.models import QuerySet
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from ideology_office.accounts.models import OrgUnit
from ideology_office.common.contracts import contracts

# The topics the report singles out among the thematic discussions ("围绕意识形态、网络安全等主题").
DEFAULT_FOCUS_TAGS = ("意识形态", "网络安全")

# Units printed after a figure (a context of their own: "days" is also a column elsewhere).
UNIT_PEOPLE = pgettext_lazy("unit", "people")
UNIT_TIMES = pgettext_lazy("unit", "times")
UNIT_ITEMS = pgettext_lazy("unit", "items")
UNIT_DAYS = pgettext_lazy("unit", "days")
UNIT_POINTS = pgettext_lazy("unit", "points")
UNIT_ISSUES = pgettext_lazy("unit", "issues")
UNIT_SHIFTS = pgettext_lazy("unit", "shifts")
UNIT_QUARTERS = pgettext_lazy("unit", "quarters")


@dataclass(frozen=True)
class Figure:
    key: str
    label: str | Promise
    value: int | float | str | None
    unit: str | Promise = ""
    url: str = ""
    section: str = ""
    #: True when the value is the number of the figure's records: its list shows that many.
    counts: bool = False


@dataclass(frozen=True)
class FigureRecords:
    """The records behind one figure: the very queryset the figure counts (or is computed from)."""

    queryset: QuerySet
    #: The field shown as the record's date in the list ("" for none).
    date_field: str = ""
    #: A relation through which the reader's access is decided, for records without a policy of
    #: their own (a sign-off is seen with its content item): "item".
    via: str = ""


@dataclass
class ReportFigures:
    since: int
    until: int
    start: datetime.date
    end: datetime.date
    office_name: str
    focus_tags: tuple[str, ...]
    figures: dict[str, Figure] = field(default_factory=dict)
    records: dict[str, FigureRecords] = field(default_factory=dict)

    def add(self, section: str, key: str, label, value, unit="", records=None, **options) -> None:
        """A figure computed from ``records`` (a queryset), which its link lists."""
        url = ""
        if records is not None:
            self.records[key] = FigureRecords(records, options.get("date_field", ""), options.get("via", ""))
            url = self.records_url(key)
        self.figures[key] = Figure(
            key=key,
            label=label,
            value=value,
            unit=unit,
            url=url,
            section=section,
            counts=options.get("counts", False),
        )

    def count(self, section: str, key: str, label, records: QuerySet, unit="", **options) -> None:
        """A figure that is the number of ``records``: counted from the same queryset its link lists."""
        self.add(section, key, label, records.count(), unit, records, counts=True, **options)

    def period_query(self) -> str:
        return urlencode({"since": self.since, "until": self.until, "focus_tags": "、".join(self.focus_tags)})

    def records_url(self, key: str) -> str:
        return (
            reverse("reports:figure_records") + "?" + urlencode({"figure": key}) + "&" + self.period_query()
        )

    def value(self, key: str):
        return self.figures[key].value

    def values(self) -> dict:
        """{key: value} for the Word template."""
        return {key: figure.value for key, figure in self.figures.items()}

    def by_section(self) -> list[tuple[str, list[Figure]]]:
        sections: dict[str, list[Figure]] = {}
        for figure in self.figures.values():
            sections.setdefault(figure.section, []).append(figure)
        return list(sections.items())


SECTION_RESPONSIBILITY = _("Organisational leadership and responsibility")
SECTION_STUDY = _("Theoretical study")
SECTION_POSITIONS = _("Positions, opinion and rectification")


def whole(number):
    """6.0 -> 6: a median of whole days prints as a whole number."""
    return int(number) if float(number).is_integer() else number


def office_name() -> str:
    office = OrgUnit.objects.filter(kind=OrgUnit.Kind.OFFICE, is_active=True).order_by("pk").first()
    return office.name if office else settings.ORGANISATION_NAME


def annual_figures(*, since: int, until: int, focus_tags=DEFAULT_FOCUS_TAGS) -> ReportFigures:
    """The report's figures for the calendar years ``since`` to ``until`` (both included)."""
    if until < since:
        raise ValueError("until < since")
    start, end = datetime.date(since, 1, 1), datetime.date(until, 12, 31)
    report = ReportFigures(
        since=since,
        until=until,
        start=start,
        end=end,
        office_name=office_name(),
        focus_tags=tuple(focus_tags),
    )
    # Each work area adds its figures, in the order of INSTALLED_APPS (the report's order).
    for contract in contracts():
        if contract.report_figures is not None:
            contract.report_figures(report)
    return report
