"""A fresh install has the holidays and make-up working days the installed chinese-calendar knows
(2004 to its last year). Years the table already has are left as they are; later years come with
``python manage.py seed_holidays`` after a library upgrade, or by hand in the admin."""

from django.db import migrations

from sentiment.holidays import fill_missing_years


def seed(apps, schema_editor):
    fill_missing_years(apps.get_model("sentiment", "CalendarDay"))


class Migration(migrations.Migration):
    dependencies = [("sentiment", "0002_default_time_limits_and_risk_matrix")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
