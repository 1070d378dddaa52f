"""Benchmark of the study-records import (run by hand, not a test).

    .venv/bin/python bench/study_import.py [--rows 100000] [--tuned-rows N] [--plain-rows 5000]
    .venv/bin/python bench/study_import.py --child pipeline --file var/bench/study-records-100000.xlsx \
        --profile var/bench/pipeline.prof

Creates (if missing) and migrates the PostgreSQL database ``ideology_study_bench`` (another name
with ``BENCH_DATABASE_URL``), seeds the demo people, writes a study-records .xlsx of ``--rows``
rows, and measures, each in a fresh child process so that its peak memory (``ru_maxrss``) is its
own, all in one run:

- ``pipeline``: the study pipeline (``import_file``) on the file, into empty study tables;
- ``pipeline-again``: the same file once more (every row found unchanged: nothing may be written);
- ``floor``: the pipeline's own reader (``read_table``) and PostgreSQL ``COPY`` of the same rows
  into the same tables (sessions, attendance, tag links), names resolved to ids with dicts, no
  validation, no audit trail: what any import of this file must at least do;
- ``tuned``: a django-import-export ``ModelResource`` tuned the well-known way (``use_bulk``,
  ``skip_diff``, ``force_init_instance``, ``batch_size``, a foreign-key widget that reads all
  sections and people in one query) reading the same file through its own XLSX format, inside the
  same ``summarised_audit``; bulk mode cannot write many-to-many links or child rows, so it writes
  the sessions only (compared per row);
- ``plain``: a ``ModelResource`` with default settings, on the first ``--plain-rows`` records.

Prints rows/s, peak memory, the audit entries written, the 1-minute load average before and after
each run (the machine is shared), and the ratios of the same run.
"""

from __future__ import annotations

import argparse
import datetime
import functools
import inspect
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATABASE_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/ideology_study_bench")
DATABASE = DATABASE_URL.rsplit("/", 1)[-1]
WORK_DIR = ROOT / "var" / "bench"

KINDS = ["理论学习中心组学习", "专题研讨", "支部党员大会", "党小组会", "主题党日"]
SECTIONS = ["秘书股", "综合股", "信息股", "督查股", "机要股", "行政股"]
TAGS = ["意识形态", "网络安全", "党的二十大精神", "法治思想", "民族团结"]


def setup_django():
    sys.path.insert(0, str(ROOT))
    os.environ["DATABASE_URL"] = DATABASE_URL
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ideology_office.settings.base")
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz")
    import django

    django.setup()


def prepare(rows: int, tuned_rows: int, plain_rows: int) -> tuple[Path, Path, Path]:
    createdb = ["createdb", "-h", "127.0.0.1", "-U", "postgres", DATABASE]
    # Fixed arguments and the PostgreSQL client on PATH; "already exists" is fine.
    subprocess.run(createdb, capture_output=True, check=False)  # noqa: S603, S607
    setup_django()
    from django.core.management import call_command

    from ideology_office.accounts import demo as accounts_demo
    from ideology_office.accounts.models import User

    call_command("migrate", verbosity=0)
    accounts_demo.seed(password="bench-password-0123", log=lambda message: None)  # noqa: S106 - bench-only DB
    people = list(User.objects.order_by("pk").values_list("real_name", flat=True))
    WORK_DIR.mkdir(parents=True, exist_ok=True)
    records = WORK_DIR / f"study-records-{rows}.xlsx"
    plain = WORK_DIR / f"study-records-plain-{plain_rows}.xlsx"
    _write_records(records, rows, people)
    tuned = records
    if tuned_rows != rows:
        tuned = WORK_DIR / f"study-records-{tuned_rows}.xlsx"
        _write_records(tuned, tuned_rows, people)
    _write_plain(plain, plain_rows)
    return records, tuned, plain


