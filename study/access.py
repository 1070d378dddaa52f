"""Who each URL of the study area is for: its part of the one URL table the access matrix walks
(``ideology_office.common.url_access`` explains the audiences; the contract lends it to the shared floor)."""

from ideology_office.common.url_access import BOTH, POST, record, role

URL_ACCESS = {
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
}
