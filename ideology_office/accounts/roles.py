"""The five roles. Each is a Django group (created by migration 0002); a person may hold several."""

from django.db import models


class Role(models.TextChoices):
    # The group names are data shown to users, so they are stored in Chinese.
    ADMIN = "管理员", "管理员"
    LEADER = "办公室领导", "办公室领导"
    SECTION_HEAD = "股室负责人", "股室负责人"
    STAFF = "工作人员", "工作人员"
    INSPECTOR = "督查人员", "督查人员"


# Model permissions each role receives on every migrate; work-area issues add their models here.
# 管理员 runs the Django admin: every permission of the product's own apps.
PRODUCT_APP_LABELS = (
    "accounts",
    "common",
    "responsibility",
    "study",
    "positions",
    "sentiment",
    "inspections",
    "notifications",
    "reports",
)
ROLE_MODEL_PERMISSIONS: dict[str, list[str]] = {
    Role.ADMIN: [f"{label}.*" for label in PRODUCT_APP_LABELS] + ["auth.view_group", "auth.change_group"],
    Role.LEADER: [],
    Role.SECTION_HEAD: [],
    Role.STAFF: [],
    Role.INSPECTOR: [],
}


def sync_role_permissions(sender=None, apps=None, using="default", **kwargs):
    """Give each role group exactly the model permissions listed above (idempotent)."""
    from django.apps import apps as global_apps
    from django.contrib.auth.models import Group, Permission

    # post_migrate fires once per app, and each app's permissions are created by its own signal:
    # only after the last app are they all there.
    if sender is None or sender is not list(global_apps.get_app_configs())[-1]:
        return
    for role, patterns in ROLE_MODEL_PERMISSIONS.items():
        group, _ = Group.objects.using(using).get_or_create(name=role)
        wanted = Permission.objects.using(using).none()
        for pattern in patterns:
            app_label, codename = pattern.split(".", 1)
            query = Permission.objects.using(using).filter(content_type__app_label=app_label)
            if codename != "*":
                query = query.filter(codename=codename)
            wanted = wanted | query
        group.permissions.set(wanted)
