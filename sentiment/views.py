"""Pages of the public-opinion work area: check access, bind a form, call one service."""

from __future__ import annotations

import datetime

from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from ideology_office.accounts import roles
from ideology_office.common import dates
from ideology_office.common.choices import search_choices
from ideology_office.common.listing import render_list
from ideology_office.common.policies import visible_to
from ideology_office.common.privacy import phone_for
from ideology_office.common.spreadsheets import Sheet, xlsx_response
from ideology_office.common.views import render_form_page, run_service, submit_form

from . import permissions as perms
from . import selectors, services
from .filters import IncidentFilter, InformationReportFilter, ReviewFilter, SwapFilter
from .forms import (
    DecisionForm,
    DutyLogForm,
    GenerateRosterForm,
    HandoverForm,
    IncidentForm,
    InformationReportForm,
    ReassignForm,
    ReviewForm,
    RiskForm,
    ShiftForm,
    SwapRequestForm,
)
from .ical import shifts_ics
from .models import DutyFeedToken, DutyRoster, DutyShift, Handover, OpinionIncident


def _area_crumb():
    from ideology_office.common.navigation import WORK_AREAS_BY_KEY

    return (WORK_AREAS_BY_KEY["sentiment"].label, reverse("sentiment:index"))


def _render_form(request, template, form, *, title, crumbs, **extra):
    return render_form_page(
        request, template, form, title=title, crumbs=crumbs, cancel_url=reverse("sentiment:index"), **extra
    )


# ---------------------------------------------------------------------------------------------
# Landing page


@require_GET
def index(request):
    now = timezone.now()
    today = timezone.localdate()
    year, quarter = dates.quarter_of(today)
    context = {
        "crumbs": [(_area_crumb()[0], None)],
        "on_duty": selectors.on_duty_now(now),
        "today_shifts": selectors.shifts_for_day(today),
        "attention": list(selectors.incidents_needing_attention()[:10]),
        "figures": selectors.incident_quarter_figures(year=year, quarter=quarter),
        "review_status": selectors.current_quarter_review_status(today),
        "missing": selectors.all_quarters_missing_review(today=today),
        "pending_swaps": list(selectors.pending_swaps()[:10]) if perms.is_leader(request.user) else [],
        "my_shifts": list(selectors.shifts_for_person(person=request.user, since=now)[:5]),
        "open_risk_count": selectors.open_risks().count(),
    }
    return render(request, "sentiment/index.html", context)


# ---------------------------------------------------------------------------------------------
# Incidents


@require_GET
def incident_list(request):
    return render_list(
        request,
        "sentiment/incident_list.html",
        queryset=selectors.incident_list(),
        filterset_class=IncidentFilter,
        context={"crumbs": [_area_crumb(), (_("Opinion incidents"), None)]},
    )


def incident_create(request):
    if not perms.can_record_incidents(request.user):
        raise PermissionDenied
    form = IncidentForm(
        request.POST or None, initial={"found_at": timezone.localtime().replace(second=0, microsecond=0)}
    )
    done = submit_form(
        request,
        form,
        lambda **data: services.incident_create(user=request.user, **data),
        success=_("The incident was recorded."),
        success_url=lambda incident: incident,
    )
    if done:
        return done
    crumbs = [
        _area_crumb(),
        (_("Opinion incidents"), reverse("sentiment:incident_list")),
        (_("Record an incident"), None),
    ]
    return _render_form(
        request, "sentiment/incident_form.html", form, title=_("Record an incident"), crumbs=crumbs
    )


def incident_update(request, pk):
    incident = perms.access_incident(request.user, pk)
    if not perms.can_change_incident(request.user, incident):
        raise PermissionDenied
    form = IncidentForm(request.POST or None, instance=incident)
    done = submit_form(
        request,
        form,
        lambda **data: services.incident_update(incident=incident, user=request.user, **data),
        success=_("The incident was saved."),
        success_url=lambda incident: incident,
    )
    if done:
        return done
    crumbs = [
        _area_crumb(),
        (_("Opinion incidents"), reverse("sentiment:incident_list")),
        (str(incident), incident.get_absolute_url()),
        (_("Edit"), None),
    ]
    return _render_form(
        request, "sentiment/incident_form.html", form, title=_("Edit the incident"), crumbs=crumbs
    )


