"""Every summary recounts the months a write touched (common/rollups.py): its date must be indexed,
or each save scans the whole table (a sign-off's recount read all 1.1 million sign-offs at
--scale 100, 140 ms a signature under load)."""

import pytest

from ideology_office.common import rollups


def _date_field(spec):
    model, field = spec.model, None
    for part in spec.date_field.split("__"):
        field = model._meta.get_field(part)
        if field.is_relation:
            model = field.related_model
    return model, field


def _indexed(model, field) -> bool:
    if field.db_index or field.unique:
        return True
    leading = [index.fields[0].lstrip("-") for index in model._meta.indexes if index.fields]
    return field.name in leading


@pytest.mark.parametrize(
    "spec", [spec for spec in rollups.specs() if spec.date_field], ids=lambda spec: spec.key
)
def test_each_summary_recounts_its_months_through_an_index(spec):
    model, field = _date_field(spec)
    assert _indexed(model, field), f"{model.__name__}.{field.name} is not indexed"
