"""Reading the audit trail out: the Excel export of the 审计管理员 and the archiving of entries
older than the retention period (``AUDIT_RETENTION_DAYS``, at least 180 days).

**Archiving never deletes.** An archive is an Excel workbook of every entry older than the cutoff
(now minus the retention period), written to ``AUDIT_ARCHIVE_DIR`` with a manifest (count, first
and last sequence, the chain hash of the last entry, the workbook's SHA-256) and recorded twice:
as an :class:`~.trail.AuditArchive` row (which the database refuses to change or delete) and as an
entry of the trail itself. The entries stay in the table, marked archived on the audit page: the
chain stays whole and ``verify_audit`` keeps covering them, and PostgreSQL refuses DELETE anyway.
Only the 审计管理员 archives, from the admin or with ``manage.py archive_audit --user``.
"""

from __future__ import annotations

import datetime
import hashlib
import json
from pathlib import Path

from django.conf import settings
from django.core import checks
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from ideology_office.accounts import roles

from . import audit
from .trail import AuditArchive, AuditEntry

MINIMUM_RETENTION_DAYS = 180


def retention_days() -> int:
    return int(getattr(settings, "AUDIT_RETENTION_DAYS", MINIMUM_RETENTION_DAYS))


@checks.register(checks.Tags.security)
def check_retention(app_configs=None, **kwargs):
    days = getattr(settings, "AUDIT_RETENTION_DAYS", MINIMUM_RETENTION_DAYS)
    if not isinstance(days, int) or days < MINIMUM_RETENTION_DAYS:
        return [
            checks.Error(
                f"AUDIT_RETENTION_DAYS 为 {days}：审计记录至少保存 {MINIMUM_RETENTION_DAYS} 天（网络安全法要求不少于六个月）。",
                id="common.E001",
            )
        ]
    return []


def archived_before() -> datetime.datetime | None:
    """Entries older than this are archived (the newest archive's cutoff), or None."""
    return AuditArchive.objects.order_by("-cutoff").values_list("cutoff", flat=True).first()


# The workbook ---------------------------------------------------------------------------------


def _headers() -> list[str]:
    return [
        _("sequence"),
        _("time"),
        _("real name"),
        _("who (as recorded)"),
        _("address"),
        _("action"),
        _("record type"),
        _("record id"),
        _("record"),
        _("changes"),
        _("chain hash"),
    ]


def write_workbook(entries, target) -> int:
    """The entries (an AuditEntry queryset) as one .xlsx written to ``target`` (a path or a
    binary file), streamed (openpyxl's write-only mode); returns how many."""
    from openpyxl import Workbook

    from ideology_office.accounts.models import User

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("audit trail"))
    sheet.append(_headers())
    names = {}
    count = 0
    actions = dict(AuditEntry.Action.choices)
    for entry in entries.select_related("content_type").order_by("timestamp", "pk").iterator(chunk_size=2000):
        if entry.actor_id is not None and entry.actor_id not in names:
            names[entry.actor_id] = (
                User.objects.filter(pk=entry.actor_id).values_list("real_name", flat=True).first() or ""
            )
        sheet.append(
            [
                entry.sequence,
                timezone.localtime(entry.timestamp).strftime("%Y-%m-%d %H:%M:%S"),
                names.get(entry.actor_id, ""),
                entry.actor_label,
                entry.remote_addr or "",
                str(actions.get(entry.action, entry.action)),
                str(entry.content_type),
                entry.object_pk,
                entry.object_repr,
                json.dumps(entry.changes, ensure_ascii=False, default=str)[:32000],
                entry.chain_hash,
            ]
        )
        count += 1
    workbook.save(target)
    return count


# Archiving ------------------------------------------------------------------------------------


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def archive_old_entries(*, user, directory: str | Path | None = None, now=None) -> AuditArchive:
    """Export every entry older than the retention period not archived before into a workbook
    with a manifest, and record the archive (see the module's note). Only the 审计管理员."""
    if not roles.may_read_audit(user):
        raise PermissionDenied(_("Only the audit administrator archives the audit trail."))
    days = retention_days()
    if days < MINIMUM_RETENTION_DAYS:
        raise ValidationError(
            _("Audit entries are kept at least %(days)s days.") % {"days": MINIMUM_RETENTION_DAYS}
        )
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(days=days)
    since = archived_before()
    entries = AuditEntry.objects.filter(timestamp__lt=cutoff)
    if since is not None:
        entries = entries.filter(timestamp__gte=since)
    count = entries.count()
    if not count:
        raise ValidationError(
            _("No entry is older than the retention period (%(days)s days) and not yet archived.")
            % {"days": days}
        )
    directory = Path(
        directory or getattr(settings, "AUDIT_ARCHIVE_DIR", "") or Path(settings.BASE_DIR) / "var"
    )
    directory.mkdir(parents=True, exist_ok=True)
    stamp = timezone.localtime(now).strftime("%Y%m%d-%H%M%S")
    name = f"audit-archive-{stamp}.xlsx"
    path = directory / name
    written = write_workbook(entries, path)
    sha = _sha256(path)
    sequences = entries.filter(sequence__isnull=False).order_by("sequence")
    first = sequences.values_list("sequence", flat=True).first()
    last = sequences.reverse().values_list("sequence", "chain_hash").first()
    manifest = {
        "file": name,
        "sha256": sha,
        "entries": written,
        "entries_before": cutoff.isoformat(),
        "entries_since": since.isoformat() if since else None,
        "first_sequence": first,
        "last_sequence": last[0] if last else None,
        "last_chain_hash": last[1] if last else None,
        "retention_days": days,
        "archived_at": now.isoformat(),
        "archived_by": user.get_username(),
    }
    (directory / f"{name}.manifest.json").write_text(
        json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8"
    )
    archive = AuditArchive.objects.create(
        created_at=now,
        created_by=user,
        cutoff=cutoff,
        entry_count=written,
        first_sequence=first,
        last_sequence=last[0] if last else None,
        file_name=name,
        sha256=sha,
        manifest=manifest,
    )
    audit.record_entry(archive, "create", manifest, text=_("Audit archive %(name)s") % {"name": name})
    return archive
