from django.apps import AppConfig


class TestappConfig(AppConfig):
    """A small record type for testing cross-cutting pieces before the work areas have models."""

    name = "tests.testapp"
    label = "testapp"

    def ready(self):
        from ideology_office.common.access import register_record_policy

        from .models import Dossier

        # The owner and the admins may see and change a dossier; nobody else.
        def can_view(user, dossier):
            return dossier.owner_id == user.pk or user.is_superuser

        register_record_policy(Dossier, can_view=can_view, can_change=can_view)

        from ideology_office.common.counting import CountableRecord, register_countable

        register_countable(
            CountableRecord(
                key="testapp.dossier",
                label="测试记录",
                queryset=lambda: Dossier.objects.active(),
                date_field="created_at",
                person_field="owner",
            )
        )
