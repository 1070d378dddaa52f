"""Evidence files are judged by puremagic's reading of their signature: every signature accepted
before is still accepted, and nothing without one of them is (property tests with hypothesis)."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ideology_office.common.file_types import GIF, JPEG, OFD, OLE_OFFICE, PDF, PNG, PPTX, WEBP, detect_kind

# The leading bytes of each accepted kind (the refusals and acceptances the product promises).
SIGNATURES = [
    (b"%PDF-", PDF),
    (b"\x89PNG\r\n\x1a\n", PNG),
    (b"\xff\xd8\xff", JPEG),
    (b"GIF87a", GIF),
    (b"GIF89a", GIF),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", OLE_OFFICE),
]
PREFIXES = [signature for signature, _ in SIGNATURES] + [b"RIFF", b"PK\x03\x04"]


def detect(content: bytes):
    return detect_kind(SimpleUploadedFile("x", content))


def zip_with(*names: str) -> bytes:
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in names:
            archive.writestr(name, "<x/>")
    return buffer.getvalue()


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.sampled_from(SIGNATURES), st.binary(max_size=300))
def test_every_accepted_signature_is_recognised_whatever_follows(signed, tail):
    signature, kind = signed
    assert detect(signature + tail) == kind


@settings(max_examples=100, deadline=None)
@given(st.binary(min_size=4, max_size=4), st.binary(max_size=200))
def test_a_webp_is_recognised_by_its_riff_header(size, tail):
    assert detect(b"RIFF" + size + b"WEBPVP8 " + tail) == WEBP


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=400))
def test_nothing_without_an_accepted_signature_is_accepted(content):
    kind = detect(content)
    if not content.startswith(tuple(PREFIXES)):
        assert kind is None


@pytest.mark.parametrize(
    "content",
    [
        b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00"
        + b"\x00" * 64
        + b"%%EOF\n",  # a program
        b"\xff\xd8\x00\x00" + b"\x00" * 40,  # two bytes of a JPEG marker say too little
        b"xx%PDF-1.4",  # the signature must lead
        b"RIFF\x10\x00\x00\x00WAVEfmt " + b"\x00" * 32,  # audio in a RIFF container
        "会议纪要，全文如下。".encode() * 5,  # plain text
        b"PK\x03\x04" + b"\x00" * 40,  # a broken zip
        zip_with("readme.txt"),  # a zip that is no office package
        b"",
    ],
)
def test_these_are_refused(content):
    assert detect(content) is None


def test_zip_packages_are_told_apart_by_their_members():
    assert detect(zip_with("[Content_Types].xml", "ppt/presentation.xml")) == PPTX
    assert detect(zip_with("OFD.xml", "Doc_0/Document.xml")) == OFD


def test_the_file_is_rewound_for_whoever_reads_it_next():
    upload = SimpleUploadedFile("a.pdf", b"%PDF-1.7 rest")
    upload.read(3)
    assert detect_kind(upload) == PDF
    assert upload.read() == b"%PDF-1.7 rest"
