"""Pages of the responsibility area. Each view checks access, binds a form, calls one service."""

from __future__ import annotations

import datetime
import json
from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from ideology_office.common.counting import countable
from ideology_office.common.forms import refusal_text
from ideology_office.common.listing import render_list
from ideology_office.common.query_params import year_param
from ideology_office.common.spreadsheets import Sheet, xlsx_response
from ideology_office.common.views import render_form_page, run_service, submit_form

from . import filters, forms, permissions, selectors, services
from .models import AgendaItem, Assessment, AssessmentScore, SchemeItem


def _crumbs(*trail):
    return [(_("Responsibility"), reverse("responsibility:index")), *trail]


def _require(allowed: bool, reason: str = "") -> None:
    """Refuse with 403 and, where given, the reason the page shows."""
    if not allowed:
        raise PermissionDenied(reason)


def _form_page(request, template, form, *, title, crumbs, record=None, extra=None):
    return render_form_page(
        request,
        template,
        form,
        title=title,
        crumbs=_crumbs(*crumbs, (title, None)),
        cancel_url=record.get_absolute_url()
        if hasattr(record, "get_absolute_url")
        else reverse("responsibility:index"),
        object=record,
        **(extra or {}),
    )


# Landing page -------------------------------------------------------------------------------


def index(request):
    today = timezone.localdate()
    chain = selectors.duty_chain(today.year)
    context = {
        "needs_adjustment": selectors.leading_group_needs_adjustment(),
        "my_follow_ups": list(selectors.follow_up_actions_for_user(request.user)[:10]),
        "overdue_follow_ups": selectors.overdue_follow_ups(today).count(),
        "in_progress": list(
            selectors.assessments_in_progress().filter(
                pk__in=permissions.assessments_visible_to(request.user, Assessment.objects.all()).values("pk")
            )[:10]
        ),
        "years_without_priorities": selectors.years_without_ideology_priorities(range(2021, today.year + 1)),
        "chain": chain,
        "group_now": selectors.leading_group_on(today),
        "recent_meetings": list(selectors.meeting_list().active()[:5]),
        "year": today.year,
        "crumbs": [(_("Responsibility"), None)],
    }
    return render(request, "responsibility/index.html", context)


# Leading group ------------------------------------------------------------------------------


def membership_list(request):
    day = timezone.localdate()
    if request.GET.get("on"):
        try:
            day = datetime.date.fromisoformat(request.GET["on"])
        except ValueError:
            messages.error(request, _("Enter a valid date."))
    return render_list(
        request,
        "responsibility/membership_list.html",
        queryset=selectors.membership_list(),
        filterset_class=filters.MembershipFilter,
        context={
            "day": day,
            "composition": selectors.leading_group_on(day),
            "needs_adjustment": selectors.leading_group_needs_adjustment(),
            "can_manage": permissions.can_manage_group(request.user),
            "crumbs": _crumbs((_("Leading group"), None)),
        },
    )


def membership_detail(request, pk):
    membership = permissions.access_membership(request.user, pk)
    return render(
        request,
        "responsibility/membership_detail.html",
        {
            "object": membership,
            "can_manage": permissions.can_manage_group(request.user) and not membership.is_voided,
            "crumbs": _crumbs(
                (_("Leading group"), reverse("responsibility:membership_list")), (str(membership), None)
            ),
        },
    )


def membership_create(request):
    _require(
        permissions.can_manage_group(request.user),
        _(
            "Only the head (组长) of the leading group or an administrator changes the leading group and the dual-duty assignments."
        ),
    )
    form = forms.MembershipForm(request.POST or None)
    if saved := submit_form(
        request,
        form,
        lambda **data: services.membership_create(user=request.user, **data),
        success=_("Saved."),
        success_url=lambda saved: saved,
    ):
        return saved
    return _form_page(
        request,
        "responsibility/membership_form.html",
        form,
        title=_("Add a group member"),
        crumbs=[(_("Leading group"), reverse("responsibility:membership_list"))],
    )


