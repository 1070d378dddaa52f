"""Formerly created the default reminder rules by listing every work area's keys. The defaults now
come from the work areas' contracts (``default_rules``) and are created after every migrate by
``notifications.defaults.create_default_rules``; this migration is kept, empty, for the history."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("notifications", "0001_reminders")]

    operations = [migrations.RunPython(migrations.RunPython.noop, migrations.RunPython.noop)]
