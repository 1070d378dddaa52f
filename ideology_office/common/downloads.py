"""Every download leaves the site one way: Django's ``FileResponse(as_attachment=True, filename=…)``,
which writes the attachment header (a Chinese file name as RFC 5987 ``filename*=utf-8''…``,
an ASCII one as a quoted ``filename="…"``) and the Content-Length."""

from __future__ import annotations

from io import BytesIO
from typing import BinaryIO

from django.http import FileResponse

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
ZIP_CONTENT_TYPE = "application/zip"
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"


def download(
    content: bytes | BinaryIO, filename: str, content_type: str, *, private: bool = False
) -> FileResponse:
    """A download of ``content`` (bytes or an open binary file) named ``filename``.
    ``private`` keeps it out of every cache (evidence files: the reader's access is checked per request)."""
    handle = BytesIO(content) if isinstance(content, bytes) else content
    response = FileResponse(handle, as_attachment=True, filename=filename, content_type=content_type)
    if private:
        response["Cache-Control"] = "private, no-store"
    return response