def membership_edit(request, pk):
    membership = permissions.access_membership(request.user, pk)
    _require(
        permissions.can_manage_group(request.user) and not membership.is_voided,
        _(
            "Only the head (组长) of the leading group or an administrator changes the leading group and the dual-duty assignments."
        ),
    )
    initial = {
        name: getattr(membership, name)
        for name in ("role", "start_date", "start_reason", "end_date", "end_reason")
    }
    form = forms.MembershipForm(request.POST or None, initial=initial, editing=True)
    if saved := submit_form(
        request,
        form,
        lambda **data: services.membership_update(membership=membership, user=request.user, **data),
        success_url=membership,
        success=_("Saved."),
    ):
        return saved
    return _form_page(
        request,
        "responsibility/membership_form.html",
        form,
        title=_("Correct a membership"),
        record=membership,
        crumbs=[
            (_("Leading group"), reverse("responsibility:membership_list")),
            (str(membership), membership.get_absolute_url()),
        ],
    )


def _membership_action(request, pk, form_class, action, template_key):
    membership = permissions.access_membership(request.user, pk)
    _require(
        permissions.can_manage_group(request.user) and not membership.is_voided,
        _(
            "Only the head (组长) of the leading group or an administrator changes the leading group and the dual-duty assignments."
        ),
    )
    form = form_class(request.POST or None, initial={"on": timezone.localdate()})
    if saved := submit_form(
        request,
        form,
        lambda **data: action(membership, data),
        success=_("Saved."),
        success_url=lambda saved: saved,
    ):
        return saved
    titles = {
        "replace": _("Hand over to a successor"),
        "end": _("Member leaves the group"),
        "post_change": _("Member stays after a change of post"),
    }
    return _form_page(
        request,
        "responsibility/membership_form.html",
        form,
        title=titles[template_key],
        record=membership,
        crumbs=[
            (_("Leading group"), reverse("responsibility:membership_list")),
            (str(membership), membership.get_absolute_url()),
        ],
    )


def membership_replace(request, pk):
    return _membership_action(
        request,
        pk,
        forms.MembershipReplaceForm,
        lambda membership, data: services.membership_replace(
            membership=membership, user=request.user, **data
        ),
        "replace",
    )


def membership_end(request, pk):
    return _membership_action(
        request,
        pk,
        forms.MembershipChangeForm,
        lambda membership, data: services.membership_end(
            membership=membership, end_date=data["on"], reason=data["reason"], user=request.user
        ),
        "end",
    )


def membership_post_change(request, pk):
    return _membership_action(
        request,
        pk,
        forms.MembershipChangeForm,
        lambda membership, data: services.membership_record_post_change(
            membership=membership, user=request.user, **data
        ),
        "post_change",
    )


# Dual-duty assignments ----------------------------------------------------------------------


def assignment_list(request):
    return render_list(
        request,
        "responsibility/assignment_list.html",
        queryset=selectors.assignment_list(),
        filterset_class=filters.AssignmentFilter,
        context={
            "can_manage": permissions.can_manage_group(request.user),
            "crumbs": _crumbs((_("Dual-duty assignments"), None)),
        },
    )


def assignment_detail(request, pk):
    assignment = permissions.access_assignment(request.user, pk)
    return render(
        request,
        "responsibility/assignment_detail.html",
        {
            "object": assignment,
            "sections": list(assignment.sections.order_by("sort_order", "name")),
            "can_manage": permissions.can_manage_group(request.user) and not assignment.is_voided,
            "crumbs": _crumbs(
                (_("Dual-duty assignments"), reverse("responsibility:assignment_list")),
                (str(assignment), None),
            ),
        },
    )


def _assignment_form(request, assignment=None):
    _require(
        permissions.can_manage_group(request.user),
        _(
            "Only the head (组长) of the leading group or an administrator changes the leading group and the dual-duty assignments."
        ),
    )
    initial = {}
    if assignment is not None:
        initial = {
            "year": assignment.year,
            "leader": assignment.leader,
            "is_principal": assignment.is_principal,
            "sections": list(assignment.sections.all()),
            "fields_in_charge": assignment.fields_in_charge,
            "duties": assignment.duties,
            "letter_signed_on": assignment.letter_signed_on,
        }
    form = forms.AssignmentForm(request.POST or None, initial=initial)
    if saved := submit_form(
        request,
        form,
        lambda **data: services.assignment_save(
            user=request.user, assignment=assignment, **dict(data, sections=list(data["sections"]))
        ),
        success=_("Saved."),
        success_url=lambda saved: saved,
    ):
        return saved
    return _form_page(
        request,
        "responsibility/assignment_form.html",
        form,
        title=_("Change the assignment") if assignment else _("New dual-duty assignment"),
        record=assignment,
        crumbs=[(_("Dual-duty assignments"), reverse("responsibility:assignment_list"))],
    )


