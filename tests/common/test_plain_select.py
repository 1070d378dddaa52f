"""PlainSelect writes the same select as Django's template-rendered one, escaped."""

import re

import pytest
from django import forms

from ideology_office.common.widgets import PlainSelect

CHOICES = [("", "全部"), (1, "综合股 <b>&"), (2, "宣传股"), ("组", [(3, "甲"), (4, "乙")])]


def _normal(html: str) -> str:
    return re.sub(r">\s+<", "><", re.sub(r"\s+", " ", html)).strip()


@pytest.mark.parametrize("value", [None, "", "2", 2, 4])
def test_plain_select_is_the_template_select(value):
    attrs = {"id": "id_section", "class": "form-select", "aria-describedby": "x"}
    expected = forms.Select(choices=CHOICES).render("section", value, attrs=attrs)
    written = PlainSelect(choices=CHOICES).render("section", value, attrs=attrs)
    assert _normal(written) == _normal(expected)
    assert "&lt;b&gt;&amp;" in written