def _record(index: int, people: list[str]) -> list:
    day = datetime.date(2015, 1, 1) + datetime.timedelta(days=index % 3650)
    present = "、".join(people[(index + offset) % len(people)] for offset in range(3))
    return [
        day,
        KINDS[index % len(KINDS)],
        f"基准学习记录第{index + 1}号",
        SECTIONS[index % len(SECTIONS)],
        "09:00",
        "11:00",
        "三楼会议室",
        people[index % len(people)],
        people[(index + 7) % len(people)],
        "、".join(TAGS[(index + offset) % len(TAGS)] for offset in range(2)),
        present,
    ]


def _write_records(path: Path, rows: int, people: list[str]) -> None:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("学习记录")
    sheet.append(
        [
            "日期",
            "类型",
            "主题",
            "组织股室",
            "开始时间",
            "结束时间",
            "地点",
            "主持人",
            "记录人",
            "标签",
            "出席人员",
        ]
    )
    for index in range(rows):
        sheet.append(_record(index, people))
    workbook.save(path)


def _write_plain(path: Path, rows: int) -> None:
    """The same records in the field names a default ModelResource expects."""
    from openpyxl import Workbook

    from ideology_office.accounts.models import OrgUnit, User
    from study.models import StudySession

    sections = dict(OrgUnit.objects.values_list("name", "pk"))
    # Ordered as in prepare(), so that every record names the same people as in the big file.
    people = dict(User.objects.order_by("pk").values_list("real_name", "pk"))
    kinds = {
        "理论学习中心组学习": "central_group",
        "专题研讨": "thematic_discussion",
        "支部党员大会": "branch_general",
        "党小组会": "party_group",
        "主题党日": "themed_party_day",
    }
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("records")
    sheet.append(
        ["id", "kind", "date", "topic", "section", "start_time", "end_time", "place", "host", "recorder"]
    )
    names = list(people)
    for index in range(rows):
        record = _record(index, names)
        sheet.append(
            [
                "",
                kinds[record[1]],
                record[0],
                record[2],
                sections[record[3]],
                record[4],
                record[5],
                record[6],
                people[record[7]],
                people[record[8]],
            ]
        )
    workbook.save(path)
    assert StudySession  # the model the plain resource writes


def _clear_study_tables() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE study_attendance, study_speech, study_studysession_tags, study_studysession_materials,"
            " study_studysession, study_tag, common_auditentry RESTART IDENTITY CASCADE"
        )


