"""Pages of inspections and rectification. Thin: check access, bind a form, call one service."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from ideology_office.common.choices import search_choices
from ideology_office.common.filters import void_state
from ideology_office.common.listing import render_list
from ideology_office.common.policies import Action, require
from ideology_office.common.spreadsheets import Sheet, xlsx_response
from ideology_office.common.views import run_service, submit_form

from . import forms, permissions, selectors, services
from .filters import InspectionFilter, MechanismFilter, TaskFilter
from .models import ChecklistResult, Inspection, RectificationTask

LEDGER_HEADERS = [
    "序号",
    "问题",
    "整改措施",
    "责任领导",
    "责任单位",
    "完成时限",
    "进展情况",
    "是否销号",
]
LEDGER_WIDTHS = [6, 40, 40, 10, 14, 12, 40, 8]


def _area_crumbs(*more):
    return [(_("Inspections"), reverse("inspections:index")), *more]


def _require_manager(user) -> None:
    if not permissions.can_manage_inspections(user):
        raise PermissionDenied


# Landing page ------------------------------------------------------------------------------------


@require_GET
def index(request):
    user = request.user
    mine = (
        selectors.active_tasks()
        .select_related(*selectors.TASK_RELATED)
        .filter(responsible_person=user)
        .exclude(state=RectificationTask.State.CLOSED)
        .order_by("deadline", "pk")
    )
    context = {
        "crumbs": [(_("Inspections"), None)],
        "my_tasks": list(mine[:10]),
        "overdue": list(selectors.overdue_tasks(user=user)[:10]),
        "due_soon": list(selectors.tasks_due_soon(user=user)[:10]),
        "can_manage": permissions.can_manage_inspections(user),
        "is_leader": permissions.is_leader(user),
    }
    if context["can_manage"]:
        context["awaiting"] = list(selectors.tasks_awaiting_acceptance(user=user)[:10])
        context["completion"] = selectors.completion_by_inspection()[:8]
    if context["is_leader"]:
        context["pending_extensions"] = list(selectors.pending_extensions()[:10])
    return render(request, "inspections/index.html", context)


# Inspections -------------------------------------------------------------------------------------


@require_GET
def inspection_list(request):
    return render_list(
        request,
        "inspections/inspection_list.html",
        queryset=selectors.inspection_list(include_voided=True),
        filterset_class=InspectionFilter,
        context={
            "crumbs": _area_crumbs((_("Inspections and findings"), None)),
            "can_manage": permissions.can_manage_inspections(request.user),
        },
    )


def inspection_create(request):
    _require_manager(request.user)
    form = forms.InspectionForm(request.POST or None)
    done = submit_form(
        request,
        form,
        lambda **data: services.inspection_create(user=request.user, **data),
        success=_("Recorded the inspection."),
        success_url=lambda inspection: inspection,
    )
    return done or render(
        request,
        "inspections/inspection_form.html",
        {
            "form": form,
            "crumbs": _area_crumbs(
                (_("Inspections and findings"), reverse("inspections:inspection_list")),
                (_("New inspection"), None),
            ),
        },
    )


@require_GET
def inspection_detail(request, pk):
    inspection = permissions.access_inspection(request.user, pk)
    findings = list(selectors.inspection_findings(inspection, user=request.user, state=void_state(request)))
    can_manage = permissions.can_manage_inspections(request.user)
    return render(
        request,
        "inspections/inspection_detail.html",
        {
            "inspection": inspection,
            "findings": findings,
            "sections": selectors.completion_by_section(inspection=inspection),
            "results": list(selectors.checklist_results(inspection)) if inspection.is_self_inspection else [],
            "can_manage": can_manage,
            "finding_form": forms.FindingForm() if can_manage else None,
            "today": timezone.localdate(),
            "crumbs": _area_crumbs(
                (_("Inspections and findings"), reverse("inspections:inspection_list")),
                (inspection.title, None),
            ),
        },
    )


@require_POST
def inspection_close(request, pk):
    inspection = permissions.access_inspection(request.user, pk)
    require(request.user, Action.CHANGE, inspection)
    return run_service(
        request,
        lambda: services.inspection_close(inspection=inspection, user=request.user),
        back=inspection,
        success=_("The inspection is closed: every finding was rectified."),
    )


# Findings ----------------------------------------------------------------------------------------


@require_POST
def finding_create(request, pk):
    inspection = permissions.access_inspection(request.user, pk)
    require(request.user, Action.CHANGE, inspection)
    return run_service(
        request,
        lambda **data: services.finding_create(inspection=inspection, user=request.user, **data),
        form=forms.FindingForm(request.POST),
        back=inspection,
        success=lambda finding: _("Recorded finding %(number)s.") % {"number": finding.number},
        success_url=lambda finding: finding,
    )


@require_GET
def finding_detail(request, pk):
    finding = permissions.access_finding(request.user, pk)
    return render(
        request,
        "inspections/finding_detail.html",
        {
            "finding": finding,
            "tasks": list(selectors.finding_tasks(finding, user=request.user)),
            "mechanisms": list(finding.mechanisms.active()),
            "can_manage": permissions.can_manage_inspections(request.user),
            "crumbs": _area_crumbs(
                (
                    finding.inspection.title,
                    reverse("inspections:inspection_detail", args=[finding.inspection_id]),
                ),
                (_("Finding %(number)s") % {"number": finding.number}, None),
            ),
        },
    )


@require_POST
def finding_close(request, pk):
    finding = permissions.access_finding(request.user, pk)
    require(request.user, Action.CHANGE, finding)
    return run_service(
        request,
        lambda: services.finding_close(finding=finding, user=request.user),
        back=finding,
        success=_("The finding is closed: every task was closed out."),
    )


# Rectification tasks -----------------------------------------------------------------------------


@require_GET
def task_list(request):
    return render_list(
        request,
        "inspections/task_list.html",
        queryset=selectors.task_list_for_user(request.user, include_voided=True).order_by("deadline", "pk"),
        filterset_class=TaskFilter,
        context={"crumbs": _area_crumbs((_("Rectification tasks"), None)), "today": timezone.localdate()},
    )


def task_create(request, pk):
    finding = permissions.access_finding(request.user, pk)
    _require_manager(request.user)
    form = forms.TaskForm(request.POST or None)
    done = submit_form(
        request,
        form,
        lambda **data: services.task_create(finding=finding, user=request.user, **data),
        success=_("Assigned the rectification task."),
        success_url=lambda task: task,
    )
    return done or render(
        request,
        "inspections/task_form.html",
        {
            "form": form,
            "finding": finding,
            "title": _("New rectification task"),
            "crumbs": _area_crumbs(
                (
                    finding.inspection.title,
                    reverse("inspections:inspection_detail", args=[finding.inspection_id]),
                ),
                (_("Finding %(number)s") % {"number": finding.number}, finding.get_absolute_url()),
                (_("New rectification task"), None),
            ),
        },
    )


def task_edit(request, pk):
    task = permissions.access_task(request.user, pk)
    _require_manager(request.user)
    initial = {
        "measure": task.measure,
        "responsible_leader": task.responsible_leader,
        "responsible_unit": task.responsible_unit,
        "responsible_person": task.responsible_person,
        "kind": task.kind,
    }
    form = forms.TaskForm(request.POST or None, initial=initial, with_deadline=False)
    done = submit_form(
        request,
        form,
        lambda **data: services.task_update(task=task, user=request.user, **data),
        success=_("Saved the rectification task."),
        success_url=task,
    )
    return done or render(
        request,
        "inspections/task_form.html",
        {
            "form": form,
            "finding": task.finding,
            "title": _("Change or reassign the task"),
            "crumbs": _area_crumbs(
                (_("Rectification tasks"), reverse("inspections:task_list")),
                (str(task), task.get_absolute_url()),
                (_("Change or reassign the task"), None),
            ),
        },
    )


@require_GET
def task_detail(request, pk):
    task = permissions.access_task(request.user, pk)
    user = request.user
    can_update = permissions.can_update_progress(user, task)
    verify_refusal = permissions.verify_refusal(user, task)
    can_verify = verify_refusal is None
    State = RectificationTask.State
    extensions = list(selectors.task_extensions(task))
    return render(
        request,
        "inspections/task_detail.html",
        {
            "task": task,
            "events": list(selectors.task_events(task)),
            "extensions": extensions,
            "can_update": can_update and task.state in (State.NOT_STARTED, State.IN_PROGRESS),
            "can_submit": can_update and task.state == State.IN_PROGRESS,
            "can_verify": can_verify and task.state == State.AWAITING_ACCEPTANCE,
            "can_reopen": can_verify and task.state == State.CLOSED,
            # Why the acceptance buttons are absent, for an overseer who may not use them.
            "verify_refusal": verify_refusal
            if permissions.can_manage_inspections(user)
            and task.state in (State.AWAITING_ACCEPTANCE, State.CLOSED)
            else "",
            "can_extend": (can_update or permissions.can_manage_inspections(user))
            and task.state != State.CLOSED
            and not any(ext.status == ext.Status.PENDING for ext in extensions),
            # The same rule as the service: a leader never on the task's rectifying side.
            "can_decide": permissions.is_leader(user)
            and user.pk not in permissions.task_side_person_ids(task),
            "can_edit": permissions.can_manage_inspections(user) and task.state != State.CLOSED,
            "progress_form": forms.ProgressForm(),
            "submit_form": forms.SubmitForm(),
            "return_form": forms.ReasonForm(prefix="return"),
            "close_form": forms.CloseForm(),
            "reopen_form": forms.ReasonForm(prefix="reopen"),
            "extension_form": forms.ExtensionRequestForm(),
            "decision_form": forms.ExtensionDecisionForm(),
            "is_responsible": user.pk == task.responsible_person_id,
            "crumbs": _area_crumbs(
                (task.finding.inspection.title, task.finding.inspection.get_absolute_url()),
                (_("Finding %(number)s") % {"number": task.finding.number}, task.finding.get_absolute_url()),
                (_("Rectification task"), None),
            ),
        },
    )


def _task_action(request, pk, form_class, action, success, *, prefix=None):
    task = permissions.access_task(request.user, pk)
    return run_service(
        request,
        lambda **data: action(task, data),
        form=form_class(request.POST, request.FILES, prefix=prefix),
        back=task,
        success=success,
    )


@require_POST
def task_progress(request, pk):
    return _task_action(
        request,
        pk,
        forms.ProgressForm,
        lambda task, data: services.task_progress_add(
            task=task, user=request.user, note=data["note"], evidence=data["evidence"]
        ),
        _("Recorded the progress."),
    )


@require_POST
def task_submit(request, pk):
    return _task_action(
        request,
        pk,
        forms.SubmitForm,
        lambda task, data: services.task_submit(task=task, user=request.user, note=data["note"]),
        _("Submitted for acceptance."),
    )


@require_POST
def task_return(request, pk):
    return _task_action(
        request,
        pk,
        forms.ReasonForm,
        lambda task, data: services.task_return(task=task, user=request.user, reason=data["reason"]),
        _("Returned the task for further rectification."),
        prefix="return",
    )


@require_POST
def task_close(request, pk):
    return _task_action(
        request,
        pk,
        forms.CloseForm,
        lambda task, data: services.task_close(
            task=task, user=request.user, note=data["note"], evidence_reviewed=data["evidence_reviewed"]
        ),
        _("Closed out the task."),
    )


@require_POST
def task_reopen(request, pk):
    return _task_action(
        request,
        pk,
        forms.ReasonForm,
        lambda task, data: services.task_reopen(task=task, user=request.user, reason=data["reason"]),
        _("Reopened the task."),
        prefix="reopen",
    )


@require_POST
def extension_request(request, pk):
    return _task_action(
        request,
        pk,
        forms.ExtensionRequestForm,
        lambda task, data: services.extension_request(task=task, user=request.user, **data),
        _("Asked for an extension; a leader will decide."),
    )


@require_POST
def extension_decide(request, pk):
    extension = permissions.access_extension(request.user, pk)
    return run_service(
        request,
        lambda decision, note: services.extension_decide(
            extension=extension, user=request.user, approve=decision == "approve", note=note
        ),
        form=forms.ExtensionDecisionForm(request.POST),
        back=extension.task,
        success=_("Recorded the decision on the extension."),
    )


# Long-term mechanisms ----------------------------------------------------------------------------


@require_GET
def mechanism_list(request):
    return render_list(
        request,
        "inspections/mechanism_list.html",
        queryset=selectors.mechanism_list(include_voided=True),
        filterset_class=MechanismFilter,
        context={
            "crumbs": _area_crumbs((_("Long-term mechanisms"), None)),
            "can_manage": permissions.can_manage_inspections(request.user),
        },
    )


@require_GET
def mechanism_detail(request, pk):
    mechanism = permissions.access_mechanism(request.user, pk)
    return render(
        request,
        "inspections/mechanism_detail.html",
        {
            "mechanism": mechanism,
            "findings": list(mechanism.findings.select_related("inspection", "category")),
            "crumbs": _area_crumbs(
                (_("Long-term mechanisms"), reverse("inspections:mechanism_list")), (mechanism.name, None)
            ),
        },
    )


@require_GET
def finding_choices(request):
    """The mechanism form's finding search (its select lists only the latest): any finding the
    person may see, by its problem, its inspection or its category, under its inspection."""
    return search_choices(
        request,
        selectors.finding_choices(),
        fields=("description", "inspection__title", "category__name"),
        group=lambda finding: finding.inspection,
        limit=50,
    )


def mechanism_create(request):
    _require_manager(request.user)
    initial = {}
    if request.GET.get("finding"):
        initial["findings"] = [request.GET["finding"]]
    form = forms.MechanismForm(request.POST or None, initial=initial)
    done = submit_form(
        request,
        form,
        lambda findings, **data: services.mechanism_create(
            user=request.user, findings=list(findings), **data
        ),
        success=_("Recorded the long-term mechanism."),
        success_url=lambda mechanism: mechanism,
    )
    return done or render(
        request,
        "inspections/mechanism_form.html",
        {
            "form": form,
            "crumbs": _area_crumbs(
                (_("Long-term mechanisms"), reverse("inspections:mechanism_list")), (_("New mechanism"), None)
            ),
        },
    )


# Self-inspection ---------------------------------------------------------------------------------


def self_inspection_create(request):
    _require_manager(request.user)
    form = forms.SelfInspectionForm(request.POST or None)
    done = submit_form(
        request,
        form,
        lambda **data: services.inspection_create(
            source=Inspection.Source.SELF_INSPECTION, user=request.user, **data
        ),
        success=_("Started the self-inspection; record a result for every item."),
        success_url=lambda inspection: inspection,
    )
    return done or render(
        request,
        "inspections/self_inspection_form.html",
        {"form": form, "crumbs": _area_crumbs((_("New self-inspection"), None))},
    )


def checklist_result_edit(request, pk):
    result = permissions.access_checklist_result(request.user, pk)
    inspection = result.inspection
    form = forms.ChecklistResultForm(
        request.POST or None, initial={"outcome": result.outcome, "note": result.note}, prefix="result"
    )
    raise_form = None
    if result.finding_id is None:
        raise_form = forms.ProblemRaiseForm(
            request.POST if request.POST.get("action") == "raise" else None,
            initial={"category": result.item.category_id, "description": result.note},
            prefix="raise",
        )
    if request.POST.get("action") == "raise" and raise_form is not None:
        done = submit_form(
            request,
            raise_form,
            lambda category, description, **task: services.checklist_problem_raise(
                result=result,
                category=category,
                description=description,
                tasks=[services.TaskSpec(**task)],
                user=request.user,
            ),
            success=_("Raised the problem as a finding with its task."),
            success_url=lambda finding: finding,
        )
    else:

        def to_raise(recorded) -> bool:
            # A problem found is raised next, on this very page: land at its form.
            return recorded.outcome == ChecklistResult.Outcome.PROBLEM and recorded.finding_id is None

        done = submit_form(
            request,
            form,
            lambda **data: services.checklist_result_record(result=result, user=request.user, **data),
            success=lambda recorded: (
                _("Recorded the problem. Raise it as a finding below.")
                if to_raise(recorded)
                else _("Recorded the result.")
            ),
            success_url=lambda recorded: (
                f"{reverse('inspections:checklist_result_edit', args=[result.pk])}#raise"
                if to_raise(recorded)
                else inspection
            ),
        )
    return done or render(
        request,
        "inspections/checklist_result_form.html",
        {
            "result": result,
            "form": form,
            "raise_form": raise_form,
            "crumbs": _area_crumbs(
                (inspection.title, inspection.get_absolute_url()), (result.item.text[:30], None)
            ),
        },
    )


# The ledger --------------------------------------------------------------------------------------


def _ledger_scope(request):
    _require_manager(request.user)
    pk = request.GET.get("inspection")
    if not pk:
        return None
    try:
        return get_object_or_404(Inspection, pk=int(pk))
    except ValueError as error:
        raise Http404 from error


def ledger_row(task: RectificationTask) -> list:
    """One task in the columns of LEDGER_HEADERS (without the number): the same row in this
    export, the printed ledger and the report's ledgers, so a kind is labelled one way."""
    return [
        task.finding.description,
        task.measure,
        str(task.responsible_leader),
        str(task.responsible_unit),
        task.get_kind_display() if task.kind == RectificationTask.Kind.ONGOING else task.deadline,
        task.progress or task.get_state_display(),
        "是" if task.is_closed else "否",
    ]


def _ledger_rows(tasks):
    for number, task in enumerate(tasks.iterator(chunk_size=1000), start=1):
        yield [number, *ledger_row(task)]


@require_GET
def ledger_export(request):
    inspection = _ledger_scope(request)
    tasks = selectors.ledger_tasks(inspection=inspection)
    title = f"{inspection.title}整改台账" if inspection else "整改台账"
    sheet = Sheet(
        title="整改台账", headers=LEDGER_HEADERS, rows=_ledger_rows(tasks), column_widths=LEDGER_WIDTHS
    )
    return xlsx_response(f"{title}（{timezone.localdate():%Y%m%d}）.xlsx", [sheet])


@require_GET
def ledger_print(request):
    inspection = _ledger_scope(request)
    return render(
        request,
        "inspections/ledger_print.html",
        {
            "inspection": inspection,
            "headers": LEDGER_HEADERS,
            "rows": list(_ledger_rows(selectors.ledger_tasks(inspection=inspection))),
            "today": timezone.localdate(),
            "crumbs": _area_crumbs((_("Rectification ledger"), None)),
        },
    )
