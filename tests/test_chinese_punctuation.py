"""Chinese text uses full-width punctuation: no page a leader or an administrator opens shows an ASCII colon,
comma or semicolon beside a Chinese character ("初审: 曹宇", "中位数 68.5, 最长 342;").

Times (08:30), numbers (1,000), URLs and code are left alone: only punctuation touching Chinese text, or
following a number and followed by Chinese text, is a fault. The walk covers every GET page of the product
over the demo office, as the office leader and as an administrator (who between them see every record)."""

from __future__ import annotations

import io
import re
from html.parser import HTMLParser

import pytest
from django.core.management import call_command
from django.test import Client

from ideology_office.accounts.roles import Role
from ideology_office.common.url_access import URL_ACCESS, Audience

from .test_access_matrix import _people, _samples, _url, url_patterns

CJK = r"[\u3400-\u9fff\u3001\u3002\uff08\uff09\u201c\u201d]"
HALF_WIDTH_BESIDE_CHINESE = re.compile(rf"{CJK}[ ]?[:;,](?!\d)|[:;,][ ]?{CJK}")


class _VisibleText(HTMLParser):
    """The text a reader sees: no tags, attributes, scripts or styles."""

    def __init__(self):
        super().__init__()
        self.parts, self._skip = [], 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "pre", "code", "textarea"):
            self._skip += 1

    def handle_endtag(self, tag):
        if tag in ("script", "style", "pre", "code", "textarea") and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _VisibleText()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


def faults_in(text: str) -> list[str]:
    return [text[max(0, m.start() - 12) : m.end() + 12] for m in HALF_WIDTH_BESIDE_CHINESE.finditer(text)]


def test_the_rule_catches_the_reported_cases_and_spares_times_and_numbers():
    assert faults_in("初审: 曹宇")
    assert faults_in("中位数 68.5, 最长 342;")
    assert faults_in("值班: 张三")
    assert not faults_in("08:30–08:30 共 1,000 人，见 https://example.gov.cn/a;b")
    assert not faults_in("初审：曹宇；复审：李四，终审")


@pytest.mark.django_db
def test_no_page_mixes_half_width_punctuation_into_chinese(tmp_path):
    call_command(
        "seed_demo", logins_file=str(tmp_path / "l.txt"), password="punct-password-123", stdout=io.StringIO()
    )
    people = _people()
    samples = _samples(people)
    patterns = dict(url_patterns())
    found: dict[str, set[str]] = {}
    pages = 0
    for who in (Role.LEADER.value, Role.ADMIN.value):
        client = Client()
        client.force_login(people[who])
        for name, access in sorted(URL_ACCESS.items()):
            if name not in patterns or "GET" not in access.methods or name in ("accounts:logout", "favicon"):
                continue
            records = samples[access.model][:1] if access.audience == Audience.RECORD else [None]
            for record in records:
                url = _url(name, patterns[name], record)
                response = client.get(url)
                if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
                    continue
                pages += 1
                for fault in faults_in(visible_text(response.content.decode())):
                    found.setdefault(fault, set()).add(name)
    assert pages > 80
    assert found == {}, "\n".join(
        f"{fault!r}  ({', '.join(sorted(names))})" for fault, names in found.items()
    )
