from django.db import migrations

# 三员分立: the three administrator roles, written out here (migrations never import app code).
ROLE_NAMES = ["系统管理员", "安全管理员", "审计管理员"]


def create_administrator_groups(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for name in ROLE_NAMES:
        Group.objects.using(schema_editor.connection.alias).get_or_create(name=name)


def remove_administrator_groups(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Group.objects.using(schema_editor.connection.alias).filter(name__in=ROLE_NAMES).delete()


class Migration(migrations.Migration):
    dependencies = [("accounts", "0004_sign_in_policy")]

    operations = [migrations.RunPython(create_administrator_groups, remove_administrator_groups)]