@require_GET
def incident_detail(request, pk):
    incident = perms.access_incident(request.user, pk)
    context = {
        "incident": incident,
        "can_change": perms.can_change_incident(request.user, incident),
        # Information reports are part of a shift's log: only its readers see them here too.
        "reports": list(
            visible_to(request.user, incident.information_reports.select_related("created_by", "shift"))
        ),
        "crumbs": [
            _area_crumb(),
            (_("Opinion incidents"), reverse("sentiment:incident_list")),
            (str(incident), None),
        ],
    }
    return render(request, "sentiment/incident_detail.html", context)


# ---------------------------------------------------------------------------------------------
# Roster


def _month_or_404(year, month) -> datetime.date:
    try:
        return datetime.date(int(year), int(month), 1)
    except ValueError as error:
        raise Http404 from error


@require_GET
def roster_current(request):
    today = timezone.localdate()
    return redirect("sentiment:roster_month", today.year, today.month)


@require_GET
def roster_month(request, year, month):
    first = _month_or_404(year, month)
    view = selectors.roster_month(month=first, include_drafts=perms.can_manage_roster(request.user))
    problems = []
    if (
        view.roster
        and view.roster.status == DutyRoster.Status.DRAFT
        and perms.can_manage_roster(request.user)
    ):
        problems = services.roster_problems(view.shifts, first)
    context = {
        "view": view,
        "problems": problems,
        "can_manage": perms.can_manage_roster(request.user),
        "generate_form": GenerateRosterForm(initial={"month": first}),
        "weekdays": [_("Mon"), _("Tue"), _("Wed"), _("Thu"), _("Fri"), _("Sat"), _("Sun")],
        "crumbs": [_area_crumb(), (_("Duty roster"), None)],
    }
    return render(request, "sentiment/roster_month.html", context)


@require_POST
def roster_generate(request):
    if not perms.can_manage_roster(request.user):
        raise PermissionDenied
    form = GenerateRosterForm(request.POST)
    month = form.cleaned_data["month"] if form.is_valid() else None
    return run_service(
        request,
        lambda **data: services.roster_generate_draft(user=request.user, **data),
        form=form,
        back=reverse("sentiment:roster_month", args=[month.year, month.month])
        if month
        else "sentiment:roster_current",
        success=_("A draft roster was generated. Check it, then publish it."),
    )


@require_POST
def roster_publish(request, pk):
    if not perms.can_manage_roster(request.user):
        raise PermissionDenied
    roster = get_object_or_404(DutyRoster, pk=pk)
    return run_service(
        request,
        lambda: services.roster_publish(roster=roster, user=request.user),
        back=roster,
        success=_("The roster was published."),
        refused_prefix=_("The roster was not published:") + " ",
    )


@require_GET
def roster_export(request, year, month):
    first = _month_or_404(year, month)
    view = selectors.roster_month(month=first, include_drafts=False)
    rows = [
        (
            timezone.localtime(shift.start).strftime("%Y-%m-%d"),
            [_("Mon"), _("Tue"), _("Wed"), _("Thu"), _("Fri"), _("Sat"), _("Sun")][
                timezone.localdate(shift.start).weekday()
            ],
            timezone.localtime(shift.start),
            timezone.localtime(shift.end),
            shift.officer.get_full_name(),
            phone_for(shift.phone, request.user),
            shift.leader.get_full_name(),
            phone_for(shift.leader.phone, request.user),
        )
        for shift in view.shifts
    ]
    sheet = Sheet(
        title=_("Duty roster"),
        headers=[
            _("Date"),
            _("Weekday"),
            _("Start"),
            _("End"),
            _("Duty officer"),
            _("Duty phone"),
            _("Leader on duty"),
            _("Leader's phone"),
        ],
        rows=rows,
        column_widths=[12, 8, 18, 18, 12, 16, 12, 16],
    )
    return xlsx_response(_("Duty roster %(month)s.xlsx") % {"month": f"{first:%Y-%m}"}, [sheet])


