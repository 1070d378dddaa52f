"""django-import-export pieces for the admin: formats that read files through the study import
pipeline's reader (caps, defusedxml, formulas as values) and resources whose ``import_data``
runs the pipeline's validation and bulk writes. Nothing the admin imports bypasses them."""

from __future__ import annotations

from collections import defaultdict

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from import_export import resources
from import_export.fields import Field
from import_export.formats import base_formats
from import_export.results import Error, Result, RowResult
from tablib import Dataset

from . import imports
from .models import ImportJob


def _dataset_from(data, filename: str) -> Dataset:
    if isinstance(data, str):
        data = data.encode("utf-8")
    table = imports.read_table(data, filename)
    width = len(table.headers)
    dataset = Dataset(headers=table.headers)
    numbers = []
    for number, values in table.rows:
        dataset.append((tuple(values) + (None,) * width)[:width])
        numbers.append(number)
    # The sheet row numbers travel with the data, so errors name the row the user sees in Excel.
    dataset.study_row_numbers = numbers
    return dataset


class PipelineXLSX(base_formats.XLSX):
    def create_dataset(self, in_stream):
        return _dataset_from(in_stream, "upload.xlsx")


class PipelineCSV(base_formats.CSV):
    def create_dataset(self, in_stream, **kwargs):
        return _dataset_from(in_stream, "upload.csv")


class PipelineResource(resources.Resource):
    kind = ""

    def get_user_visible_fields(self):
        return [Field(column_name=column.header) for column in imports.SPECS[self.kind].columns]

    @classmethod
    def get_display_name(cls):
        return str(imports.SPECS[cls.kind].title)

    def import_data(self, dataset, dry_run=False, raise_errors=False, use_transactions=None, **kwargs):
        user = kwargs.get("user")
        result = Result()
        result.diff_headers = list(dataset.headers or [])
        if user is not None and not imports.may_import(user, self.kind):
            result.append_base_error(Error(PermissionError(_("You may not import this kind of file."))))
            return result
        numbers = getattr(dataset, "study_row_numbers", None) or list(range(2, len(dataset) + 2))
        headers = list(dataset.headers or [])
        table = imports.Table(
            headers=[str(header) for header in headers],
            source=iter(zip(numbers, (dataset[index] for index in range(len(dataset))), strict=True)),
            estimated_rows=len(dataset),
        )
        outcome = imports.import_table(
            self.kind, table, user=user, dry_run=dry_run, source=kwargs.get("file_name") or ""
        )
        result.total_rows = outcome.total_rows
        _report_errors(result, outcome, dataset, numbers, headers)
        if outcome.ok:
            result.totals[RowResult.IMPORT_TYPE_NEW] = outcome.created
            result.totals[RowResult.IMPORT_TYPE_UPDATE] = outcome.updated
            result.totals[RowResult.IMPORT_TYPE_SKIP] = outcome.unchanged
        return result


def _report_errors(result: Result, outcome, dataset, numbers: list[int], headers: list) -> None:
    """The pipeline's errors in django-import-export's terms: a file error as a base error, row
    errors per row and column (the row's values shown beside them)."""
    by_row = defaultdict(lambda: defaultdict(list))
    for error in outcome.errors:
        if error.row == 0:
            result.append_base_error(Error(imports.ImportRefused(error.message)))
        else:
            by_row[error.row][error.column or "__all__"].append(error.message)
    row_values = dict(zip(numbers, (dataset[index] for index in range(len(dataset))), strict=True))
    for number, problems in sorted(by_row.items()):
        values = dict(zip(headers, row_values.get(number, ()), strict=False))
        result.append_invalid_row(number, values, ValidationError(dict(problems)))


class StudyRecordsResource(PipelineResource):
    kind = ImportJob.Kind.STUDY_RECORDS


class PlatformPointsResource(PipelineResource):
    kind = ImportJob.Kind.PLATFORM_POINTS
