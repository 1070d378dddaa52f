"""Writes shared by every work area: evidence files and voiding."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from pathlib import PurePosixPath
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _

from .file_types import ACCEPTED_KINDS, FileKind, detect_kind
from .models import Attachment, VoidableModel


def evidence_file_validate(uploaded_file) -> FileKind:
    """Refuse an empty, oversized or unaccepted file, or one whose name lies about its content."""
    if uploaded_file is None:
        raise ValidationError(_("Choose a file to upload."), code="required")
    if uploaded_file.size == 0:
        raise ValidationError(_("The file is empty."), code="empty")
    limit = settings.ATTACHMENT_MAX_BYTES
    if uploaded_file.size > limit:
        raise ValidationError(
            _("The file is %(size)s; files may be at most %(limit)s.")
            % {"size": filesizeformat(uploaded_file.size), "limit": filesizeformat(limit)},
            code="too_large",
        )
    kind = detect_kind(uploaded_file)
    if kind is None:
        accepted = "、".join(str(kind.label) for kind in ACCEPTED_KINDS)
        raise ValidationError(
            _("This type of file is not accepted. Accepted: %(accepted)s.") % {"accepted": accepted},
            code="type_not_accepted",
        )
    extension = PurePosixPath(uploaded_file.name or "").suffix.lower()
    if extension not in kind.extensions:
        raise ValidationError(
            _(
                "The file name ends in “%(extension)s” but the content is a %(kind)s; rename it to %(expected)s."
            )
            % {
                "extension": extension or _("(no extension)"),
                "kind": kind.label,
                "expected": " / ".join(kind.extensions),
            },
            code="extension_mismatch",
        )
    return kind


def _sha256_of(uploaded_file) -> str:
    digest = hashlib.sha256()
    uploaded_file.seek(0)
    for chunk in uploaded_file.chunks():
        digest.update(chunk)
    uploaded_file.seek(0)
    return digest.hexdigest()


def attachment_add(*, record: models.Model, uploaded_file, user, description: str = "") -> Attachment:
    """Store an evidence file for ``record`` after checking its content; the row and the file
    are written together or not at all."""
    kind = evidence_file_validate(uploaded_file)
    original_name = PurePosixPath(uploaded_file.name).name[:255]
    attachment = Attachment(
        record=record,
        original_name=original_name,
        mime_type=kind.mime_type,
        size=uploaded_file.size,
        sha256=_sha256_of(uploaded_file),
        description=description.strip(),
        created_by=user,
    )
    attachment.full_clean(exclude=["file"])
    with transaction.atomic():
        attachment.file.save(original_name, uploaded_file, save=False)
        stored_name = attachment.file.name
        storage = attachment.file.storage
        try:
            attachment.save()
        except Exception:
            # The row was not written: do not leave its file behind.
            if stored_name:
                storage.delete(stored_name)
            raise
    return attachment


@transaction.atomic
def record_void(*, record: VoidableModel, user, reason: str) -> VoidableModel:
    """Mark a record void (作废) with a reason. It stays in every ledger, shown as voided."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give a reason for voiding.")}, code="reason_required")
    locked = type(record).objects.select_for_update().get(pk=record.pk)
    if locked.is_voided:
        raise ValidationError(_("This record was already voided."), code="already_voided")
    locked.voided_at = timezone.now()
    locked.voided_by = user
    locked.void_reason = reason
    locked.save(update_fields=["voided_at", "voided_by", "void_reason", "updated_at"])
    return locked


def editable_fields(model: type[models.Model]) -> tuple[str, ...]:
    """The names of the fields of ``model`` a form may set (its editable concrete fields, not its id)."""
    return tuple(
        field.name for field in model._meta.concrete_fields if field.editable and not field.primary_key
    )


def model_update(
    *,
    instance: models.Model,
    fields: Iterable[str],
    data: dict,
    lock: bool = True,
    voided_message: str | None = None,
    check: Callable[[Any], None] | None = None,
    prepare: Callable[[Any], None] | None = None,
    validate: Callable[[Any], None] | None = None,
) -> tuple[Any, bool]:
    """The update services' one way to change a record: lock its row, refuse a voided record, set
    the ``fields`` given in ``data`` (text stripped; ``check`` sees the locked record before), let ``prepare`` apply the service's derived
    fields, check it (``validate``, the service's own check, else ``full_clean``), and save only
    when something changed.

    Returns the locked, updated record and whether anything changed. A key of ``data`` outside
    ``fields`` is a programming error (TypeError), never silently written or dropped."""
    allowed = tuple(fields)
    unknown = set(data) - set(allowed)
    if unknown:
        raise TypeError(f"{type(instance).__name__} cannot be updated with: {sorted(unknown)}")
    model = type(instance)
    record = model._default_manager.select_for_update().get(pk=instance.pk) if lock else instance
    if getattr(record, "is_voided", False):
        raise ValidationError(voided_message or _("A voided record cannot be changed."), code="voided")
    if check is not None:
        check(record)
    concrete = [field.attname for field in model._meta.concrete_fields]
    before = {name: getattr(record, name) for name in concrete}
    for name in allowed:
        if name in data:
            value = data[name]
            setattr(record, name, value.strip() if isinstance(value, str) else value)
    if prepare is not None:
        prepare(record)
    (validate or type(record).full_clean)(record)
    changed = any(getattr(record, name) != before[name] for name in concrete)
    if changed:
        record.save()
    return record, changed