def shift_create(request, pk):
    if not perms.can_manage_roster(request.user):
        raise PermissionDenied
    roster = get_object_or_404(DutyRoster, pk=pk)
    form = ShiftForm(request.POST or None)
    done = submit_form(
        request,
        form,
        lambda **data: services.shift_create(roster=roster, user=request.user, **data),
        success=_("The shift was added."),
        success_url=roster,
    )
    if done:
        return done
    crumbs = [_area_crumb(), (_("Duty roster"), roster.get_absolute_url()), (_("Add a shift"), None)]
    return _render_form(request, "sentiment/shift_form.html", form, title=_("Add a shift"), crumbs=crumbs)


def shift_update(request, pk):
    if not perms.can_manage_roster(request.user):
        raise PermissionDenied
    shift = perms.access_shift(request.user, pk)
    form = ShiftForm(
        request.POST or None,
        initial={
            "start": timezone.localtime(shift.start),
            "end": timezone.localtime(shift.end),
            "officer": shift.officer,
            "leader": shift.leader,
            "phone": shift.phone,
        },
    )
    done = submit_form(
        request,
        form,
        lambda **data: services.shift_update(shift=shift, user=request.user, **data),
        success=_("The shift was saved."),
        success_url=shift.roster,
    )
    if done:
        return done
    crumbs = [_area_crumb(), (_("Duty roster"), shift.roster.get_absolute_url()), (_("Edit the shift"), None)]
    return _render_form(request, "sentiment/shift_form.html", form, title=_("Edit the shift"), crumbs=crumbs)


@require_GET
def shift_detail(request, pk):
    shift = perms.access_shift(request.user, pk)
    can_log = perms.can_view_shift_log(request.user, shift)
    handover = Handover.objects.select_related("written_by", "accepted_by").filter(shift=shift).first()
    incoming = services.next_shift(shift)
    previous = (
        DutyShift.objects.filter(end=shift.start, roster__status=DutyRoster.Status.PUBLISHED)
        .select_related("officer")
        .first()
    )
    previous_handover = (
        Handover.objects.select_related("written_by", "accepted_by").filter(shift=previous).first()
        if previous
        else None
    )
    context = {
        "shift": shift,
        "can_log": can_log,
        "can_write": perms.can_write_shift_log(request.user, shift),
        "is_leader": perms.is_leader(request.user),
        "log_entries": list(selectors.shift_log_entries(shift)) if can_log else [],
        "reports": list(selectors.shift_information_reports(shift)) if can_log else [],
        "swaps": list(visible_to(request.user, selectors.swap_list().filter(shift=shift))),
        "reassignments": list(
            shift.reassignments.select_related("previous_person", "new_person", "created_by")
        ),
        "handover": handover,
        "incoming": incoming,
        "previous_handover": previous_handover,
        "can_accept_previous": previous_handover is not None
        and not previous_handover.accepted_at
        and shift.officer_id == request.user.pk,
        "can_write_handover": shift.officer_id == request.user.pk and not (handover and handover.accepted_at),
        "crumbs": [_area_crumb(), (_("Duty roster"), shift.roster.get_absolute_url()), (str(shift), None)],
    }
    return render(request, "sentiment/shift_detail.html", context)


def shift_swap_request(request, pk):
    shift = perms.access_shift(request.user, pk)
    if not perms.is_on_shift(request.user, shift):
        raise PermissionDenied
    choices = (
        DutyShift.objects.filter(roster__status=DutyRoster.Status.PUBLISHED, start__gte=timezone.now())
        .exclude(pk=shift.pk)
        .select_related("officer")
        .order_by("start")
    )
    form = SwapRequestForm(request.POST or None, shift_choices=choices)
    done = submit_form(
        request,
        form,
        lambda **data: services.shift_swap_request(shift=shift, requester=request.user, **data),
        success=_("The swap was requested; a leader will decide."),
        success_url=shift,
    )
    if done:
        return done
    crumbs = [
        _area_crumb(),
        (_("Duty roster"), shift.roster.get_absolute_url()),
        (str(shift), shift.get_absolute_url()),
        (_("Request a swap"), None),
    ]
    return _render_form(
        request, "sentiment/shiftswap_form.html", form, title=_("Request a swap"), crumbs=crumbs, shift=shift
    )


