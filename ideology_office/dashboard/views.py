"""The home page: the leaders' dashboard for a year (figures and what needs attention, each
linking to its records) and, for everyone with a role, their own work."""

from types import SimpleNamespace

from django.core.exceptions import PermissionDenied
from django.http import HttpResponseBadRequest
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from ideology_office.accounts import roles
from ideology_office.common.contracts import work_areas
from ideology_office.common.fragments import Deferred, fragment_context
from ideology_office.common.query_params import year_param
from ideology_office.reports.drilldown import page_of_rows
from ideology_office.reports.permissions import can_read_reports

from . import selectors
from .forms import DashboardFilterForm


def _scope(request, user) -> tuple[DashboardFilterForm, selectors.Scope, bool]:
    today = timezone.localdate()
    in_charge = selectors.sections_in_charge(user, today.year) if can_read_reports(user) else []
    form = DashboardFilterForm(
        request.GET or {"year": today.year},
        sections=selectors.section_choices(),
        can_filter_mine=bool(in_charge),
    )
    if not form.is_valid():
        return form, selectors.Scope(year=today.year, today=today), bool(in_charge)
    year = form.cleaned_data["year"]
    if form.cleaned_data.get("mine"):
        sections = in_charge if year == today.year else selectors.sections_in_charge(user, year)
    elif form.cleaned_data["section"] is not None:
        sections = [form.cleaned_data["section"]]
    else:
        sections = None
    return form, selectors.Scope(year=year, sections=sections, today=today), bool(in_charge)


@require_GET
def home(request):
    """The figures, lists and chart are computed lazily: only when their fragment is not in the
    cache (``{% cache %}`` keyed on the data version, see common/fragments.py)."""
    user, today = request.user, timezone.localdate()
    context = {"work_areas": work_areas(), "today": today, **fragment_context()}
    if roles.has_any_role(user):
        my_work = Deferred(lambda: selectors.my_work(user, today))
        context["my_work"] = my_work
        context["my_work_panels"] = Deferred(lambda: selectors.my_work_templates(my_work()))
    if can_read_reports(user):
        form, scope, has_areas = _scope(request, user)
        office = Deferred(lambda: selectors.leader_dashboard(scope))
        context.update(
            form=form,
            scope=scope,
            has_areas=has_areas,
            office=office,
            office_panels=Deferred(lambda: selectors.panel_templates(office())),
        )
        if request.htmx:
            return render(request, "dashboard/home.html#office-panels", context)
    context["headcounts"] = Deferred(_headcount_chart)
    return render(request, "dashboard/home.html", context)


def _headcount_chart() -> dict:
    rows = selectors.section_headcounts()
    chart = {"categories": [row["name"] for row in rows], "values": [row["headcount"] for row in rows]}
    return {"chart": chart, "total": sum(chart["values"])}


def _drill_scope(request) -> selectors.Scope | None:
    """The year and sections of a dashboard link (see ``Scope.params``)."""
    year = year_param(request, "year", timezone.localdate().year)
    text = request.GET.get("sections")
    if text is None or text == "":
        return selectors.Scope(year=year)
    try:
        sections = sorted({int(part) for part in text.split(",")})
    except ValueError:
        return None
    return selectors.Scope(year=year, sections=sections)


@require_GET
def records(request):
    """The records one number of the dashboard counts, for the same year and sections."""
    if not can_read_reports(request.user):
        raise PermissionDenied
    scope = _drill_scope(request)
    if scope is None:
        return HttpResponseBadRequest(_("No such figure."))
    found = selectors.drill_records(request.GET.get("figure", ""), scope, request.GET)
    if found is None:
        return HttpResponseBadRequest(_("No such figure."))
    counts = found.counts
    value = found.queryset.count() if counts else found.value
    total, page_obj = page_of_rows(
        request.user, found.queryset, date_field=found.date_field, page=request.GET.get("page", 1)
    )
    label = found.label
    context = {
        "figure": SimpleNamespace(label=label, value=value, unit="", counts=counts),
        "total": total,
        "hidden": value - total if counts and value > total else 0,
        "page_obj": page_obj,
        "period": str(scope.year),
        "crumbs": [(_("Home"), reverse("dashboard:home")), (str(label), None)],
    }
    return render(request, "reports/figure_records.html", context)
