"""Verification where people look: the item page, the review form (HTML and Word) and the review
ledger say whether the item's chain verifies, and print the digest of the newest anchor."""

import io
from io import BytesIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from docx import Document
from openpyxl import load_workbook

from ideology_office.common.anchors import latest_anchor
from positions.chain import CHAIN_NAME
from positions.models import SignOff

from .factories import Desk

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk():
    return Desk()


@pytest.fixture(autouse=True)
def anchors(settings, tmp_path):
    settings.RECORD_ANCHOR_DIR = str(tmp_path)
    return tmp_path


def _tamper(item):
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = replica")
        cursor.execute("UPDATE positions_signoff SET opinion = '改过' WHERE item_id = %s", [item.pk])
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = DEFAULT")


def test_the_item_page_says_verified_or_broken(client, desk):
    item = desk.published()
    client.force_login(desk.author)
    page = client.get(item.get_absolute_url()).content.decode()
    assert 'data-chain-ok="1"' in page
    _tamper(item)
    page = client.get(item.get_absolute_url()).content.decode()
    assert 'data-chain-ok="0"' in page
    assert "的链哈希无效" in page


def test_the_review_form_and_its_word_document_print_the_state_and_the_anchor(client, desk):
    item = desk.published()
    call_command("verify_signoffs", "--anchor", stdout=io.StringIO())
    digest = latest_anchor(CHAIN_NAME).digest
    client.force_login(desk.author)
    page = client.get(reverse("positions:item_review_form", args=[item.pk])).content.decode()
    assert 'data-chain-ok="1"' in page
    assert digest in page
    response = client.get(reverse("positions:item_review_form_docx", args=[item.pk]))
    text = "\n".join(paragraph.text for paragraph in Document(BytesIO(response.getvalue())).paragraphs)
    assert digest in text
    _tamper(item)
    response = client.get(reverse("positions:item_review_form_docx", args=[item.pk]))
    text = "\n".join(paragraph.text for paragraph in Document(BytesIO(response.getvalue())).paragraphs)
    assert "的链哈希无效" in text


def test_the_ledger_ends_with_the_verification_of_the_chain(client, desk, leader):
    item = desk.published()
    today = timezone.localdate()
    client.force_login(leader)
    url = reverse("positions:ledger_export") + f"?start={today:%Y-%m-%d}&end={today:%Y-%m-%d}"
    rows = list(load_workbook(BytesIO(client.get(url).getvalue())).active.iter_rows(values_only=True))
    assert len(rows) == 1 + SignOff.objects.count() + 3
    _tamper(item)
    rows = list(load_workbook(BytesIO(client.get(url).getvalue())).active.iter_rows(values_only=True))
    assert any(row[0] and "的链哈希无效" in str(row[0]) for row in rows)