@require_GET
def swap_list(request):
    queryset = visible_to(request.user, selectors.swap_list())
    return render_list(
        request,
        "sentiment/shiftswap_list.html",
        queryset=queryset,
        filterset_class=SwapFilter,
        context={
            "crumbs": [_area_crumb(), (_("Shift swaps"), None)],
            "is_leader": perms.is_leader(request.user),
            "decision_form": DecisionForm(),
        },
    )


@require_POST
def swap_decide(request, pk, decision):
    swap = perms.access_swap(request.user, pk)
    refusal = perms.swap_decide_refusal(request.user, swap)
    if refusal:
        raise PermissionDenied(refusal)
    if decision not in ("approve", "reject"):
        raise Http404
    decide = services.shift_swap_approve if decision == "approve" else services.shift_swap_reject
    return run_service(
        request,
        lambda **data: decide(swap=swap, user=request.user, **data),
        form=DecisionForm(request.POST),
        back="sentiment:swap_list",
        success=_("The swap was approved and the roster changed.")
        if decision == "approve"
        else _("The swap was rejected."),
    )


def shift_reassign(request, pk):
    shift = perms.access_shift(request.user, pk)
    if not perms.is_leader(request.user):
        raise PermissionDenied
    form = ReassignForm(request.POST or None)
    done = submit_form(
        request,
        form,
        lambda **data: services.shift_reassign(shift=shift, user=request.user, **data),
        success=_("The shift was reassigned."),
        success_url=shift,
    )
    if done:
        return done
    crumbs = [
        _area_crumb(),
        (_("Duty roster"), shift.roster.get_absolute_url()),
        (str(shift), shift.get_absolute_url()),
        (_("Reassign"), None),
    ]
    return _render_form(
        request, "sentiment/shiftreassignment_form.html", form, title=_("Reassign the shift"), crumbs=crumbs
    )


def handover_write(request, pk):
    shift = perms.access_shift(request.user, pk)
    if shift.officer_id != request.user.pk:
        raise PermissionDenied(_("Only the duty officer of the shift writes its handover."))
    existing = Handover.objects.filter(shift=shift).first()
    form = HandoverForm(request.POST or None, initial={"open_items": existing.open_items if existing else ""})
    done = submit_form(
        request,
        form,
        lambda **data: services.handover_write(shift=shift, user=request.user, **data),
        success=_("The handover was written; the incoming officer will accept it."),
        success_url=shift,
    )
    if done:
        return done
    crumbs = [
        _area_crumb(),
        (_("Duty roster"), shift.roster.get_absolute_url()),
        (str(shift), shift.get_absolute_url()),
        (_("Handover"), None),
    ]
    return _render_form(
        request, "sentiment/handover_form.html", form, title=_("Write the handover"), crumbs=crumbs
    )


@require_POST
def handover_accept(request, pk):
    handover = perms.access_handover(request.user, pk)
    return run_service(
        request,
        lambda: services.handover_accept(handover=handover, user=request.user),
        back=handover.shift,
        success=_("You accepted the handover."),
        # The person taking over lands on their own shift, whose log they now keep.
        success_url=lambda _accepted: services.next_shift(handover.shift) or handover.shift,
    )


def duty_log_add(request, pk):
    shift = perms.access_shift(request.user, pk)
    if not perms.can_write_shift_log(request.user, shift):
        raise PermissionDenied
    form = DutyLogForm(
        request.POST or None, initial={"at": timezone.localtime().replace(second=0, microsecond=0)}
    )
    done = submit_form(
        request,
        form,
        lambda **data: services.duty_log_add(shift=shift, user=request.user, **data),
        success=_("The log entry was added."),
        success_url=shift,
    )
    if done:
        return done
    crumbs = [
        _area_crumb(),
        (_("Duty roster"), shift.roster.get_absolute_url()),
        (str(shift), shift.get_absolute_url()),
        (_("Duty log"), None),
    ]
    return _render_form(
        request, "sentiment/dutylogentry_form.html", form, title=_("Add to the duty log"), crumbs=crumbs
    )