def assignment_create(request):
    return _assignment_form(request)


def assignment_edit(request, pk):
    assignment = permissions.access_assignment(request.user, pk)
    _require(not assignment.is_voided, _("This record was voided and can no longer be changed."))
    return _assignment_form(request, assignment)


def duty_chain(request):
    year = year_param(request, default=timezone.localdate().year)
    return render(
        request,
        "responsibility/assignment_chain.html",
        {
            "chain": selectors.duty_chain(year),
            "year": year,
            "years": range(timezone.localdate().year, 2020, -1),
            "crumbs": _crumbs(
                (_("Dual-duty assignments"), reverse("responsibility:assignment_list")),
                (_("Responsibility chain"), None),
            ),
        },
    )


# Office meetings ----------------------------------------------------------------------------


def meeting_list(request):
    return render_list(
        request,
        "responsibility/meeting_list.html",
        queryset=selectors.meeting_list(),
        filterset_class=filters.MeetingFilter,
        context={
            "can_record": permissions.can_record_meeting(request.user),
            "crumbs": _crumbs((_("Office meetings"), None)),
        },
    )


def meeting_detail(request, pk):
    meeting = permissions.access_meeting(request.user, pk)
    meeting = selectors.meeting_detail(meeting.pk)
    can_change = permissions.can_change_meeting(request.user, meeting)
    follow_ups = list(meeting.follow_ups.all())
    unlinked = any(
        item.kind == "first_topic" and not item.study_session_id for item in meeting.agenda_items.all()
    )
    candidates = services.study_sessions_for_meeting(meeting) if can_change and unlinked else None
    for action in follow_ups:
        action.meeting = meeting
        action.can_complete = permissions.can_complete_follow_up(request.user, action)
        # Several small forms share the page: each gets its own element ids.
        action.complete_form = forms.FollowUpCompleteForm(auto_id=f"done{action.pk}_%s")
    return render(
        request,
        "responsibility/meeting_detail.html",
        {
            "object": meeting,
            "follow_ups": follow_ups,
            "can_change": can_change,
            "agenda_form": forms.AgendaItemForm(auto_id="agenda_%s"),
            "study_link_form": forms.AgendaStudyLinkForm(auto_id="study_link_%s", candidates=candidates)
            if candidates is not None
            else None,
            # An empty drop-down explains nothing: the page says how to fill it instead.
            "study_link_candidates": candidates is not None and candidates.exists(),
            "attendance_form": forms.AttendanceForm(auto_id="attendance_%s"),
            "follow_up_form": forms.FollowUpForm(auto_id="follow_up_%s"),
            "today": timezone.localdate(),
            "crumbs": _crumbs(
                (_("Office meetings"), reverse("responsibility:meeting_list")), (str(meeting), None)
            ),
        },
    )


def meeting_create(request):
    _require(
        permissions.can_record_meeting(request.user),
        _(
            "Office leaders and administrators record office meetings; a section head records those of their own section."
        ),
    )
    initial = {"date": timezone.localdate(), "section": request.user.section_id}
    form = forms.MeetingCreateForm(request.POST or None, user=request.user, initial=initial)
    if saved := submit_form(
        request,
        form,
        lambda **data: services.meeting_create(
            user=request.user, **dict(data, present=list(data["present"]), agenda=data["agenda"].splitlines())
        ),
        success=_("Saved."),
        success_url=lambda saved: saved,
    ):
        return saved
    return _form_page(
        request,
        "responsibility/meeting_form.html",
        form,
        title=_("Record an office meeting"),
        crumbs=[(_("Office meetings"), reverse("responsibility:meeting_list"))],
    )


def meeting_edit(request, pk):
    meeting = permissions.access_meeting(request.user, pk)
    _require(
        permissions.can_change_meeting(request.user, meeting),
        _(
            "Office leaders and administrators change office meetings; a section head changes those of their own section. A voided meeting is not changed."
        ),
    )
    fields = ("date", "title", "place", "chair", "section", "on_ideology", "decisions")
    form = forms.MeetingForm(
        request.POST or None, user=request.user, initial={name: getattr(meeting, name) for name in fields}
    )
    if saved := submit_form(
        request,
        form,
        lambda **data: services.meeting_update(meeting=meeting, user=request.user, **data),
        success_url=meeting,
        success=_("Saved."),
    ):
        return saved
    return _form_page(
        request,
        "responsibility/meeting_form.html",
        form,
        title=_("Change the meeting"),
        record=meeting,
        crumbs=[
            (_("Office meetings"), reverse("responsibility:meeting_list")),
            (str(meeting), meeting.get_absolute_url()),
        ],
    )


