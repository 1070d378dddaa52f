"""Pages of the study area. Thin: forms check input, services write, selectors read."""

from __future__ import annotations

import datetime
from urllib.parse import quote

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from ideology_office.accounts.models import User
from ideology_office.common.downloads import DOCX_CONTENT_TYPE, download
from ideology_office.common.listing import render_list
from ideology_office.common.policies import visible_to
from ideology_office.common.spreadsheets import XLSX_CONTENT_TYPE, Sheet, xlsx_response
from ideology_office.common.views import run_service, submit_form

from . import documents, imports, permissions, selectors, services
from .filters import MaterialFilter, SessionFilter
from .forms import (
    AttendanceScopeForm,
    AttendanceTableForm,
    BulletinForm,
    ImportForm,
    MaterialForm,
    MonthForm,
    ReadingClassForm,
    SessionForm,
    SpeechFormSet,
    speech_lines,
)
from .models import Attendance, ImportJob, LearningPlatform, StudySession
from .tasks import run_import_job

NAV = {"nav_active": "study"}


def _require(allowed: bool, reason: str = "") -> None:
    """Refuse with 403 and, where given, the reason the page shows."""
    if not allowed:
        raise PermissionDenied(reason)


def _crumbs(*items):
    return [(_("Study"), reverse("study:index")), *items]


# Landing page ------------------------------------------------------------------------------------


@require_GET
def index(request):
    today = timezone.localdate()
    year_start = today.replace(month=1, day=1)
    return render(
        request,
        "study/study_index.html",
        {
            **NAV,
            "crumbs": _crumbs(),
            "counts": selectors.session_counts_by_kind(start=year_start, end=today),
            "kinds": StudySession.Kind,
            "waiting": selectors.materials_not_studied(today=today)[:8],
            "recent": selectors.session_list(user=request.user).filter(voided_at__isnull=True)[:6],
            "timeliness": selectors.first_agenda_timeliness(years=[today.year], today=today)[0],
            "can_create": permissions.can_create_session(request.user),
            "can_import": permissions.can_import_study_records(request.user),
            "year": today.year,
        },
    )


# Sessions ----------------------------------------------------------------------------------------


@require_GET
def session_list(request):
    if request.GET.get("export") == "xlsx":
        return _session_export(request)
    return render_list(
        request,
        "study/session_list.html",
        queryset=selectors.session_list(user=request.user),
        filterset_class=SessionFilter,
        context={
            **NAV,
            "crumbs": _crumbs((_("Study sessions"), None)),
            "can_create": permissions.can_create_session(request.user),
        },
    )


def _session_export(request):
    filterset = SessionFilter(
        request.GET, queryset=selectors.session_list(user=request.user), request=request
    )
    filterset.is_valid()
    # 编号 first: a corrected export imported again corrects these very records (study/imports.py).
    rows = (
        [
            session.pk,
            session.date,
            session.get_kind_display(),
            session.get_first_agenda_venue_display(),
            session.topic,
            str(session.section),
            str(session.host or ""),
            session.place,
            "、".join(tag.name for tag in session.tags.all()),
            session.present_count,
            session.attendee_count,
            _("Voided") if session.is_voided else "",
        ]
        for session in filterset.qs
    )
    headers = [
        "编号",
        "日期",
        "类型",
        "第一议题会议",
        "主题",
        "组织股室",
        "主持人",
        "地点",
        "标签",
        "出席人数",
        "应到人数",
        "状态",
    ]
    return xlsx_response("学习记录台账.xlsx", [Sheet(title="学习记录", headers=headers, rows=rows)])


def _attendance_marks(data) -> dict[int, tuple[str, str]]:
    """The attendance marks on the page (person → status, reason), sent back when the list of
    people changes and when the form is saved."""
    marks = {}
    for key, value in data.items():
        number = key.removeprefix("status_")
        if number != key and number.isdigit():
            marks[int(number)] = (value, (data.get(f"reason_{number}") or "").strip())
    return marks


def _attendance_people(request, session=None, marks=None):
    """Who the attendance table lists: a section's people (the recorder's own by default), the
    whole office, on an edit everyone already recorded, and anyone marked other than present
    (or given a reason) on the page: changing the list must not drop an absence."""
    scope = request.GET.get("attendees") or request.POST.get("attendees") or ""
    if not scope:
        scope = (
            "recorded" if session else (str(request.user.section_id) if request.user.section_id else "office")
        )
    # Read from the database only the people listed: a county has thousands.
    everyone = selectors.people_for_attendance()
    if scope == "office":
        listed = list(everyone)
    elif scope.isdigit():
        listed = list(everyone.filter(section_id=int(scope)))
    else:
        listed = []
    also = set()
    if session is not None:
        also |= {line.person_id for line in session.attendances.all()}
    also |= {
        pk
        for pk, (status, reason) in (marks or {}).items()
        if (status and status != Attendance.Status.PRESENT) or reason
    }
    also -= {person.pk for person in listed}
    if also:
        listed += list(everyone.filter(pk__in=also))
    return listed, scope


