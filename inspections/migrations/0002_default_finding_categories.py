from django.db import migrations

# The three fields the seed names for supervision, plus a catch-all; more are added in the admin.
CATEGORIES = [("政治方向", 1), ("舆论导向", 2), ("价值取向", 3), ("其他", 9)]


def create_categories(apps, schema_editor):
    FindingCategory = apps.get_model("inspections", "FindingCategory")
    for name, order in CATEGORIES:
        FindingCategory.objects.get_or_create(name=name, defaults={"sort_order": order})


class Migration(migrations.Migration):
    dependencies = [("inspections", "0001_rectification_ledger")]

    operations = [migrations.RunPython(create_categories, migrations.RunPython.noop)]
