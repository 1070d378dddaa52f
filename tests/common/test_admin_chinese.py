"""The admin speaks Chinese: no English word is left in its index, lists, filters and forms — the third-party
apps (django-axes, django-guardian, django-otp, Celery results…) included."""

import re

import pytest
from django.contrib import admin
from django.urls import NoReverseMatch, reverse

from tests.test_chinese_punctuation import visible_text

# Words that are names, not English text: product and format names people use as they are; key names in
# Django's own Chinese help ("按住 Control 键或 Mac 上的 Command 键"); the reminder channels people type as
# codes; the test client's user name; the test app's record kind (installed only under the test settings).
ALLOWED = set(
    "Word Excel CSV TOTP URL ID IP SHA HMAC Celery Redis OK UTC PDF QR PNG JPG JPEG HTTP HTTPS SMTP Webhook"
    " iCalendar ICS VPN MIME JSON SQL Django Control Command Mac inbox email webhook admin dossier".split()
)
ENGLISH_WORD = re.compile(r"\b[A-Za-z][a-z]{2,}\b")


def english_words(html: str) -> set[str]:
    """English words of the visible text; codes people type as they are (a rule key such as
    inspections.task_deadline, channels inbox,email,webhook, a user name) are not words."""
    tokens = visible_text(html).split()
    prose = " ".join(token for token in tokens if not re.search(r"[._,=/:@0-9<>]", token))
    return {word for word in ENGLISH_WORD.findall(prose) if word not in ALLOWED}


@pytest.mark.django_db
def test_no_english_is_left_in_the_admin(admin_client):
    pages = [reverse("admin:index")]
    for model in admin.site._registry:
        for view in ("changelist", "add"):
            try:
                pages.append(reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}"))
            except NoReverseMatch:
                pass
    found = {}
    for url in pages:
        response = admin_client.get(url)
        if response.status_code != 200:
            continue
        for word in english_words(response.content.decode()):
            found.setdefault(word, url)
    assert found == {}, sorted(found.items())