def _session_form_page(request, *, session=None):
    user = request.user
    marks = _attendance_marks(request.POST if request.method == "POST" else request.GET)
    people, scope = _attendance_people(request, session, marks)
    existing = list(session.attendances.all()) if session else None
    if request.method == "POST":
        form = SessionForm(request.POST, instance=session, user=user)
        attendance = AttendanceTableForm(request.POST, people=people, initial_lines=existing)
        speeches = SpeechFormSet(request.POST, prefix="speech", form_kwargs={"people": _speaker_queryset()})

        def save(*, tag_names, materials, **data):
            with transaction.atomic():
                children = {
                    "materials": materials,
                    "tags": services.tags_from_names(imports.split_list(tag_names), user=user),
                    "attendances": attendance.lines(),
                    "speeches": speech_lines(speeches),
                }
                fields = {name: data[name] for name in services.SESSION_FIELDS if name in data}
                if session is None:
                    return services.session_create(user=user, **children, **fields)
                return services.session_update(session=session, user=user, **children, **fields)

        if attendance.is_valid() and speeches.is_valid():
            done = submit_form(
                request,
                form,
                save,
                success=_("The study session was saved."),
                success_url=lambda saved: saved,
            )
            if done:
                return done
    else:
        form = SessionForm(instance=session, user=user)
        attendance = AttendanceTableForm(people=people, initial_lines=existing, carried=marks)
        initial = (
            [{"speaker": line.speaker, "content": line.content} for line in session.speeches.all()]
            if session
            else []
        )
        speeches = SpeechFormSet(
            prefix="speech", initial=initial, form_kwargs={"people": _speaker_queryset()}
        )
    context = {
        **NAV,
        "form": form,
        "attendance": attendance,
        "speeches": speeches,
        "session": session,
        "scope": scope,
        "scope_form": AttendanceScopeForm(scope=scope, path=request.path, recorded=session is not None),
        "crumbs": _crumbs(
            (_("Study sessions"), reverse("study:session_list")),
            (_("Edit study session") if session else _("New study session"), None),
        ),
    }
    if request.htmx and request.GET.get("attendees"):
        return render(request, "study/session_form.html#attendance", context)
    return render(request, "study/session_form.html", context)


def _speaker_queryset():
    return (
        User.objects.filter(is_active=True)
        .select_related("section")
        .order_by("section__sort_order", "username")
    )


def session_create(request):
    _require(
        permissions.can_create_session(request.user),
        _(
            "Staff and section heads record the study of their own section; office leaders and administrators record any."
        ),
    )
    return _session_form_page(request)


def session_edit(request, pk):
    session = permissions.access_session_for_change(request.user, pk)
    return _session_form_page(request, session=session)


@require_GET
def session_detail(request, pk):
    session = permissions.access_session(request.user, pk)
    return render(
        request,
        "study/session_detail.html",
        {
            **NAV,
            "session": session,
            **selectors.session_detail(session=session),
            "can_change": permissions.can_change_session(request.user, session),
            "crumbs": _crumbs((_("Study sessions"), reverse("study:session_list")), (session.topic, None)),
        },
    )


def reading_class_create(request):
    _require(
        permissions.can_create_session(request.user),
        _(
            "Staff and section heads record the study of their own section; office leaders and administrators record any."
        ),
    )
    form = ReadingClassForm(request.POST or None, user=request.user)
    done = submit_form(
        request,
        form,
        lambda daily_topics, **data: services.reading_class_create(
            user=request.user,
            daily_topics=[line.strip() for line in daily_topics.splitlines() if line.strip()],
            **data,
        ),
        success=_(
            "The reading class was recorded with one session per day; record each day's attendance on its page."
        ),
        success_url=lambda reading_class: f"{reverse('study:session_list')}?q={quote(reading_class.title)}",
    )
    return done or render(
        request,
        "study/readingclass_form.html",
        {**NAV, "form": form, "crumbs": _crumbs((_("New reading class"), None))},
    )


# Materials ---------------------------------------------------------------------------------------


