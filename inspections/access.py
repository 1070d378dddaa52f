"""Who each URL of the inspections area is for: its part of the one URL table the access matrix walks
(``ideology_office.common.url_access`` explains the audiences; the contract lends it to the shared floor)."""

from ideology_office.common.url_access import BOTH, POST, record, role

URL_ACCESS = {
    "inspections:index": role(),
    "inspections:inspection_list": role(),
    "inspections:inspection_create": role(BOTH),
    "inspections:self_inspection_create": role(BOTH),
    "inspections:inspection_detail": record("inspections.Inspection"),
    "inspections:inspection_close": record("inspections.Inspection", "change", POST),
    "inspections:finding_create": record("inspections.Inspection", "change", POST),
    "inspections:finding_detail": record("inspections.Finding"),
    "inspections:finding_close": record("inspections.Finding", "change", POST),
    "inspections:task_create": record("inspections.Finding", "change", BOTH),
    "inspections:task_list": role(),
    "inspections:task_detail": record("inspections.RectificationTask"),
    "inspections:task_edit": record("inspections.RectificationTask", None, BOTH),
    "inspections:task_progress": record("inspections.RectificationTask", None, POST),
    "inspections:task_submit": record("inspections.RectificationTask", None, POST),
    "inspections:task_return": record("inspections.RectificationTask", None, POST),
    "inspections:task_close": record("inspections.RectificationTask", None, POST),
    "inspections:task_reopen": record("inspections.RectificationTask", None, POST),
    "inspections:extension_request": record("inspections.RectificationTask", None, POST),
    "inspections:extension_decide": record("inspections.Extension", None, POST),
    "inspections:checklist_result_edit": record("inspections.ChecklistResult", "change", BOTH),
    "inspections:mechanism_list": role(),
    "inspections:mechanism_create": role(BOTH),
    # The mechanism form's finding search: only findings the policy shows the person.
    "inspections:finding_choices": role(),
    "inspections:mechanism_detail": record("inspections.Mechanism"),
    "inspections:ledger_print": role(),
    "inspections:ledger_export": role(),
}