class Clock:
    """Wall time, this process's CPU time and its PostgreSQL backend's CPU time (read from
    /proc: the server runs on this machine). The CPU seconds depend far less on the load of the
    shared machine than the wall time does."""

    def __init__(self):
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            self.backend = cursor.fetchone()[0]
        self.wall, self.cpu, self.db_cpu = time.perf_counter(), self._own(), self._backend()

    @staticmethod
    def _own() -> float:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        return usage.ru_utime + usage.ru_stime

    def _backend(self) -> float:
        try:
            fields = Path(f"/proc/{self.backend}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return float("nan")
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def figures(self) -> dict:
        return {
            "seconds": time.perf_counter() - self.wall,
            "cpu": self._own() - self.cpu,
            "db_cpu": self._backend() - self.db_cpu,
        }


def run_pipeline(path: Path, *, again: bool = False) -> dict:
    """Import ``path`` into empty study tables, or (``again``) into what the last run left."""
    setup_django()
    from ideology_office.common.audit import audit_context
    from ideology_office.common.models import AuditEntry
    from study.imports import import_file

    if not again:
        _clear_study_tables()
    audit_before = AuditEntry.objects.count()
    data = path.read_bytes()
    clock = Clock()
    with audit_context(label="bench"):
        result = import_file("study_records", data, path.name, user=None)
    figures = clock.figures()
    assert result.ok, result.errors[:5]
    if again:
        assert (result.created, result.updated, result.unchanged) == (0, 0, result.total_rows), result
    return {"rows": result.total_rows, **figures, "audit_entries": AuditEntry.objects.count() - audit_before}


def run_phases(path: Path) -> dict:
    """The pipeline on new rows with each phase timed (wall clock, and the PostgreSQL backend's
    CPU where the phase talks to the database): reading, checking, lookups, COPY text, COPY,
    audit entries, commit (the deferred foreign-key checks) and the chaining of the audit entries
    after it. The wrappers cost a little: the total is slightly above an unwrapped run's."""
    setup_django()
    from django.db.backends.base.base import BaseDatabaseWrapper

    from ideology_office.common import audit, audit_chain, bulk, rollups
    from ideology_office.common.audit import audit_context
    from study import imports

    _clear_study_tables()
    clock = Clock()
    spent: dict[str, list[float]] = {}

    def add(name: str, wall: float, db: float) -> None:
        total = spent.setdefault(name, [0.0, 0.0])
        total[0] += wall
        total[1] += db

    def timed(owner, attribute: str, name: str, *, nested_in: str | None = None) -> None:
        original = getattr(owner, attribute)

        @functools.wraps(original)
        def wrapper(*args, **kwargs):
            wall, db = time.perf_counter(), clock._backend()
            try:
                return original(*args, **kwargs)
            finally:
                wall, db = time.perf_counter() - wall, clock._backend() - db
                add(name, wall, db)
                if nested_in:  # counted in its own phase, not in the enclosing one
                    add(nested_in, -wall, -db)

        static = isinstance(inspect.getattr_static(owner, attribute), staticmethod)
        setattr(owner, attribute, staticmethod(wrapper) if static else wrapper)

    original_read = imports.read_table

    def read_table(*args, **kwargs):
        table = original_read(*args, **kwargs)
        source = table.source

        def rows():
            while True:
                wall = time.perf_counter()
                item = next(source, None)
                add("read the sheet", time.perf_counter() - wall, 0.0)
                if item is None:
                    return
                yield item

        table.source = rows()
        return table

    imports.read_table = read_table
    timed(imports.StudyRecordsSpec, "validate", "check every row (and lookups)")
    timed(imports._StudyLookups, "load", "lookups", nested_in="check every row (and lookups)")
    timed(imports.StudyRecordsSpec, "_known_period", "lookups")
    timed(imports.StudyRecordsSpec, "_tag_ids", "lookups")
    timed(bulk, "_copy_text", "build COPY text")
    timed(bulk, "_copy", "COPY (and keys from the sequence)")
    timed(audit, "record_batch", "audit entries (listing, MAC, INSERT)")
    timed(audit_chain, "seal_pending", "chain the audit entries after the commit")
    timed(BaseDatabaseWrapper, "commit", "commit (deferred foreign-key checks)")
    timed(rollups, "_buckets_of_pks", "summary tables: the buckets of each batch")
    timed(rollups, "refresh", "summary tables: recount the buckets once at the end")
    data = path.read_bytes()
    with audit_context(label="bench"):
        result = imports.import_file("study_records", data, path.name, user=None)
    figures = clock.figures()
    assert result.ok, result.errors[:5]
    # Reading happens inside the checking loop; COPY text inside COPY; the chaining commits too.
    spent["check every row (and lookups)"][0] -= spent["read the sheet"][0]
    for outer, inner in (
        ("COPY (and keys from the sequence)", "build COPY text"),
        ("commit (deferred foreign-key checks)", "chain the audit entries after the commit"),
    ):
        spent[outer] = [a - b for a, b in zip(spent[outer], spent[inner], strict=True)]
    from ideology_office.common.models import AuditEntry

    return {
        "rows": result.total_rows,
        **figures,
        "audit_entries": AuditEntry.objects.count(),
        "phases": spent,
    }


def run_floor(path: Path) -> dict:
    """The floor: the pipeline's reader, then COPY of the same rows into the same tables, in one
    transaction (committed, so that PostgreSQL's deferred foreign-key checks are counted, as for
    the pipeline). Names become ids through dicts; nothing is checked, no audit entry is written."""
    setup_django()
    import io

    from django.db import connection, transaction
    from django.utils import timezone

    from ideology_office.accounts.models import OrgUnit, User
    from study.imports import KIND_ALIASES, read_table
    from study.models import Attendance, StudySession, Tag

    _clear_study_tables()
    data = path.read_bytes()
    clock = Clock()
    table = read_table(data, path.name)
    column = {header: position for position, header in enumerate(table.headers)}
    at = [
        column[header]
        for header in ("日期", "类型", "主题", "组织股室", "开始时间", "结束时间", "地点", "主持人", "记录人")
    ]
    tags_at, present_at = column["标签"], column["出席人员"]
    sections = dict(OrgUnit.objects.values_list("name", "pk"))
    people = dict(User.objects.values_list("real_name", "pk"))
    sessions, tag_links, attendance = [], [], []
    tag_names: set[str] = set()
    for _number, values in table.rows:
        date, kind, topic, section, start, end, place, host, recorder = (values[i] for i in at)
        day = date.date() if isinstance(date, datetime.datetime) else date
        sessions.append(
            (
                KIND_ALIASES[kind],
                day,
                topic,
                sections[section],
                start,
                end,
                place,
                people[host],
                people[recorder],
            )
        )
        tags = values[tags_at].split("、")
        tag_names.update(tags)
        tag_links.append(tags)
        attendance.append([people[name] for name in values[present_at].split("、")])
    now = timezone.now().isoformat()
    with transaction.atomic(), connection.cursor() as cursor:
        tag_ids = _floor_tags(cursor, tag_names, now)
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence('study_studysession', 'id')) FROM generate_series(1, %s)",
            [len(sessions)],
        )
        pks = [row[0] for row in cursor.fetchall()]
        raw = cursor.cursor
        session_text = "".join(
            f"{pk}\t{kind}\t\t{day}\t{topic}\t{section}\t{start}\t{end}\t{place}\t{host}\t{recorder}"
            f"\t\t\t{now}\t{now}\n"
            for pk, (kind, day, topic, section, start, end, place, host, recorder) in zip(
                pks, sessions, strict=True
            )
        )
        raw.copy_expert(
            f"COPY {StudySession._meta.db_table} (id, kind, first_agenda_venue, date, topic, section_id,"
            " start_time, end_time, place, host_id, recorder_id, minutes, void_reason, created_at, updated_at)"
            " FROM STDIN",
            io.StringIO(session_text),
        )
        del session_text
        link_text = "".join(
            f"{pk}\t{tag_ids[name]}\n" for pk, names in zip(pks, tag_links, strict=True) for name in names
        )
        raw.copy_expert(
            f"COPY {StudySession.tags.through._meta.db_table} (studysession_id, tag_id) FROM STDIN",
            io.StringIO(link_text),
        )
        del link_text
        present = Attendance.Status.PRESENT
        attendance_text = "".join(
            f"{pk}\t{person}\t{present}\t\t{now}\t{now}\n"
            for pk, persons in zip(pks, attendance, strict=True)
            for person in persons
        )
        raw.copy_expert(
            f"COPY {Attendance._meta.db_table} (session_id, person_id, status, absence_reason,"
            " created_at, updated_at) FROM STDIN",
            io.StringIO(attendance_text),
        )
    figures = clock.figures()
    assert Tag.objects.count() == len(tag_ids)
    return {"rows": len(sessions), **figures, "audit_entries": 0}


