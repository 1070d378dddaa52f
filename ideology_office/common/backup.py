"""Backups that restore: the database, the evidence files and a manifest of their SHA-256.

A backup is one directory::

    <output>/backup-20261206-083000-123456/
        database.dump        pg_dump custom format (PostgreSQL), or
        database.sqlite3     SQLite online-backup copy (consistent while the site runs)
        evidence/...         every evidence file, as stored (the names are random)
        manifest.json        when, which database, and every part's size and SHA-256
        counts.json          rows per model at backup time, to compare after a restore

``restore`` refuses a backup whose manifest does not verify (a part missing, added or changed),
before touching anything. Commands: ``manage.py backup --output DIR [--keep N]`` and
``manage.py restore DIR --yes``.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess  # noqa: S404 - pg_dump and pg_restore, with argument lists, never a shell
from dataclasses import dataclass
from pathlib import Path

from django.apps import apps
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

MANIFEST = "manifest.json"
COUNTS = "counts.json"
EVIDENCE_DIR = "evidence"
FORMAT_VERSION = 1
CHUNK = 1024 * 1024


class BackupError(Exception):
    """A backup or restore that cannot go on; the message is for the operator, in Chinese."""


@dataclass(frozen=True)
class BackupResult:
    path: Path
    files: int
    bytes: int


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def evidence_root() -> Path:
    """Where the evidence files are: the storage the attachments' file field writes to."""
    from .models import Attachment

    return Path(Attachment._meta.get_field("file").storage.location)


def record_counts() -> dict[str, int]:
    """Rows per concrete model of the product's apps: what a restore must give back."""
    counts = {}
    for model in apps.get_models():
        if model._meta.proxy or not model._meta.managed:
            continue
        counts[model._meta.label] = model._base_manager.count()
    return dict(sorted(counts.items()))


def _pg_environment() -> tuple[list[str], dict[str, str]]:
    params = connection.settings_dict
    args = ["--host", params.get("HOST") or "127.0.0.1", "--port", str(params.get("PORT") or 5432)]
    if params.get("USER"):
        args += ["--username", params["USER"]]
    env = {**os.environ}
    if params.get("PASSWORD"):
        env["PGPASSWORD"] = params["PASSWORD"]
    return args, env


def _dump_database(target: Path) -> str:
    if connection.vendor == "postgresql":
        args, env = _pg_environment()
        path = target / "database.dump"
        command = [
            "pg_dump",
            *args,
            "--format=custom",
            "--no-owner",
            "--file",
            str(path),
            connection.settings_dict["NAME"],
        ]
        result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
        if result.returncode != 0:
            raise BackupError(_("pg_dump failed: %(error)s") % {"error": result.stderr.strip()[-500:]})
        return path.name
    if connection.vendor == "sqlite":
        path = target / "database.sqlite3"
        connection.ensure_connection()
        with sqlite3.connect(path) as copy:
            # The online-backup API copies a consistent snapshot while the site keeps running.
            connection.connection.backup(copy)
        return path.name
    raise BackupError(
        _("Backups support PostgreSQL and SQLite, not %(vendor)s.") % {"vendor": connection.vendor}
    )


def _copy_evidence(target: Path) -> None:
    source = evidence_root()
    destination = target / EVIDENCE_DIR
    if source.exists():
        shutil.copytree(source, destination)
    else:
        destination.mkdir()


def _parts(root: Path) -> dict[str, dict]:
    parts = {}
    for path in sorted(root.rglob("*")):
        if path.is_file() and path.name != MANIFEST:
            relative = path.relative_to(root).as_posix()
            parts[relative] = {"size": path.stat().st_size, "sha256": sha256_of(path)}
    return parts