def information_report_add(request, pk):
    shift = perms.access_shift(request.user, pk)
    if not perms.can_write_shift_log(request.user, shift):
        raise PermissionDenied
    form = InformationReportForm(
        request.POST or None,
        initial={"sent_at": timezone.localtime().replace(second=0, microsecond=0)},
        user=request.user,
    )
    done = submit_form(
        request,
        form,
        lambda **data: services.information_report_add(shift=shift, user=request.user, **data),
        success=_("The information report was recorded."),
        success_url=shift,
    )
    if done:
        return done
    crumbs = [
        _area_crumb(),
        (_("Duty roster"), shift.roster.get_absolute_url()),
        (str(shift), shift.get_absolute_url()),
        (_("Information report"), None),
    ]
    return _render_form(
        request,
        "sentiment/informationreport_form.html",
        form,
        title=_("Record an information report"),
        crumbs=crumbs,
    )


@require_GET
def incident_choices(request):
    """The information-report form's incident search: any incident the person may see."""
    return search_choices(
        request,
        OpinionIncident.objects.active().order_by("-found_at", "-pk"),
        fields=("summary", "reported_to", "links"),
    )


@require_GET
def information_report_list(request):
    queryset = visible_to(request.user, selectors.information_report_list())
    return render_list(
        request,
        "sentiment/informationreport_list.html",
        queryset=queryset,
        filterset_class=InformationReportFilter,
        context={"crumbs": [_area_crumb(), (_("Information reports"), None)]},
    )


# ---------------------------------------------------------------------------------------------
# Calendar feed


@require_GET
def duty_feed_settings(request):
    token = services.duty_feed_token_for(person=request.user)
    feed_url = request.build_absolute_uri(reverse("sentiment:duty_feed", args=[token.token]))
    context = {
        "feed_url": feed_url,
        "shifts": list(selectors.shifts_for_person(person=request.user, since=timezone.now())[:20]),
        "crumbs": [_area_crumb(), (_("My duty calendar"), None)],
    }
    return render(request, "sentiment/dutyfeedtoken_detail.html", context)


@require_POST
def duty_feed_regenerate(request):
    return run_service(
        request,
        lambda: services.duty_feed_token_regenerate(person=request.user),
        back="sentiment:duty_feed_settings",
        success=_("A new calendar address was made; the old one no longer works."),
    )


@login_not_required
@require_GET
def duty_feed(request, token):
    """The person's shifts as an iCalendar feed for phone calendars. The token is the only key."""
    feed = DutyFeedToken.objects.select_related("person").filter(token=token).first()
    # A person whose roles were all removed (or whose account is inactive) has left the duty:
    # their old address stops answering, whatever calendar still polls it.
    if feed is None or not roles.has_any_role(feed.person):
        raise Http404
    since = timezone.now() - datetime.timedelta(days=60)
    shifts = list(selectors.shifts_for_person(person=feed.person, since=since))
    response = HttpResponse(
        shifts_ics(person=feed.person, shifts=shifts), content_type="text/calendar; charset=utf-8"
    )
    response["Cache-Control"] = "private, no-store"
    return response


# ---------------------------------------------------------------------------------------------
# Quarterly reviews and risks


@require_GET
def review_list(request):
    today = timezone.localdate()
    missing = selectors.all_quarters_missing_review(today=today)
    return render_list(
        request,
        "sentiment/opinionreview_list.html",
        queryset=selectors.review_list(),
        filterset_class=ReviewFilter,
        context={
            "crumbs": [_area_crumb(), (_("Quarterly reviews"), None)],
            "missing": missing,
            "status": selectors.current_quarter_review_status(today),
            "can_record": perms.can_record_reviews(request.user),
        },
    )


def review_create(request):
    if not perms.can_record_reviews(request.user):
        raise PermissionDenied
    form = ReviewForm(request.POST or None)
    done = submit_form(
        request,
        form,
        lambda **data: services.review_create(user=request.user, **data),
        success=_("The review was recorded; open risks of the previous review were carried over."),
        success_url=lambda review: review,
    )
    if done:
        return done
    crumbs = [
        _area_crumb(),
        (_("Quarterly reviews"), reverse("sentiment:review_list")),
        (_("Record a review"), None),
    ]
    return _render_form(
        request, "sentiment/opinionreview_form.html", form, title=_("Record a review"), crumbs=crumbs
    )