def _floor_tags(cursor, names: set[str], now: str) -> dict[str, int]:
    cursor.execute(
        "INSERT INTO study_tag (name, created_at, updated_at) SELECT unnest(%s::varchar[]), %s, %s"
        " ON CONFLICT (name) DO NOTHING",
        [sorted(names), now, now],
    )
    cursor.execute("SELECT name, id FROM study_tag WHERE name = ANY(%s)", [sorted(names)])
    return dict(cursor.fetchall())


def tuned_resource():
    """A ModelResource tuned as django-import-export 4's documentation advises for large files."""
    from import_export import fields, resources, widgets

    from ideology_office.accounts.models import OrgUnit, User
    from study.imports import KIND_ALIASES
    from study.models import StudySession

    class CachedForeignKeyWidget(widgets.ForeignKeyWidget):
        """ForeignKeyWidget reading every related row once (one query), then a dict per value."""

        def __init__(self, model, field):
            super().__init__(model, field)
            self.cache = None

        def clean(self, value, row=None, **kwargs):
            if not value:
                return None
            if self.cache is None:
                self.cache = {getattr(item, self.field): item for item in self.get_queryset(value, row)}
            try:
                return self.cache[value]
            except KeyError:
                raise ValueError(f"no {self.model.__name__} {value!r}") from None

    class KindWidget(widgets.Widget):
        def clean(self, value, row=None, **kwargs):
            return KIND_ALIASES[value]

    def field(attribute, header, widget=None):
        return fields.Field(attribute=attribute, column_name=header, widget=widget)

    class TunedResource(resources.ModelResource):
        date = field("date", "日期", widgets.DateWidget())
        kind = field("kind", "类型", KindWidget())
        topic = field("topic", "主题")
        section = field("section", "组织股室", CachedForeignKeyWidget(OrgUnit, "name"))
        start_time = field("start_time", "开始时间", widgets.TimeWidget("%H:%M"))
        end_time = field("end_time", "结束时间", widgets.TimeWidget("%H:%M"))
        place = field("place", "地点")
        host = field("host", "主持人", CachedForeignKeyWidget(User, "real_name"))
        recorder = field("recorder", "记录人", CachedForeignKeyWidget(User, "real_name"))

        class Meta:
            model = StudySession
            fields = (
                "date",
                "kind",
                "topic",
                "section",
                "start_time",
                "end_time",
                "place",
                "host",
                "recorder",
            )
            import_id_fields = ("date", "kind", "topic")
            use_bulk = True
            batch_size = 2_000
            skip_diff = True
            force_init_instance = True
            skip_unchanged = False
            use_transactions = True

    # The two people widgets share one cache: one query for all people.
    TunedResource.fields["recorder"].widget = TunedResource.fields["host"].widget
    return TunedResource()


