"""``seed_demo --scale N`` and its generator (ideology_office.common.scale), at tiny sizes."""

import datetime
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count, F, Max, Q
from django.utils import timezone

from ideology_office.accounts.models import OrgUnit, User
from ideology_office.accounts.roles import Role
from ideology_office.common import scale
from ideology_office.common.audit import summarised_audit
from ideology_office.common.management.commands import seed_demo
from ideology_office.common.models import AuditEntry
from inspections.models import Finding, Inspection, RectificationTask, TaskEvent
from positions.models import (
    ContentItem,
    ContentRevision,
    Publication,
    ReviewAssignment,
    SignOff,
    content_digest,
)
from positions.permissions import has_step_grant
from positions.selectors import signoff_chain_problems
from sentiment.models import OpinionIncident
from study.models import Attendance, PointsEntry, StudySession

pytestmark = pytest.mark.django_db

TINY = scale.Sizes(
    sections=2,
    people=20,
    sessions=40,
    attendance=200,
    points=180,
    tasks=60,
    content_items=120,
    incidents=12,
)


@pytest.fixture
def generated():
    return scale.generate(TINY, source="test --scale")


def test_sizes_grow_with_n_to_a_county_at_100():
    sizes = scale.Sizes.for_scale(100)
    assert (sizes.sections, sizes.people) == (300, 10_000)
    assert sizes.sessions + sizes.attendance + sizes.points == 2_000_000
    assert (sizes.tasks, sizes.content_items) == (50_000, 200_000)
    assert scale.Sizes.for_scale(10).attendance * 10 == sizes.attendance


def test_generate_creates_what_was_asked(generated):
    assert generated["sections"] == OrgUnit.objects.filter(code__startswith=scale.PREFIX).count() == 2
    assert (
        not OrgUnit.objects.filter(code__startswith=scale.PREFIX).exclude(kind=OrgUnit.Kind.SECTION).exists()
    )
    people = User.objects.filter(username__startswith=scale.PREFIX)
    assert generated["people"] == people.count() == 20
    for role in (Role.LEADER, Role.SECTION_HEAD, Role.STAFF, Role.INSPECTOR):
        assert people.with_role(role).exists(), role
    # One shared, unusable password: never a hash per person.
    assert people.values("password").distinct().count() == 1
    assert not people.first().has_usable_password()
    assert StudySession.objects.count() == generated["sessions"] == 40
    assert Attendance.objects.count() == generated["attendance"] == 200
    assert PointsEntry.objects.count() == generated["points"] == 180
    assert RectificationTask.objects.count() == generated["tasks"] == 60
    assert Finding.objects.count() == generated["findings"] == 12
    assert Inspection.objects.count() == generated["inspections"] == 3
    assert ContentItem.objects.count() == generated["content_items"] == 120
    assert OpinionIncident.objects.count() == generated["incidents"] == 12


def test_every_row_passes_its_models_validation(generated):
    # The database enforces the constraints already (bulk inserts would fail); full_clean also
    # checks choices, blank fields and the unique constraints the way a form would.
    models = [
        OrgUnit,
        User,
        StudySession,
        Attendance,
        PointsEntry,
        Inspection,
        Finding,
        RectificationTask,
        TaskEvent,
        ContentItem,
        ContentRevision,
        Publication,
        ReviewAssignment,
        OpinionIncident,
    ]
    for model in models:
        rows = model.objects.all()
        if model is User:
            rows = rows.filter(username__startswith=scale.PREFIX)
        for row in rows[:40]:
            row.full_clean()


