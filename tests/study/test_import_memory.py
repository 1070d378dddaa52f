"""Hostile workbooks are refused within bounded memory: the peak (ru_maxrss) of a child process
that reads them stays under 300 MB. The files are small on disk and huge unpacked, as measured
in issue #19: 350 MB of shared strings in about a megabyte, a 300 MB header cell."""

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LIMIT_MB = 300
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"

CHILD = """
import json, resource, sys
import django
django.setup()
from study import imports
path, name = sys.argv[1], sys.argv[2]
if name.endswith(".csv"):
    imports.check_size(__import__("os").path.getsize(path))
data = open(path, "rb").read()
error = ""
try:
    table = imports.read_table(data, name)
    for _row in table.rows:
        pass
except imports.ImportRefused as refused:
    error = str(refused)
# The peak of this program's own memory. getrusage's ru_maxrss is not it on Linux: it keeps the
# high-water mark of the memory the process had before exec, i.e. of the forked test runner (400 MB
# late in a full run). VmHWM belongs to this image alone; getrusage is kept as a cross-check.
hwm_kb = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM:"))
print(json.dumps({
    "peak_mb": hwm_kb / 1024,
    "ru_maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    "error": error,
}))
"""


def skeleton(archive: zipfile.ZipFile, *, shared: bool) -> None:
    archive.writestr(
        "_rels/.rels",
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f'<Relationship Id="r1" Type="{REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
    )
    archive.writestr(
        "xl/workbook.xml",
        f'<workbook xmlns="{MAIN}" xmlns:r="{REL}"><sheets><sheet name="台账" sheetId="1" r:id="rId1"/>'
        "</sheets></workbook>",
    )
    extra = (
        f'<Relationship Id="rId2" Type="{REL}/sharedStrings" Target="sharedStrings.xml"/>' if shared else ""
    )
    archive.writestr(
        "xl/_rels/workbook.xml.rels",
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f'<Relationship Id="rId1" Type="{REL}/worksheet" Target="worksheets/sheet1.xml"/>{extra}</Relationships>',
    )


def write_streamed(archive: zipfile.ZipFile, name: str, head: bytes, chunk: bytes, count: int, tail: bytes):
    info = zipfile.ZipInfo(name)
    info.compress_type = zipfile.ZIP_DEFLATED
    with archive.open(info, "w", force_zip64=True) as handle:
        handle.write(head)
        for _ in range(count):
            handle.write(chunk)
        handle.write(tail)


def huge_shared_strings(path: Path) -> None:
    """35,000 shared strings of 10,000 characters: 350 MB unpacked."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        skeleton(archive, shared=True)
        archive.writestr(
            "xl/worksheets/sheet1.xml",
            f'<worksheet xmlns="{MAIN}"><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c></row>'
            "</sheetData></worksheet>",
        )
        write_streamed(
            archive,
            "xl/sharedStrings.xml",
            f'<sst xmlns="{MAIN}">'.encode(),
            b"<si><t>" + b"a" * 10_000 + b"</t></si>",
            35_000,
            b"</sst>",
        )


def huge_header_cell(path: Path) -> None:
    """One inline header cell of 300 MB."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        skeleton(archive, shared=False)
        write_streamed(
            archive,
            "xl/worksheets/sheet1.xml",
            f'<worksheet xmlns="{MAIN}"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>'.encode(),
            b"x" * 1_000_000,
            300,
            b"</t></is></c></row></sheetData></worksheet>",
        )


def peak(path: Path, name: str) -> dict:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "ideology_office.settings.test"),
    }
    output = subprocess.run(
        [sys.executable, "-c", CHILD, str(path), name],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return json.loads(output.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize(
    "build", [huge_shared_strings, huge_header_cell], ids=["shared-strings", "header-cell"]
)
def test_hostile_workbooks_are_refused_under_300_mb(tmp_path, build):
    path = tmp_path / "hostile.xlsx"
    build(path)
    assert path.stat().st_size < 2 * 1024 * 1024
    measured = peak(path, "hostile.xlsx")
    assert measured["error"], "the file must be refused"
    assert measured["peak_mb"] < LIMIT_MB, measured