@require_GET
def material_list(request):
    today = timezone.localdate()
    return render_list(
        request,
        "study/material_list.html",
        queryset=selectors.material_list(),
        filterset_class=MaterialFilter,
        context={
            **NAV,
            "crumbs": _crumbs((_("Study materials"), None)),
            "today": today,
            "timeliness": selectors.first_agenda_timeliness(today=today),
            "can_manage": permissions.can_manage_materials(request.user),
        },
    )


@require_GET
def material_detail(request, pk):
    material = permissions.access_material(request.user, pk)
    # When it was first studied is an office-wide fact (its date and kind); which sessions studied
    # it is listed only as far as the reader may see them.
    first = selectors.material_sessions(material=material).first()
    sessions = list(visible_to(request.user, selectors.material_sessions(material=material)))
    return render(
        request,
        "study/material_detail.html",
        {
            **NAV,
            "material": material,
            "sessions": sessions,
            "first": first,
            "days_to_first": (first.date - material.issued_on).days if first else None,
            "can_change": permissions.can_change_material(request.user, material),
            "crumbs": _crumbs((_("Study materials"), reverse("study:material_list")), (material.title, None)),
        },
    )


def material_form(request, pk=None):
    material = permissions.access_material_for_change(request.user, pk) if pk else None
    _require(
        permissions.can_manage_materials(request.user),
        _("Staff, section heads, office leaders and administrators keep the study materials."),
    )
    form = MaterialForm(request.POST or None, instance=material)
    done = submit_form(
        request,
        form,
        lambda **data: (
            services.material_create(user=request.user, **data)
            if material is None
            else services.material_update(material=material, user=request.user, **data)
        ),
        success=_("The study material was saved."),
        success_url=lambda saved: saved,
    )
    return done or render(
        request,
        "study/material_form.html",
        {
            **NAV,
            "form": form,
            "material": material,
            "crumbs": _crumbs(
                (_("Study materials"), reverse("study:material_list")),
                (_("Edit study material") if material else _("New study material"), None),
            ),
        },
    )


# Points ------------------------------------------------------------------------------------------


def _month_from(request) -> tuple[MonthForm, datetime.date, LearningPlatform | None]:
    today = timezone.localdate()
    form = MonthForm(request.GET or {"month": f"{today:%Y-%m}"})
    if form.is_valid():
        return form, form.cleaned_data["month"], form.cleaned_data["platform"]
    return form, today.replace(day=1), None


@require_GET
def points_ranking(request):
    _require(permissions.can_see_rankings(request.user))
    form, month, platform = _month_from(request)
    data = selectors.bulletin_data(month=month, platform=platform)
    return render(
        request,
        "study/points_ranking.html",
        {
            **NAV,
            "form": form,
            "data": data,
            "bulletins": selectors.bulletin_list(user=request.user)[:12],
            "can_prepare": permissions.is_admin(request.user),
            "can_import": permissions.can_import_points(request.user),
            "crumbs": _crumbs((_("Learning points"), None)),
        },
    )


def bulletin_create(request):
    _require(permissions.is_admin(request.user), _("Only administrators prepare the points bulletin."))
    form = BulletinForm(request.POST or None)
    done = submit_form(
        request,
        form,
        lambda **data: services.bulletin_create(user=request.user, **data),
        success=_("The bulletin was prepared; publish it when it is checked."),
        success_url=lambda bulletin: bulletin,
    )
    return done or render(
        request,
        "study/pointsbulletin_form.html",
        {
            **NAV,
            "form": form,
            "crumbs": _crumbs(
                (_("Learning points"), reverse("study:points_ranking")), (_("New points bulletin"), None)
            ),
        },
    )


@require_GET
def bulletin_detail(request, pk):
    bulletin = permissions.access_bulletin(request.user, pk)
    data = selectors.bulletin_data(month=bulletin.month, platform=bulletin.platform)
    export = request.GET.get("export")
    if export == "xlsx":
        return _bulletin_xlsx(bulletin, data)
    if export == "docx":
        return _bulletin_docx(bulletin, data)
    return render(
        request,
        "study/pointsbulletin_detail.html",
        {
            **NAV,
            "bulletin": bulletin,
            "data": data,
            "can_change": permissions.can_change_bulletin(request.user, bulletin),
            "crumbs": _crumbs((_("Learning points"), reverse("study:points_ranking")), (str(bulletin), None)),
        },
    )