def test_the_records_agree_with_each_other(generated):
    today = timezone.localdate()
    sessions = StudySession.objects.all()
    assert sessions.filter(date__lt=datetime.date(scale.FIRST_YEAR, 1, 1)).count() == 0
    assert sessions.aggregate(last=Max("date"))["last"] < today
    assert len(set(sessions.values_list("kind", flat=True))) >= 5
    # Attendance only of members of the session's section.
    assert not Attendance.objects.exclude(person__section=F("session__section")).exists()
    assert not Attendance.objects.filter(status="absent", absence_reason="").exists()

    tasks = RectificationTask.objects.all()
    states = set(tasks.values_list("state", flat=True))
    assert {"closed", "in_progress"} <= states
    assert (
        not tasks.filter(state="closed")
        .filter(Q(closed_at__isnull=True) | Q(closed_by__isnull=True))
        .exists()
    )
    assert tasks.exclude(state="closed").filter(deadline__lt=today).exists(), "some open tasks are overdue"
    for finding in Finding.objects.annotate(open_tasks=Count("tasks", filter=~Q(tasks__state="closed"))):
        assert (finding.status == "closed") == (finding.open_tasks == 0)
        assert (finding.closed_at is not None) == (finding.status == "closed")
    assert TaskEvent.objects.filter(kind="closed").count() == tasks.filter(state="closed").count()

    items = ContentItem.objects.all()
    assert {"published", "in_review", "draft"} <= set(items.values_list("status", flat=True))
    assert not items.filter(current_revision__isnull=True).exists()
    for item in items.filter(status__in=["published", "approved"]).select_related("approved_revision"):
        assert item.approved_revision_id == item.current_revision_id
        assert item.final_approved_at is not None
        signed = set(item.signoffs.filter(decision="approve").values_list("step", flat=True))
        assert set(item.required_steps) <= signed
    assert Publication.objects.count() == items.filter(status="published").count()
    for publication in Publication.objects.select_related("item"):
        assert publication.published_at >= publication.item.final_approved_at
    for item in items.filter(status="in_review"):
        assert item.current_step in item.required_steps and item.step_entered_at is not None
        reviewer = item.assignments.get(step=item.current_step, is_active=True).reviewer
        assert reviewer.pk != item.author_id
        assert has_step_grant(reviewer, item, item.current_step)
    for revision in ContentRevision.objects.all():
        assert revision.sha256 == content_digest(revision.title, revision.body)
    # Every sign-off is a genuine link of the hash chain.
    assert signoff_chain_problems() == []

    for incident in OpinionIncident.objects.all():
        assert incident.reported_at is None or incident.reported_at >= incident.found_at
        assert (incident.status == "handled") == (incident.handled_at is not None)


def test_each_batch_leaves_one_summarising_audit_entry_naming_the_source(generated):
    entries = AuditEntry.objects.filter(is_bulk=True, changes__source="test --scale")
    assert entries.exists()
    listed = sum(entry.changes["count"] for entry in entries)
    assert listed >= generated["sessions"] + generated["attendance"] + generated["tasks"]
    # Nothing row by row for the bulk records.
    assert AuditEntry.objects.filter(is_bulk=False, content_type__model="studysession").count() == 0


def test_the_areas_can_be_called_again_for_more_people():
    with summarised_audit(source="test"):
        first = scale.seed_people(sections=2, people=10)
        second = scale.seed_people(sections=1, people=6)
    assert not set(first.names) & set(second.names)
    assert OrgUnit.objects.filter(code__startswith=scale.PREFIX).count() == 3
    assert User.objects.filter(username__startswith=scale.PREFIX).count() == 16


def test_a_section_needs_three_people():
    with summarised_audit(source="test"), pytest.raises(ValueError, match="three people"):
        scale.seed_people(sections=4, people=12)


# The command ------------------------------------------------------------------------------------


@pytest.fixture
def quick_command(monkeypatch, tmp_path):
    """seed_demo with the demo people only and tiny synthetic sizes: the work areas' own demo
    data is tested in tests/<app>/test_demo.py."""
    # No work area's demo: the command's own list of contracts is emptied (people still come first).
    monkeypatch.setattr(seed_demo, "contracts", lambda: [])
    monkeypatch.setattr(scale.Sizes, "for_scale", classmethod(lambda cls, n: TINY))

    def run(*args, **options):
        out = StringIO()
        call_command("seed_demo", *args, logins_file=str(tmp_path / "logins.txt"), stdout=out, **options)
        return out.getvalue()

    return run


def test_scale_one_is_the_office_demo_only(quick_command):
    quick_command("--scale", "1")
    assert User.objects.filter(username="chenlihua").exists()
    assert not OrgUnit.objects.filter(code__startswith=scale.PREFIX).exists()


def test_scale_adds_synthetic_data_once_and_says_so_the_second_time(quick_command):
    output = quick_command("--scale", "3", password="demo-password-123")
    assert "规模数据（--scale 3）已生成" in output
    synthetic = OrgUnit.objects.filter(code__startswith=scale.PREFIX)
    assert synthetic.count() == TINY.sections
    # The synthetic sections hang under the demo office.
    assert set(synthetic.values_list("parent__code", flat=True)) == {"yunxi-office"}
    counts = (User.objects.count(), StudySession.objects.count(), SignOff.objects.count())
    audit = AuditEntry.objects.count()
    output = quick_command("--scale", "3")
    assert "规模数据已存在" in output and "未重复生成" in output
    assert (User.objects.count(), StudySession.objects.count(), SignOff.objects.count()) == counts
    assert AuditEntry.objects.count() == audit


@pytest.mark.parametrize("value", ["0", "-2", "abc", "1.5", "", "２x"])
def test_scale_must_be_a_whole_number_from_one(quick_command, value):
    with pytest.raises(CommandError, match="--scale 必须是不小于 1 的整数"):
        quick_command("--scale", value)
    assert not User.objects.exists()


def test_scale_refuses_only(quick_command):
    with pytest.raises(CommandError, match="不能与 --only 同时使用"):
        quick_command("--scale", "2", only="study")
    assert not User.objects.exists()