def run_tuned(path: Path) -> dict:
    setup_django()
    from import_export.formats.base_formats import XLSX

    from ideology_office.common.audit import audit_context, summarised_audit
    from ideology_office.common.models import AuditEntry
    from study.models import StudySession

    _clear_study_tables()
    data = path.read_bytes()
    clock = Clock()
    with audit_context(label="bench"), summarised_audit(source=path.name):
        dataset = XLSX().create_dataset(data)
        read = time.perf_counter() - clock.wall
        result = tuned_resource().import_data(dataset, dry_run=False, raise_errors=True)
    figures = clock.figures()
    assert not result.has_errors() and not result.has_validation_errors()
    assert StudySession.objects.count() == len(dataset)
    return {
        "rows": len(dataset),
        **figures,
        "read_seconds": read,
        "audit_entries": AuditEntry.objects.count(),
    }


def run_plain(path: Path) -> dict:
    setup_django()
    from import_export import resources
    from import_export.formats.base_formats import XLSX

    from ideology_office.common.audit import audit_context
    from study.models import StudySession

    class PlainResource(resources.ModelResource):
        class Meta:
            model = StudySession

    from ideology_office.common.models import AuditEntry

    _clear_study_tables()
    data = path.read_bytes()
    clock = Clock()
    with audit_context(label="bench"):
        dataset = XLSX().create_dataset(data)
        result = PlainResource().import_data(dataset, dry_run=False)
    figures = clock.figures()
    assert not result.has_errors() and not result.has_validation_errors()
    return {"rows": len(dataset), **figures, "audit_entries": AuditEntry.objects.count()}


RUNS = {
    "pipeline": run_pipeline,
    "pipeline-again": functools.partial(run_pipeline, again=True),
    "floor": run_floor,
    "tuned": run_tuned,
    "plain": run_plain,
    "phases": run_phases,
}
LABELS = {
    "pipeline": "study pipeline",
    "pipeline-again": "  same file again",
    "floor": "floor: reader + COPY",
    "tuned": "tuned ModelResource",
    "plain": "plain ModelResource",
    "phases": "pipeline, timed",
}