@require_POST
def bulletin_publish(request, pk):
    bulletin = permissions.access_bulletin(request.user, pk)
    _require(
        permissions.can_change_bulletin(request.user, bulletin),
        _("Only administrators change a points bulletin, and not once it is voided."),
    )
    return run_service(
        request,
        lambda: services.bulletin_publish(bulletin=bulletin, user=request.user),
        back=bulletin,
        success=_("The bulletin was published."),
    )


def _bulletin_xlsx(bulletin, data):
    people = Sheet(
        title="个人排名",
        headers=["名次", "姓名", "股室", "积分", "本月应达", "是否达标"],
        rows=[
            [
                row.rank,
                str(row.person),
                str(row.person.section or ""),
                row.points,
                row.threshold or "",
                "否" if row.below_threshold else "是",
            ]
            for row in data.people
        ],
    )
    sections = Sheet(
        title="股室排名",
        headers=["名次", "股室", "人数", "总积分", "人均积分"],
        rows=[
            [row.rank, str(row.section or ""), row.people, row.total, row.average] for row in data.sections
        ],
    )
    return xlsx_response(f"{bulletin}.xlsx", [people, sections])


def _bulletin_docx(bulletin, data):
    return download(documents.bulletin_docx(bulletin, data), f"{bulletin}.docx", DOCX_CONTENT_TYPE)


# Import ------------------------------------------------------------------------------------------


def _import_kinds(user):
    kinds = []
    if permissions.can_import_study_records(user):
        kinds.append((ImportJob.Kind.STUDY_RECORDS, ImportJob.Kind.STUDY_RECORDS.label))
    if permissions.can_import_points(user):
        kinds.append((ImportJob.Kind.PLATFORM_POINTS, ImportJob.Kind.PLATFORM_POINTS.label))
    return kinds


def import_page(request):
    kinds = _import_kinds(request.user)
    _require(bool(kinds))
    form = ImportForm(request.POST or None, request.FILES or None, kinds=kinds)
    result = None
    # The sheet to read, chosen on this page when a workbook has more than one with data.
    sheet = (request.POST.get("sheet") or "").strip()[:100] if request.method == "POST" else ""
    if request.method == "POST" and form.is_valid():
        kind = form.cleaned_data["kind"]
        uploaded = form.cleaned_data["file"]
        try:
            # The size is checked before the upload is read into memory.
            imports.check_size(uploaded.size)
            data = uploaded.read()
            background = imports.should_run_in_background(data, uploaded.name, sheet)
        except imports.ImportRefused as refused:
            result = imports.ImportResult(
                errors=[imports.RowError(0, "", str(refused))], sheets=list(getattr(refused, "sheets", []))
            )
        else:
            if background:
                uploaded.seek(0)
                job = imports.import_job_create(
                    kind=kind, uploaded_file=uploaded, user=request.user, sheet=sheet
                )
                transaction.on_commit(lambda: run_import_job.delay(job.pk))
                return redirect(job)
            result = imports.import_file(kind, data, uploaded.name, user=request.user, sheet=sheet)
            if result.ok:
                messages.success(request, _import_summary(result))
                for note in result.notes:
                    messages.info(request, note)
                return redirect("study:import")
    return render(
        request,
        "study/import_form.html",
        {
            **NAV,
            "form": form,
            "result": result,
            "sheet": sheet,
            "kinds": kinds,
            "jobs": selectors.recent_import_jobs(user=request.user),
            "crumbs": _crumbs((_("Spreadsheet import"), None)),
        },
    )


def _import_summary(result) -> str:
    summary = _("Imported %(total)s rows: %(created)s new, %(updated)s updated, %(unchanged)s unchanged.") % {
        "total": result.total_rows,
        "created": result.created,
        "updated": result.updated,
        "unchanged": result.unchanged,
    }
    if result.header_row > 1:
        summary += _(" The headers were read from row %(row)s; the title rows above were skipped.") % {
            "row": result.header_row
        }
    return summary


@require_GET
def import_template(request, kind):
    _require(kind in dict(_import_kinds(request.user)), _("You may not import this kind of spreadsheet."))
    spec = imports.SPECS[kind]
    return download(spec.template(), f"{spec.title}模板.xlsx", XLSX_CONTENT_TYPE)


@require_GET
def import_job(request, pk):
    job = permissions.access_import_job(request.user, pk)
    context = {
        **NAV,
        "job": job,
        "progress": imports.job_progress(job),
        "result": imports.ImportResult.from_dict(job.result) if job.is_finished else None,
        "crumbs": _crumbs((_("Spreadsheet import"), reverse("study:import")), (str(job), None)),
    }
    if request.htmx:
        return render(request, "study/importjob_detail.html#progress", context)
    return render(request, "study/importjob_detail.html", context)