def backup_create(*, output: Path, keep: int | None = None) -> BackupResult:
    """Write a backup directory under ``output``; keep the newest ``keep`` backups there."""
    output = Path(output)
    output.mkdir(parents=True, exist_ok=True)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S-%f")
    final = output / f"backup-{stamp}"
    if final.exists():
        raise BackupError(_("A backup named %(name)s already exists.") % {"name": final.name})
    # Written under a temporary name and renamed at the end, so a half-written backup is never
    # taken for a whole one.
    work = output / f".incomplete-{stamp}"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir()
    try:
        database = _dump_database(work)
        _copy_evidence(work)
        (work / COUNTS).write_text(
            json.dumps(record_counts(), ensure_ascii=False, indent=1), encoding="utf-8"
        )
        parts = _parts(work)
        manifest = {
            "format": FORMAT_VERSION,
            "created_at": timezone.now().isoformat(),
            "vendor": connection.vendor,
            "database": database,
            "parts": parts,
        }
        (work / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
        work.rename(final)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    if keep:
        backups_prune(output=output, keep=keep)
    return BackupResult(path=final, files=len(parts), bytes=sum(part["size"] for part in parts.values()))


def backups_prune(*, output: Path, keep: int) -> list[Path]:
    """Delete all but the newest ``keep`` backups in ``output``."""
    backups = sorted(path for path in Path(output).glob("backup-*") if path.is_dir())
    removed = backups[:-keep] if keep > 0 else []
    for path in removed:
        shutil.rmtree(path)
    return removed


def backup_verify(path: Path) -> dict:
    """The manifest, if every part is there, unchanged, and nothing was added; BackupError otherwise."""
    path = Path(path)
    manifest_path = path / MANIFEST
    if not manifest_path.is_file():
        raise BackupError(_("%(path)s is not a backup: it has no manifest.json.") % {"path": path})
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        expected = manifest["parts"]
        database = manifest["database"]
        vendor = manifest["vendor"]
    except (ValueError, KeyError, TypeError) as error:
        raise BackupError(
            _("The manifest of this backup cannot be read: %(error)s") % {"error": error}
        ) from error
    actual = _parts(path)
    problems = []
    for name in sorted(set(expected) | set(actual)):
        if name not in actual:
            problems.append(_("missing: %(name)s") % {"name": name})
        elif name not in expected:
            problems.append(_("not in the manifest: %(name)s") % {"name": name})
        elif actual[name]["sha256"] != expected[name]["sha256"]:
            problems.append(_("changed since the backup: %(name)s") % {"name": name})
    if problems:
        raise BackupError(
            _("The backup does not match its manifest; nothing was restored. %(problems)s")
            % {"problems": "；".join(problems[:20])}
        )
    if database not in expected:
        raise BackupError(_("The manifest names no database file."))
    if vendor != connection.vendor:
        raise BackupError(
            _("This backup is of a %(backup)s database; this site runs on %(site)s.")
            % {"backup": vendor, "site": connection.vendor}
        )
    return manifest


def _restore_database(path: Path, manifest: dict) -> None:
    source = path / manifest["database"]
    if connection.vendor == "postgresql":
        args, env = _pg_environment()
        connection.close()
        command = [
            "pg_restore", *args, "--clean", "--if-exists", "--no-owner", "--single-transaction",
            "--dbname", connection.settings_dict["NAME"], str(source),
        ]  # fmt: skip
        result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
        if result.returncode != 0:
            raise BackupError(_("pg_restore failed: %(error)s") % {"error": result.stderr.strip()[-500:]})
        return
    connection.ensure_connection()
    with sqlite3.connect(source) as copy:
        copy.backup(connection.connection)


def _restore_evidence(path: Path) -> None:
    root = evidence_root()
    incoming = path / EVIDENCE_DIR
    staged = root.with_name(root.name + ".restoring")
    shutil.rmtree(staged, ignore_errors=True)
    shutil.copytree(incoming, staged)
    old = root.with_name(root.name + ".replaced")
    shutil.rmtree(old, ignore_errors=True)
    if root.exists():
        root.rename(old)
    staged.rename(root)
    shutil.rmtree(old, ignore_errors=True)


def backup_restore(path: Path) -> dict[str, int]:
    """Verify, then replace the database and the evidence files with the backup's; the rows per
    model after the restore."""
    path = Path(path)
    manifest = backup_verify(path)
    _restore_database(path, manifest)
    _restore_evidence(path)
    return record_counts()


def backup_counts(path: Path) -> dict[str, int]:
    return json.loads((Path(path) / COUNTS).read_text(encoding="utf-8"))


__all__ = [
    "BackupError",
    "backup_counts",
    "backup_create",
    "backup_restore",
    "backup_verify",
    "backups_prune",
]