def _meeting_part(request, pk, form_class, action):
    """A small form on the meeting page (agenda item, attendance, follow-up): saved, or its errors
    shown as messages on the same page."""
    meeting = permissions.access_meeting(request.user, pk)
    _require(
        permissions.can_change_meeting(request.user, meeting),
        _(
            "Office leaders and administrators change office meetings; a section head changes those of their own section. A voided meeting is not changed."
        ),
    )
    return run_service(
        request,
        lambda **data: action(meeting, data),
        form=form_class(request.POST),
        back=meeting,
        success=_("Saved."),
    )


@require_POST
def agenda_item_add(request, pk):
    return _meeting_part(
        request,
        pk,
        forms.AgendaItemForm,
        lambda meeting, data: services.agenda_item_add(meeting=meeting, user=request.user, **data),
    )


@require_POST
def agenda_item_link_study(request, pk, item_pk):
    meeting = permissions.access_meeting(request.user, pk)
    _require(
        permissions.can_change_meeting(request.user, meeting),
        _(
            "Office leaders and administrators change office meetings; a section head changes those of their own section. A voided meeting is not changed."
        ),
    )
    item = get_object_or_404(AgendaItem, pk=item_pk, meeting=meeting)
    return run_service(
        request,
        lambda study_session: services.agenda_item_link_study_session(
            item=item, session=study_session, user=request.user
        ),
        form=forms.AgendaStudyLinkForm(request.POST, candidates=services.study_sessions_for_meeting(meeting)),
        back=meeting,
        success=_("Linked the first-agenda study to the study ledger."),
    )


@require_POST
def attendance_set(request, pk):
    return _meeting_part(
        request,
        pk,
        forms.AttendanceForm,
        lambda meeting, data: services.attendance_set(meeting=meeting, user=request.user, **data),
    )


@require_POST
def follow_up_create(request, pk):
    return _meeting_part(
        request,
        pk,
        forms.FollowUpForm,
        lambda meeting, data: services.follow_up_create(meeting=meeting, user=request.user, **data),
    )


def follow_up_list(request):
    return render_list(
        request,
        "responsibility/followupaction_list.html",
        queryset=selectors.follow_up_list().order_by("status", "deadline", "pk"),
        filterset_class=filters.FollowUpFilter,
        context={"today": timezone.localdate(), "crumbs": _crumbs((_("Follow-up actions"), None))},
    )


@require_POST
def follow_up_complete(request, pk):
    action = permissions.access_follow_up(request.user, pk)
    _require(
        permissions.can_complete_follow_up(request.user, action),
        _("Only the owner of the follow-up action, or whoever may change its meeting, marks it done."),
    )
    return run_service(
        request,
        lambda **data: services.follow_up_complete(action=action, user=request.user, **data),
        form=forms.FollowUpCompleteForm(request.POST),
        back=action,
        success=_("Marked done."),
    )


# Work priorities ----------------------------------------------------------------------------


def priority_list(request):
    today = timezone.localdate()
    return render_list(
        request,
        "responsibility/workpriority_list.html",
        queryset=selectors.priority_list(),
        filterset_class=filters.PriorityFilter,
        context={
            "can_manage": permissions.can_manage_priorities(request.user),
            "years_without": selectors.years_without_ideology_priorities(range(2021, today.year + 1)),
            "crumbs": _crumbs((_("Annual work priorities"), None)),
        },
    )


def _priority_form(request, priority=None):
    _require(
        permissions.can_manage_priorities(request.user),
        _("Only office leaders and administrators set the work priorities."),
    )
    initial = {"year": timezone.localdate().year}
    if priority is not None:
        initial = {
            name: getattr(priority, name) for name in ("year", "position", "text", "concerns_ideology")
        }
    form = forms.PriorityForm(request.POST or None, initial=initial)
    if saved := submit_form(
        request,
        form,
        lambda **data: services.priority_save(user=request.user, priority=priority, **data),
        success=_("Saved."),
        success_url=lambda saved: saved,
    ):
        return saved
    return _form_page(
        request,
        "responsibility/workpriority_form.html",
        form,
        title=_("Change the work priority") if priority else _("New work priority"),
        record=priority,
        crumbs=[(_("Annual work priorities"), reverse("responsibility:priority_list"))],
    )


