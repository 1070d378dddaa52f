"""Which evidence files are accepted, judged by their content, never by their name.

The signature is read by ``puremagic`` (a pure-Python table of file signatures, no libmagic).
A zip container is then told apart by its member list — Word, Excel, PowerPoint or OFD — which
puremagic cannot do without trusting the file name.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass

import puremagic
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


# A zip container, never accepted as such: which package it is comes from its members.
ZIP_PACKAGE = FileKind("zip", "application/zip", (".zip",), "zip")
# puremagic's extension of a signature -> the accepted kind it stands for.
_SIGNATURE_KINDS = {
    ".pdf": PDF,
    ".png": PNG,
    ".jpg": JPEG,
    ".jpeg": JPEG,
    ".jfif": JPEG,
    ".jpe": JPEG,
    ".gif": GIF,
    ".webp": WEBP,
    # The OLE2 compound file signature (Word, Excel, PowerPoint 97-2003, WPS).
    ".doc": OLE_OFFICE,
    ".xls": OLE_OFFICE,
    ".ppt": OLE_OFFICE,
    ".wps": OLE_OFFICE,
    # The local-file-header signature PK\x03\x04 shared by every zip-based format.
    ".zip": ZIP_PACKAGE,
    ".docx": ZIP_PACKAGE,
    ".xlsx": ZIP_PACKAGE,
    ".pptx": ZIP_PACKAGE,
}
# puremagic's confidence grows with the length of the matched signature (0.1 a byte): a match of
# fewer than three bytes (such as a bare \xff\xd8) says too little to accept a file on.
_MIN_CONFIDENCE = 0.3


def _signature_kind(uploaded_file) -> FileKind | None:
    try:
        matches = puremagic.magic_stream(uploaded_file)
    except (puremagic.PureError, ValueError, OSError):
        return None
    if not matches or matches[0].confidence < _MIN_CONFIDENCE:
        return None
    # Only the most certain matches count: a file that is more surely something else (a program
    # with a stray signature inside) is not accepted for a weaker match.
    best = [match for match in matches if match.confidence == matches[0].confidence]
    kinds = [_SIGNATURE_KINDS[match.extension] for match in best if match.extension in _SIGNATURE_KINDS]
    return kinds[0] if kinds else None


def detect_kind(uploaded_file) -> FileKind | None:
    """The kind of an uploaded file from its signature (and, for zip packages, its members)."""
    uploaded_file.seek(0)
    kind = _signature_kind(uploaded_file)
    uploaded_file.seek(0)
    if kind is ZIP_PACKAGE:
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
