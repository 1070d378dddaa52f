"""Who may see and change study records.

Staff and section heads record the sessions of their own section; leaders, inspectors and admins
see everything; leaders and admins change everything. Only admins import platform points and
publish the points bulletin.
"""

from __future__ import annotations

from django.db.models import Q
from django.http import Http404

from ideology_office.accounts.roles import Role

from .models import ImportJob, PointsBulletin, StudyMaterial, StudySession

OFFICE_WIDE_ROLES = (Role.LEADER, Role.ADMIN, Role.INSPECTOR)


def _roles(user) -> frozenset[str]:
    return user.role_names if user.is_authenticated else frozenset()


def is_admin(user) -> bool:
    return user.is_authenticated and (user.is_superuser or Role.ADMIN in _roles(user))


def sees_everything(user) -> bool:
    return user.is_authenticated and (user.is_superuser or bool(_roles(user) & set(OFFICE_WIDE_ROLES)))


def changes_everything(user) -> bool:
    return user.is_authenticated and (user.is_superuser or bool(_roles(user) & {Role.LEADER, Role.ADMIN}))


def can_use_study(user) -> bool:
    return user.is_authenticated and (user.is_superuser or bool(_roles(user)))


def can_record_for_section(user, section_id) -> bool:
    """Staff and section heads record for their own section only."""
    if changes_everything(user):
        return True
    return (
        bool(_roles(user) & {Role.STAFF, Role.SECTION_HEAD})
        and section_id is not None
        and section_id == user.section_id
    )


def can_create_session(user) -> bool:
    return changes_everything(user) or (
        bool(_roles(user) & {Role.STAFF, Role.SECTION_HEAD}) and user.section_id is not None
    )


def visible_sessions(user, queryset):
    """The sessions a person may see, as a plain filter: their section's, and those they attended."""
    if sees_everything(user):
        return queryset
    if not can_use_study(user):
        return queryset.none()
    attended = StudySession._base_manager.filter(attendances__person=user).values("pk")
    return queryset.filter(Q(section_id=user.section_id) | Q(pk__in=attended))


def can_view_session(user, session: StudySession) -> bool:
    if sees_everything(user):
        return True
    if not can_use_study(user):
        return False
    return session.section_id == user.section_id or session.attendances.filter(person=user).exists()


def can_change_session(user, session: StudySession) -> bool:
    return not session.is_voided and can_record_for_section(user, session.section_id)


def can_manage_materials(user) -> bool:
    return changes_everything(user) or bool(_roles(user) & {Role.STAFF, Role.SECTION_HEAD})


def can_view_material(user, material: StudyMaterial) -> bool:
    return can_use_study(user)


def can_change_material(user, material: StudyMaterial) -> bool:
    return not material.is_voided and can_manage_materials(user)


def can_import_points(user) -> bool:
    return is_admin(user)


def can_import_study_records(user) -> bool:
    return can_create_session(user)


def can_view_bulletin(user, bulletin: PointsBulletin) -> bool:
    if not can_use_study(user):
        return False
    return bulletin.published_at is not None or is_admin(user) or sees_everything(user)


def can_change_bulletin(user, bulletin: PointsBulletin) -> bool:
    return is_admin(user) and not bulletin.is_voided


def can_see_rankings(user) -> bool:
    return can_use_study(user)


def access_session(user, pk) -> StudySession:
    session = (
        StudySession.objects.select_related("section", "host", "recorder", "reading_class")
        .filter(pk=pk)
        .first()
    )
    if session is None or not can_view_session(user, session):
        raise Http404
    return session


def access_session_for_change(user, pk) -> StudySession:
    session = access_session(user, pk)
    if not can_change_session(user, session):
        raise Http404
    return session


def access_material(user, pk) -> StudyMaterial:
    material = StudyMaterial.objects.filter(pk=pk).first()
    if material is None or not can_view_material(user, material):
        raise Http404
    return material


def access_material_for_change(user, pk) -> StudyMaterial:
    material = access_material(user, pk)
    if not can_change_material(user, material):
        raise Http404
    return material


def access_bulletin(user, pk) -> PointsBulletin:
    bulletin = PointsBulletin.objects.filter(pk=pk).first()
    if bulletin is None or not can_view_bulletin(user, bulletin):
        raise Http404
    return bulletin


def access_import_job(user, pk) -> ImportJob:
    """A person sees only the import jobs they started (admins see all)."""
    job = ImportJob.objects.filter(pk=pk).first()
    if job is None or not (is_admin(user) or job.created_by_id == user.pk):
        raise Http404
    return job
