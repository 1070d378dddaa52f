"""Who each URL of the positions area is for: its part of the one URL table the access matrix walks
(``ideology_office.common.url_access`` explains the audiences; the contract lends it to the shared floor)."""

from ideology_office.common.url_access import BOTH, POST, record, role

URL_ACCESS = {
    "positions:index": role(),
    "positions:item_list": role(),
    "positions:item_create": role(BOTH),
    "positions:queue": role(),
    "positions:item_detail": record("positions.ContentItem"),
    "positions:item_edit": record("positions.ContentItem", "change", BOTH),
    "positions:item_submit": record("positions.ContentItem", None, POST),
    "positions:item_sign": record("positions.ContentItem", None, POST),
    "positions:item_assign": record("positions.ContentItem", None, POST),
    "positions:item_publish": record("positions.ContentItem", None, POST),
    "positions:item_act": record("positions.ContentItem", None, POST),
    "positions:item_review_form": record("positions.ContentItem"),
    "positions:item_review_form_docx": record("positions.ContentItem"),
    "positions:ledger_export": role(),
    "positions:platform_list": role(),
    "positions:platform_detail": record("positions.Platform"),
    "positions:physical_update_create": record("positions.Platform", None, BOTH),
    "positions:physical_update_detail": record("positions.PhysicalUpdate"),
    "positions:key_date_list": role(),
    "positions:task_create": role(BOTH),
    "positions:task_complete": record("positions.PublicityTask", "change", POST),
}