def priority_create(request):
    return _priority_form(request)


def priority_edit(request, pk):
    priority = permissions.access_priority(request.user, pk)
    _require(not priority.is_voided, _("This record was voided and can no longer be changed."))
    return _priority_form(request, priority)


# Assessment schemes -------------------------------------------------------------------------


def scheme_list(request):
    return render(
        request,
        "responsibility/assessmentscheme_list.html",
        {
            "schemes": list(selectors.scheme_list().order_by("-year", "name")),
            "can_manage": permissions.can_manage_schemes(request.user),
            "crumbs": _crumbs((_("Assessment schemes"), None)),
        },
    )


def scheme_detail(request, pk):
    scheme = permissions.access_scheme(request.user, pk)
    items = selectors.scheme_items(scheme)
    for item in items:
        item.connected = not item.is_automatic or countable(item.count_key) is not None
    return render(
        request,
        "responsibility/assessmentscheme_detail.html",
        {
            "object": scheme,
            "items": items,
            "can_manage": permissions.can_manage_schemes(request.user) and not scheme.is_voided,
            "copy_form": forms.SchemeCopyForm(initial={"year": scheme.year + 1}),
            "crumbs": _crumbs(
                (_("Assessment schemes"), reverse("responsibility:scheme_list")), (str(scheme), None)
            ),
        },
    )


def _scheme_form(request, scheme=None):
    _require(
        permissions.can_manage_schemes(request.user), _("Only administrators keep the assessment schemes.")
    )
    fields = ("year", "name", "excellent_from", "good_from", "fair_from", "bonus_cap")
    initial = {name: getattr(scheme, name) for name in fields} if scheme else {}
    form = forms.SchemeForm(request.POST or None, initial=initial)
    if saved := submit_form(
        request,
        form,
        lambda **data: services.scheme_save(user=request.user, scheme=scheme, **data),
        success=_("Saved."),
        success_url=lambda saved: saved,
    ):
        return saved
    return _form_page(
        request,
        "responsibility/assessmentscheme_form.html",
        form,
        title=_("Change the scheme") if scheme else _("New assessment scheme"),
        record=scheme,
        crumbs=[(_("Assessment schemes"), reverse("responsibility:scheme_list"))],
    )


def scheme_create(request):
    return _scheme_form(request)


def scheme_edit(request, pk):
    scheme = permissions.access_scheme(request.user, pk)
    _require(not scheme.is_voided, _("This record was voided and can no longer be changed."))
    return _scheme_form(request, scheme)


@require_POST
def scheme_copy(request, pk):
    scheme = permissions.access_scheme(request.user, pk)
    _require(
        permissions.can_manage_schemes(request.user), _("Only administrators keep the assessment schemes.")
    )
    return run_service(
        request,
        lambda year: services.scheme_copy(source=scheme, year=year, user=request.user),
        form=forms.SchemeCopyForm(request.POST),
        back=scheme,
        success=lambda copy: _("Copied the scheme to %(year)s.") % {"year": copy.year},
        success_url=lambda copy: copy,
    )


def _scheme_item_form(request, scheme, item=None):
    _require(
        permissions.can_manage_schemes(request.user) and not scheme.is_voided,
        _("Only administrators keep the assessment schemes."),
    )
    names = (
        "position",
        "heading",
        "kind",
        "requirement",
        "max_points",
        "deduction_rule",
        "count_key",
        "count_mode",
        "count_required",
        "count_period",
        "points_per_miss",
    )
    initial = {}
    if item is not None:
        initial = {name: getattr(item, name) for name in names}
        initial["count_filters"] = (
            json.dumps(item.count_filters, ensure_ascii=False) if item.count_filters else ""
        )
    form = forms.SchemeItemForm(
        request.POST or None, initial=initial, current_key=item.count_key if item else ""
    )
    if saved := submit_form(
        request,
        form,
        lambda **data: services.scheme_item_save(scheme=scheme, item=item, user=request.user, **data),
        success_url=scheme,
        success=_("Saved."),
    ):
        return saved
    return _form_page(
        request,
        "responsibility/schemeitem_form.html",
        form,
        title=_("Change the item") if item else _("New scheme item"),
        record=item,
        crumbs=[
            (_("Assessment schemes"), reverse("responsibility:scheme_list")),
            (str(scheme), scheme.get_absolute_url()),
        ],
    )


