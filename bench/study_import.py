"""Benchmark of the study-records import (run by hand, not a test).

    .venv/bin/python bench/study_import.py [--rows 100000] [--plain-rows 5000]

Creates (if missing) and migrates the PostgreSQL database ``ideology_study_bench``, seeds the demo
people, writes a study-records .xlsx of ``--rows`` rows, and imports it through the study
pipeline; imports the same file once more (every row found unchanged: nothing may be written);
then imports the first ``--plain-rows`` of the same records through a plain django-import-export
``ModelResource`` with default settings (its usual door: its own XLSX format and
``import_data``). Each import runs in a fresh child process so that its peak memory
(``ru_maxrss``) is its own. Prints rows/s, peak memory, the audit entries written and the
machine's load average (1 min) before and after each run: the machine is shared.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATABASE = "ideology_study_bench"
DATABASE_URL = os.environ.get("BENCH_DATABASE_URL", f"postgres://postgres@127.0.0.1:5432/{DATABASE}")
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


def prepare(rows: int, plain_rows: int) -> tuple[Path, Path]:
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
    _write_plain(plain, plain_rows)
    return records, plain


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
    started = time.perf_counter()
    with audit_context(label="bench"):
        result = import_file("study_records", data, path.name, user=None)
    elapsed = time.perf_counter() - started
    assert result.ok, result.errors[:5]
    if again:
        assert (result.created, result.updated, result.unchanged) == (0, 0, result.total_rows), result
    return {
        "rows": result.total_rows,
        "seconds": elapsed,
        "audit_entries": AuditEntry.objects.count() - audit_before,
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
    started = time.perf_counter()
    with audit_context(label="bench"):
        dataset = XLSX().create_dataset(data)
        result = PlainResource().import_data(dataset, dry_run=False)
    elapsed = time.perf_counter() - started
    assert not result.has_errors() and not result.has_validation_errors()
    return {"rows": len(dataset), "seconds": elapsed, "audit_entries": AuditEntry.objects.count()}


def child(which: str, path: str) -> None:
    if which == "plain":
        figures = run_plain(Path(path))
    else:
        figures = run_pipeline(Path(path), again=which == "pipeline-again")
    # ru_maxrss is in kilobytes on Linux.
    figures["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(figures))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--plain-rows", type=int, default=5_000)
    parser.add_argument("--child", choices=["pipeline", "pipeline-again", "plain"])
    parser.add_argument("--file")
    options = parser.parse_args()
    if options.child:
        child(options.child, options.file)
        return
    records, plain = prepare(options.rows, options.plain_rows)
    figures = {}
    runs = (("pipeline", records), ("pipeline-again", records), ("plain", plain))
    for which, path in runs:
        load_before = os.getloadavg()[0]
        output = subprocess.run(  # noqa: S603 - this same script, fixed arguments
            [sys.executable, __file__, "--child", which, "--file", str(path)],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        figures[which] = json.loads(output.strip().splitlines()[-1])
        figures[which]["load"] = (load_before, os.getloadavg()[0])
    labels = {
        "pipeline": "study pipeline",
        "pipeline-again": "  same file again",
        "plain": "plain ModelResource",
    }
    print(f"{datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} cores")
    for which, _path in runs:
        item = figures[which]
        print(
            f"{labels[which]:<20} {item['rows']:>7} rows in {item['seconds']:7.1f} s = "
            f"{item['rows'] / item['seconds']:8.0f} rows/s, peak memory {item['peak_mb']:4.0f} MB, "
            f"{item['audit_entries']:>6} audit entries, load {item['load'][0]:.1f} → {item['load'][1]:.1f}"
        )
    ratio = (figures["pipeline"]["rows"] / figures["pipeline"]["seconds"]) / (
        figures["plain"]["rows"] / figures["plain"]["seconds"]
    )
    print(f"speed-up: {ratio:.1f}×")


if __name__ == "__main__":
    main()