def child(which: str, path: str, profile: str | None = None) -> None:
    if profile:
        import cProfile

        profiler = cProfile.Profile()
        figures = profiler.runcall(RUNS[which], Path(path))
        profiler.dump_stats(profile)
    else:
        figures = RUNS[which](Path(path))
    # ru_maxrss is in kilobytes on Linux.
    figures["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(figures))


def _rate(item: dict) -> float:
    return item["rows"] / item["seconds"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--tuned-rows", type=int, help="records for the tuned resource (default: --rows)")
    parser.add_argument("--plain-rows", type=int, default=5_000)
    parser.add_argument("--child", choices=list(RUNS))
    parser.add_argument("--file")
    parser.add_argument("--profile", help="with --child: write cProfile statistics to this file")
    parser.add_argument("--only", nargs="+", choices=list(RUNS), help="run only these (in this order)")
    options = parser.parse_args()
    if options.child:
        child(options.child, options.file, options.profile)
        return
    records, tuned, plain = prepare(options.rows, options.tuned_rows or options.rows, options.plain_rows)
    files = {
        "pipeline": records,
        "pipeline-again": records,
        "floor": records,
        "tuned": tuned,
        "plain": plain,
        "phases": records,
    }
    figures = {}
    # The floor first, then the pipeline and its re-import, then the baselines.
    runs = options.only or ["floor", "pipeline", "pipeline-again", "tuned", "plain", "phases"]
    started = datetime.datetime.now(datetime.UTC)
    for which in runs:
        load_before = os.getloadavg()[0]
        output = subprocess.run(  # noqa: S603 - this same script, fixed arguments
            [sys.executable, __file__, "--child", which, "--file", str(files[which])],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        figures[which] = json.loads(output.strip().splitlines()[-1])
        figures[which]["load"] = (load_before, os.getloadavg()[0])
    print(f"{started:%Y-%m-%d %H:%M} UTC, {os.cpu_count()} cores, `uptime`: {_uptime()}")
    for which in runs:
        item = figures[which]
        extra = f" (reading {item['read_seconds']:.1f} s)" if "read_seconds" in item else ""
        print(
            f"{LABELS[which]:<21} {item['rows']:>7} rows in {item['seconds']:7.1f} s = "
            f"{_rate(item):8.0f} rows/s, CPU {item['cpu']:5.1f} s + database {item['db_cpu']:5.1f} s, "
            f"peak memory {item['peak_mb']:4.0f} MB, "
            f"{item['audit_entries']:>6} audit entries, load {item['load'][0]:.1f} → {item['load'][1]:.1f}{extra}"
        )
        for phase, (wall, db) in item.get("phases", {}).items():
            print(f"    {phase:<45} {wall:6.2f} s (database CPU {db:5.2f} s)")
    if "pipeline" in figures:
        ours = _rate(figures["pipeline"])
        for which, text in (
            ("floor", "ours/floor: the pipeline takes {:.2f}× the floor's time per row"),
            ("tuned", "ours/tuned: {:.1f}× the tuned resource's rate per row"),
            ("plain", "ours/plain: {:.1f}× the plain resource's rate per row"),
        ):
            if which in figures:
                ratio = _rate(figures[which]) / ours if which == "floor" else ours / _rate(figures[which])
                print(text.format(ratio))
        if "floor" in figures:
            cpu = {which: figures[which]["cpu"] + figures[which]["db_cpu"] for which in ("pipeline", "floor")}
            print(
                f"ours/floor in CPU seconds (Python + PostgreSQL backend): {cpu['pipeline'] / cpu['floor']:.2f}×"
            )


def _uptime() -> str:
    return subprocess.run(  # noqa: S603
        ["uptime"],  # noqa: S607
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "TZ": "UTC"},
    ).stdout.strip()


if __name__ == "__main__":
    main()