def scheme_item_create(request, pk):
    scheme = permissions.access_scheme(request.user, pk)
    return _scheme_item_form(request, scheme)


def scheme_item_edit(request, pk, item_pk):
    scheme = permissions.access_scheme(request.user, pk)
    item = scheme.items.filter(pk=item_pk).first()
    if item is None:
        raise Http404
    return _scheme_item_form(request, scheme, item)


# Assessments --------------------------------------------------------------------------------


def assessment_list(request):
    queryset = permissions.assessments_visible_to(request.user, selectors.assessment_list())
    return render_list(
        request,
        "responsibility/assessment_list.html",
        queryset=queryset,
        filterset_class=filters.AssessmentFilter,
        context={
            "can_assess": permissions.can_assess(request.user),
            "crumbs": _crumbs((_("Assessments"), None)),
        },
    )


def assessment_create(request):
    _require(
        permissions.can_assess(request.user), _("Only inspectors and office leaders carry out assessments.")
    )
    form = forms.AssessmentForm(request.POST or None)
    if saved := submit_form(
        request,
        form,
        lambda **data: services.assessment_create(assessor=request.user, user=request.user, **data),
        success=_("The counted items were pre-filled from the records."),
        success_url=lambda saved: saved,
    ):
        return saved
    return _form_page(
        request,
        "responsibility/assessment_form.html",
        form,
        title=_("Start an assessment"),
        crumbs=[(_("Assessments"), reverse("responsibility:assessment_list"))],
    )


def _sheet_rows(lines):
    """Group the score lines under their headings, numbered as the county's tables are."""
    rows, heading = [], None
    for number, line in enumerate(lines, start=1):
        line.number = number
        line.new_heading = line.item.heading != heading
        heading = line.item.heading
        rows.append(line)
    return rows


def assessment_detail(request, pk):
    assessment = permissions.access_assessment(request.user, pk)
    return _assessment_page(request, assessment)


def _assessment_page(request, assessment, *, entered=None, refused=None, status=200):
    """The score sheet; after a refused save, with what the assessor typed and each line's refusal."""
    lines = _sheet_rows(selectors.score_sheet(assessment))
    total, vetoed = services.assessment_total(assessment.scheme, lines, provisional=True)
    can_score = permissions.can_score(request.user, assessment)
    for line in lines:
        typed = (entered or {}).get(line.pk)
        if typed is not None:
            line.entered_score, line.entered_reason, line.entered_veto = typed
        else:
            shown = line.score if line.score is not None else line.auto_score
            line.entered_score = "" if shown is None else shown
            line.entered_reason, line.entered_veto = line.reason, line.veto_triggered
        line.refusal = (refused or {}).get(line.pk, [])
    return render(
        request,
        "responsibility/assessment_detail.html",
        {
            "object": assessment,
            "lines": lines,
            "running_total": total,
            "running_vetoed": vetoed,
            "unconfirmed": sum(1 for line in lines if line.confirmed_at is None),
            "prefilled_unconfirmed": sum(
                1 for line in lines if line.confirmed_at is None and line.auto_score is not None
            ),
            "can_score": can_score,
            "refused": bool(refused),
            "crumbs": _crumbs(
                (_("Assessments"), reverse("responsibility:assessment_list")), (str(assessment), None)
            ),
        },
        status=status,
    )


@require_POST
def scores_save(request, pk):
    """Every line of the sheet in one save: all are confirmed, or none when one is refused."""
    assessment = permissions.access_assessment(request.user, pk)
    _require(
        permissions.can_score(request.user, assessment),
        _("Only an assessor who is not the person assessed scores an assessment in progress."),
    )
    entries, entered, refused = [], {}, {}
    for line in assessment.scores.select_related("item"):
        text = (request.POST.get(f"score-{line.pk}") or "").strip()
        reason = request.POST.get(f"reason-{line.pk}") or ""
        veto = request.POST.get(f"veto-{line.pk}") == "on"
        entered[line.pk] = (text, reason, veto)
        try:
            score = Decimal(text) if text else None
        except InvalidOperation:
            refused[line.pk] = [_("Enter a number.")]
            continue
        entries.append(services.ScoreEntry(line=line, score=score, reason=reason, veto_triggered=veto))
    if not refused:
        try:
            saved = services.scores_confirm(assessment=assessment, entries=entries, user=request.user)
        except ValidationError as error:
            if not hasattr(error, "error_dict"):
                messages.error(request, refusal_text(error))
                return redirect(assessment)
            refused = {key: list(value) for key, value in error.message_dict.items()}
        else:
            messages.success(
                request,
                ngettext(
                    "Saved the score of %(count)s item.", "Saved the scores of %(count)s items.", len(saved)
                )
                % {"count": len(saved)},
            )
            return redirect(assessment)
    messages.error(request, _("Nothing was saved: correct the items marked below and save again."))
    return _assessment_page(request, assessment, entered=entered, refused=refused)


