"""Which evidence files are accepted, judged by their content, never by their name."""

from __future__ import annotations

import zipfile
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class FileKind:
    key: str
    mime_type: str
    extensions: tuple[str, ...]
    label: str


PDF = FileKind("pdf", "application/pdf", (".pdf",), _("PDF document"))
PNG = FileKind("png", "image/png", (".png",), _("PNG image"))
JPEG = FileKind("jpeg", "image/jpeg", (".jpg", ".jpeg"), _("JPEG image"))
GIF = FileKind("gif", "image/gif", (".gif",), _("GIF image"))
WEBP = FileKind("webp", "image/webp", (".webp",), _("WebP image"))
DOCX = FileKind(
    "docx",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    (".docx",),
    _("Word document"),
)
XLSX = FileKind(
    "xlsx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    (".xlsx",),
    _("Excel workbook"),
)
PPTX = FileKind(
    "pptx",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    (".pptx",),
    _("PowerPoint presentation"),
)
OFD = FileKind("ofd", "application/ofd", (".ofd",), _("OFD document"))
# Word 97-2003, Excel 97-2003, PowerPoint 97-2003 and WPS files share the OLE2 container.
OLE_OFFICE = FileKind(
    "ole",
    "application/x-ole-storage",
    (".doc", ".xls", ".ppt", ".wps", ".et", ".dps"),
    _("Office 97-2003 or WPS document"),
)

ACCEPTED_KINDS = (PDF, PNG, JPEG, GIF, WEBP, DOCX, XLSX, PPTX, OFD, OLE_OFFICE)

# Members that identify an Office Open XML or OFD package, checked in this order.
_ZIP_MARKERS = (
    ("word/document.xml", DOCX),
    ("xl/workbook.xml", XLSX),
    ("ppt/presentation.xml", PPTX),
    ("OFD.xml", OFD),
)


def detect_kind(uploaded_file) -> FileKind | None:
    """The kind of an uploaded file from its leading bytes (and, for zip packages, its members)."""
    uploaded_file.seek(0)
    head = uploaded_file.read(16)
    uploaded_file.seek(0)
    kind = None
    if head.startswith(b"%PDF-"):
        kind = PDF
    elif head.startswith(b"\x89PNG\r\n\x1a\n"):
        kind = PNG
    elif head.startswith(b"\xff\xd8\xff"):
        kind = JPEG
    elif head[:6] in (b"GIF87a", b"GIF89a"):
        kind = GIF
    elif head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        kind = WEBP
    elif head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        kind = OLE_OFFICE
    elif head.startswith(b"PK\x03\x04"):
        kind = _zip_package_kind(uploaded_file)
    uploaded_file.seek(0)
    return kind


def _zip_package_kind(uploaded_file) -> FileKind | None:
    # Only the member list is read, never a member's content, so a zip bomb costs nothing here.
    try:
        with zipfile.ZipFile(uploaded_file) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return None
    for marker, kind in _ZIP_MARKERS:
        if marker in names:
            return kind
    return None


def accepted_extensions() -> list[str]:
    return [extension for kind in ACCEPTED_KINDS for extension in kind.extensions]