def review_update(request, pk):
    review = perms.access_review(request.user, pk)
    if not perms.can_change_review(request.user, review):
        raise PermissionDenied
    form = ReviewForm(
        request.POST or None, instance=review, initial={"attendees": list(review.attendees.all())}
    )
    done = submit_form(
        request,
        form,
        lambda **data: services.review_update(review=review, user=request.user, **data),
        success=_("The review was saved."),
        success_url=lambda review: review,
    )
    if done:
        return done
    crumbs = [
        _area_crumb(),
        (_("Quarterly reviews"), reverse("sentiment:review_list")),
        (str(review), review.get_absolute_url()),
        (_("Edit"), None),
    ]
    return _render_form(
        request, "sentiment/opinionreview_form.html", form, title=_("Edit the review"), crumbs=crumbs
    )


@require_GET
def review_detail(request, pk):
    review = perms.access_review(request.user, pk)
    context = {
        "review": review,
        "attendees": list(review.attendees.select_related("section")),
        "risks": list(selectors.review_risks(review)),
        "heatmap": selectors.risk_heatmap(review),
        "can_change": perms.can_change_review(request.user, review),
        "crumbs": [
            _area_crumb(),
            (_("Quarterly reviews"), reverse("sentiment:review_list")),
            (str(review), None),
        ],
    }
    return render(request, "sentiment/opinionreview_detail.html", context)


@require_POST
def review_carry_over(request, pk):
    review = perms.access_review(request.user, pk)
    if not perms.can_change_review(request.user, review):
        raise PermissionDenied
    return run_service(
        request,
        lambda: services.risks_carry_over(review=review, user=request.user),
        back=review,
        success=lambda carried: _("%(count)s open risks were carried over.") % {"count": len(carried)},
    )


def risk_create(request, pk):
    review = perms.access_review(request.user, pk)
    if not perms.can_change_review(request.user, review):
        raise PermissionDenied
    form = RiskForm(request.POST or None, matrix=review.matrix)
    done = submit_form(
        request,
        form,
        lambda **data: services.risk_create(review=review, user=request.user, **data),
        success=_("The risk was recorded."),
        success_url=review,
    )
    if done:
        return done
    crumbs = [
        _area_crumb(),
        (_("Quarterly reviews"), reverse("sentiment:review_list")),
        (str(review), review.get_absolute_url()),
        (_("Add a risk"), None),
    ]
    return _render_form(
        request,
        "sentiment/riskitem_form.html",
        form,
        title=_("Add a risk"),
        crumbs=crumbs,
        matrix=review.matrix,
    )


def risk_update(request, pk):
    risk = perms.access_risk(request.user, pk)
    if not perms.can_change_review(request.user, risk.review) or risk.is_voided:
        raise PermissionDenied
    form = RiskForm(request.POST or None, instance=risk, matrix=risk.review.matrix)
    done = submit_form(
        request,
        form,
        lambda **data: services.risk_update(risk=risk, user=request.user, **data),
        success=_("The risk was saved."),
        success_url=risk,
    )
    if done:
        return done
    crumbs = [
        _area_crumb(),
        (_("Quarterly reviews"), reverse("sentiment:review_list")),
        (str(risk.review), risk.review.get_absolute_url()),
        (_("Edit the risk"), None),
    ]
    return _render_form(
        request,
        "sentiment/riskitem_form.html",
        form,
        title=_("Edit the risk"),
        crumbs=crumbs,
        matrix=risk.review.matrix,
    )


@require_GET
def risk_detail(request, pk):
    risk = perms.access_risk(request.user, pk)
    context = {
        "risk": risk,
        "history": selectors.risk_history(risk),
        "can_change": perms.can_change_review(request.user, risk.review) and not risk.is_voided,
        "crumbs": [
            _area_crumb(),
            (_("Quarterly reviews"), reverse("sentiment:review_list")),
            (str(risk.review), risk.review.get_absolute_url()),
            (str(risk), None),
        ],
    }
    return render(request, "sentiment/riskitem_detail.html", context)