def assessment_line(request, pk, line_pk):
    assessment = permissions.access_assessment(request.user, pk)
    line = AssessmentScore.objects.select_related("item").filter(assessment=assessment, pk=line_pk).first()
    if line is None:
        raise Http404
    return render(
        request,
        "responsibility/assessmentscore_detail.html",
        {
            "object": line,
            "assessment": assessment,
            "records": selectors.counted_records(line),
            "crumbs": _crumbs(
                (_("Assessments"), reverse("responsibility:assessment_list")),
                (str(assessment), assessment.get_absolute_url()),
                (_("Counted records"), None),
            ),
        },
    )


@require_POST
def score_save(request, pk, line_pk):
    assessment = permissions.access_assessment(request.user, pk)
    _require(
        permissions.can_score(request.user, assessment),
        _("Only an assessor who is not the person assessed scores an assessment in progress."),
    )
    line = AssessmentScore.objects.filter(assessment=assessment, pk=line_pk).first()
    if line is None:
        raise Http404
    return run_service(
        request,
        lambda **data: services.score_confirm(line=line, user=request.user, **data),
        form=forms.ScoreForm(request.POST),
        back=reverse("responsibility:assessment_detail", args=[assessment.pk]) + f"#line-{line.pk}",
        success=_("Score saved."),
    )


@require_POST
def assessment_refresh(request, pk):
    assessment = permissions.access_assessment(request.user, pk)
    _require(
        permissions.can_score(request.user, assessment),
        _("Only an assessor who is not the person assessed scores an assessment in progress."),
    )
    return run_service(
        request,
        lambda: services.assessment_refresh(assessment=assessment, user=request.user),
        back=assessment,
        success=_("Counted the records again."),
    )


@require_POST
def assessment_complete(request, pk):
    assessment = permissions.access_assessment(request.user, pk)
    _require(
        permissions.can_score(request.user, assessment),
        _("Only an assessor who is not the person assessed scores an assessment in progress."),
    )
    return run_service(
        request,
        lambda: services.assessment_complete(assessment=assessment, user=request.user),
        back=assessment,
        success=_("The assessment is completed."),
    )


SCORE_SHEET_HEADERS = (
    _("No."),
    _("Assessment item"),
    _("Content and requirement"),
    _("Points"),
    _("Scoring standard"),
    _("Score"),
    _("Explanation"),
)


def assessment_export(request, pk):
    """The score sheet in the county's usual columns: 序号 / 考核项目 / 考核内容及要求 / 分值 / 评分标准 / 得分 / 说明."""
    assessment = permissions.access_assessment(request.user, pk)
    lines = _sheet_rows(selectors.score_sheet(assessment))
    rows = []
    for line in lines:
        item = line.item
        points = _("Veto") if item.kind == SchemeItem.Kind.VETO else item.max_points
        score = (
            (_("Veto applies") if line.veto_triggered else _("No veto"))
            if item.kind == SchemeItem.Kind.VETO
            else line.score
        )
        explanation = "；".join(part for part in (line.count_note, line.reason) if part)
        rows.append(
            [line.number, item.heading, item.requirement, points, item.deduction_rule, score, explanation]
        )
    total, vetoed = services.assessment_total(assessment.scheme, lines)
    grade = (
        assessment.get_grade_display()
        if assessment.grade
        else services.assessment_grade(assessment.scheme, total, vetoed).label
    )
    rows.append(
        ["", _("Total"), "", "", "", assessment.total if assessment.total is not None else total, grade]
    )
    sheet = Sheet(
        title=_("Score sheet"),
        headers=[str(header) for header in SCORE_SHEET_HEADERS],
        rows=rows,
        column_widths=[6, 18, 50, 8, 40, 8, 40],
    )
    return xlsx_response(f"{assessment.scheme.year}年考核评分表-{assessment.target}.xlsx", [sheet])
