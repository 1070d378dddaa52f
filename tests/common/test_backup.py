"""Backups that restore: back up the demo office with its evidence files, wipe the database and the
files, restore, and find the same rows, the same bytes and a sign-off chain that still verifies.
Runs on the database the suite runs on (pg_dump/pg_restore on PostgreSQL in CI, the SQLite
online-backup API otherwise)."""

import io
import json
import shutil

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from ideology_office.common.backup import backup_counts, evidence_root, record_counts
from ideology_office.common.models import Attachment
from ideology_office.common.services import attachment_add

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@pytest.fixture
def evidence_dir():
    # The test settings keep evidence files in a temporary directory of their own.
    return evidence_root()


def _files(root):
    return {
        path.relative_to(root).as_posix(): path.read_bytes() for path in root.rglob("*") if path.is_file()
    }


@pytest.mark.django_db(transaction=True)
def test_backup_wipe_restore_gives_back_every_row_and_every_byte(tmp_path, evidence_dir, migration_data):
    from positions.models import ContentItem

    call_command(
        "seed_demo",
        logins_file=str(tmp_path / "logins.txt"),
        password="backup-password-123",
        only="positions",
        stdout=io.StringIO(),
    )
    item = ContentItem.objects.order_by("pk").first()
    attachment_add(
        record=item, uploaded_file=SimpleUploadedFile("学习记录.pdf", PDF + b"%unique"), user=item.author
    )
    before_counts = record_counts()
    before_files = _files(evidence_dir)
    assert before_files and before_counts["common.Attachment"] >= 1

    out = io.StringIO()
    call_command("backup", output=str(tmp_path / "backups"), stdout=out)
    [backup] = list((tmp_path / "backups").glob("backup-*"))
    assert "备份完成" in out.getvalue()
    assert backup_counts(backup) == before_counts

    # Wipe: every row and every evidence file.
    call_command("flush", interactive=False)
    shutil.rmtree(evidence_dir)
    assert ContentItem.objects.count() == 0

    out = io.StringIO()
    call_command("restore", str(backup), yes=True, stdout=out)
    assert "与备份时一致" in out.getvalue()
    assert record_counts() == before_counts
    assert _files(evidence_dir) == before_files
    restored = Attachment.objects.get(original_name="学习记录.pdf")
    assert restored.file.open("rb").read() == PDF + b"%unique"
    # The sign-off chain of the restored review ledger still verifies.
    call_command("verify_signoffs", stdout=io.StringIO())


@pytest.mark.django_db(transaction=True)
def test_a_backup_whose_manifest_does_not_verify_is_refused_and_nothing_changes(
    tmp_path, evidence_dir, migration_data
):
    from tests.factories import UserFactory

    UserFactory(username="before-backup")
    call_command("backup", output=str(tmp_path / "backups"), stdout=io.StringIO())
    [backup] = list((tmp_path / "backups").glob("backup-*"))
    UserFactory(username="after-backup")
    counts = record_counts()

    database = next(path for path in backup.iterdir() if path.name.startswith("database."))
    data = bytearray(database.read_bytes())
    data[len(data) // 2] ^= 0xFF
    database.write_bytes(bytes(data))
    with pytest.raises(CommandError, match="与清单不符|does not match"):
        call_command("restore", str(backup), yes=True, stdout=io.StringIO())
    assert record_counts() == counts

    # A part added, or the manifest itself edited, is refused the same way.
    database.write_bytes(bytes(data))
    (backup / "evidence" / "extra.bin").write_bytes(b"x")
    with pytest.raises(CommandError):
        call_command("restore", str(backup), check=True, stdout=io.StringIO())


@pytest.mark.django_db(transaction=True)
def test_restore_asks_for_confirmation_and_backup_keeps_the_newest(tmp_path, evidence_dir, migration_data):
    root = tmp_path / "backups"
    for _ in range(3):
        call_command("backup", output=str(root), stdout=io.StringIO())
    call_command("backup", output=str(root), keep=2, stdout=io.StringIO())
    assert len(list(root.glob("backup-*"))) == 2
    newest = sorted(root.glob("backup-*"))[-1]
    with pytest.raises(CommandError, match="--yes"):
        call_command("restore", str(newest), stdout=io.StringIO())
    manifest = json.loads((newest / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["parts"] and all(len(part["sha256"]) == 64 for part in manifest["parts"].values())
    with pytest.raises(CommandError, match="不小于 1"):
        call_command("backup", output=str(root), keep=0, stdout=io.StringIO())
    with pytest.raises(CommandError, match="manifest"):
        call_command("restore", str(tmp_path), yes=True, stdout=io.StringIO())
