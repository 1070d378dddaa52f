"""Who each URL of the product is for: one table, beside the record policies, that the access
matrix test (``tests/test_access_matrix.py``) walks over every role. A URL pattern without a line
here fails that test, so a new page cannot be added without saying who it is for.

Audiences:

* ``PUBLIC``: no sign-in needed (the login page; the duty feed, whose token is its key).
* ``SIGNED_IN``: anyone signed in, with or without a role (the dashboard, the inbox, one's password).
* ``ROLE``: anyone with a role; the one gate (``WorkAreaGateMiddleware``) refuses the rest with 403.
* ``OVERSEER``: office leaders, inspectors and administrators (the report and the ledgers).
* ``RECORD``: the URL names one record (its first id): the record kind's policy decides. Whoever may
  not see the record gets 404; whoever may see it but may not do ``action`` gets 403 with the
  reason. ``action`` is a policy action ("view", "change", "void") or ``None`` when the page's own
  finer rule (a reviewer's step grant, a close-out's separation of duties) decides beyond seeing.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Audience(StrEnum):
    PUBLIC = "public"
    SIGNED_IN = "signed_in"
    ROLE = "role"
    OVERSEER = "overseer"
    RECORD = "record"


GET = ("GET",)
POST = ("POST",)
BOTH = ("GET", "POST")


@dataclass(frozen=True)
class UrlAccess:
    audience: Audience
    methods: tuple[str, ...] = GET
    #: "app_label.Model" of the record the URL's first id names (RECORD only).
    model: str = ""
    #: The policy action the URL performs on that record; None: a finer rule of the page decides.
    action: str | None = "view"


def public(methods=GET) -> UrlAccess:
    return UrlAccess(Audience.PUBLIC, methods)


def signed_in(methods=GET) -> UrlAccess:
    return UrlAccess(Audience.SIGNED_IN, methods)


def role(methods=GET) -> UrlAccess:
    return UrlAccess(Audience.ROLE, methods)


def overseer(methods=GET) -> UrlAccess:
    return UrlAccess(Audience.OVERSEER, methods)


def record(model: str, action: str | None = "view", methods=GET) -> UrlAccess:
    return UrlAccess(Audience.RECORD, methods, model, action)


URL_ACCESS: dict[str, UrlAccess] = {
    # --- shared floor -----------------------------------------------------------------------------
    "dashboard:home": signed_in(),
    "dashboard:records": overseer(),
    "accounts:login": public(BOTH),
    "accounts:logout": signed_in(POST),
    "accounts:password_change": signed_in(BOTH),
    "accounts:password_change_done": signed_in(),
    "accounts:otp_setup": signed_in(BOTH),
    "accounts:otp_verify": signed_in(BOTH),
    "accounts:keepalive": signed_in(POST),
    "favicon": public(),
    "common:attachment_download": record("common.Attachment"),
    "common:attachment_void": record("common.Attachment", "change", POST),
    # The two generic record URLs (content type and id) are walked with a study session.
    "common:attachment_upload": record("study.StudySession", "change", POST),
    "common:record_void": record("study.StudySession", "void", BOTH),
    "notifications:inbox": signed_in(),
    "notifications:open": record("notifications.InboxMessage", "view", POST),
    "notifications:read": record("notifications.InboxMessage", "change", POST),
    "notifications:read_all": signed_in(POST),
    "notifications:preferences": signed_in(BOTH),
    "reports:annual_figures": overseer(),
    "reports:figure_records": overseer(),
    "reports:annual_report_download": overseer(),
    "reports:default_template": overseer(),
    "reports:ledger_list": overseer(),
    "reports:ledger_download_all": overseer(),
    "reports:ledger_download": overseer(),
    # --- responsibility ---------------------------------------------------------------------------
    "responsibility:index": role(),
    "responsibility:membership_list": role(),
    "responsibility:membership_create": role(BOTH),
    "responsibility:membership_detail": record("responsibility.LeadingGroupMembership"),
    "responsibility:membership_edit": record("responsibility.LeadingGroupMembership", "change", BOTH),
    "responsibility:membership_replace": record("responsibility.LeadingGroupMembership", "change", BOTH),
    "responsibility:membership_end": record("responsibility.LeadingGroupMembership", "change", BOTH),
    "responsibility:membership_post_change": record("responsibility.LeadingGroupMembership", "change", BOTH),
    "responsibility:assignment_list": role(),
    "responsibility:duty_chain": role(),
    "responsibility:assignment_create": role(BOTH),
    "responsibility:assignment_detail": record("responsibility.DutyAssignment"),
    "responsibility:assignment_edit": record("responsibility.DutyAssignment", "change", BOTH),
    "responsibility:meeting_list": role(),
    "responsibility:meeting_create": role(BOTH),
    "responsibility:meeting_detail": record("responsibility.OfficeMeeting"),
    "responsibility:meeting_edit": record("responsibility.OfficeMeeting", "change", BOTH),
    "responsibility:agenda_item_add": record("responsibility.OfficeMeeting", "change", POST),
    "responsibility:agenda_item_link_study": record("responsibility.OfficeMeeting", "change", POST),
    "responsibility:attendance_set": record("responsibility.OfficeMeeting", "change", POST),
    "responsibility:follow_up_create": record("responsibility.OfficeMeeting", "change", POST),
    "responsibility:follow_up_list": role(),
    "responsibility:follow_up_complete": record("responsibility.FollowUpAction", "change", POST),
    "responsibility:priority_list": role(),
    "responsibility:priority_create": role(BOTH),
    "responsibility:priority_edit": record("responsibility.WorkPriority", "change", BOTH),
    "responsibility:scheme_list": role(),
    "responsibility:scheme_create": role(BOTH),
    "responsibility:scheme_detail": record("responsibility.AssessmentScheme"),
    "responsibility:scheme_edit": record("responsibility.AssessmentScheme", "change", BOTH),
    "responsibility:scheme_copy": record("responsibility.AssessmentScheme", None, BOTH),
    "responsibility:scheme_item_create": record("responsibility.AssessmentScheme", "change", BOTH),
    "responsibility:scheme_item_edit": record("responsibility.AssessmentScheme", "change", BOTH),
    "responsibility:assessment_list": role(),
    "responsibility:assessment_create": role(BOTH),
    "responsibility:assessment_detail": record("responsibility.Assessment"),
    "responsibility:assessment_export": record("responsibility.Assessment"),
    "responsibility:assessment_refresh": record("responsibility.Assessment", "change", POST),
    "responsibility:assessment_complete": record("responsibility.Assessment", "change", POST),
    "responsibility:assessment_line": record("responsibility.Assessment"),
    "responsibility:score_save": record("responsibility.Assessment", "change", POST),
    "responsibility:scores_save": record("responsibility.Assessment", "change", POST),
    # --- study --------------------------------------------------------------------------------
    "study:index": role(),
    "study:session_list": role(),
    "study:session_create": role(BOTH),
    "study:session_detail": record("study.StudySession"),
    "study:session_edit": record("study.StudySession", "change", BOTH),
    "study:reading_class_create": role(BOTH),
    "study:material_list": role(),
    "study:material_create": role(BOTH),
    "study:material_detail": record("study.StudyMaterial"),
    "study:material_edit": record("study.StudyMaterial", "change", BOTH),
    "study:points_ranking": role(),
    "study:bulletin_create": role(BOTH),
    "study:bulletin_detail": record("study.PointsBulletin"),
    "study:bulletin_publish": record("study.PointsBulletin", "change", POST),
    "study:import": role(BOTH),
    "study:import_template": role(),
    "study:import_job": record("study.ImportJob"),
    # --- positions ----------------------------------------------------------------------------
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
    # --- sentiment ----------------------------------------------------------------------------
    "sentiment:index": role(),
    "sentiment:incident_list": role(),
    "sentiment:incident_create": role(BOTH),
    "sentiment:incident_detail": record("sentiment.OpinionIncident"),
    "sentiment:incident_update": record("sentiment.OpinionIncident", "change", BOTH),
    "sentiment:roster_current": role(),
    "sentiment:roster_month": role(),
    "sentiment:roster_export": role(),
    "sentiment:roster_generate": role(BOTH),
    "sentiment:roster_publish": role(POST),
    "sentiment:shift_create": role(BOTH),
    "sentiment:shift_detail": record("sentiment.DutyShift"),
    "sentiment:shift_update": record("sentiment.DutyShift", "change", BOTH),
    "sentiment:shift_swap_request": record("sentiment.DutyShift", None, BOTH),
    "sentiment:shift_reassign": record("sentiment.DutyShift", "change", BOTH),
    "sentiment:handover_write": record("sentiment.DutyShift", None, BOTH),
    "sentiment:duty_log_add": record("sentiment.DutyShift", None, BOTH),
    "sentiment:information_report_add": record("sentiment.DutyShift", None, BOTH),
    "sentiment:handover_accept": record("sentiment.Handover", None, POST),
    "sentiment:swap_list": role(),
    "sentiment:swap_decide": record("sentiment.ShiftSwap", None, POST),
    "sentiment:information_report_list": role(),
    "sentiment:incident_choices": role(),
    "sentiment:duty_feed_settings": role(),
    "sentiment:duty_feed_regenerate": role(POST),
    "sentiment:duty_feed": public(),
    "sentiment:review_list": role(),
    "sentiment:review_create": role(BOTH),
    "sentiment:review_detail": record("sentiment.OpinionReview"),
    "sentiment:review_update": record("sentiment.OpinionReview", "change", BOTH),
    "sentiment:review_carry_over": record("sentiment.OpinionReview", "change", POST),
    "sentiment:risk_create": record("sentiment.OpinionReview", "change", BOTH),
    "sentiment:risk_detail": record("sentiment.RiskItem"),
    "sentiment:risk_update": record("sentiment.RiskItem", "change", BOTH),
    # --- inspections --------------------------------------------------------------------------
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
    "inspections:mechanism_detail": record("inspections.Mechanism"),
    "inspections:ledger_print": role(),
    "inspections:ledger_export": role(),
}
