from django.apps import AppConfig


class TestappConfig(AppConfig):
    """A small record type for testing cross-cutting pieces before the work areas have models."""

    name = "tests.testapp"
    label = "testapp"
    verbose_name = "测试应用"

    def ready(self):
        from ideology_office.accounts import roles
        from ideology_office.common.policies import RecordPolicy, register_policy

        from .models import Dossier

        class DossierPolicy(RecordPolicy):
            """The owner and the admins may see and change a dossier; nobody else."""

            def visible(self, user, queryset):
                return queryset if roles.is_admin(user) else queryset.filter(owner=user)

            def can_change(self, user, record):
                return record.owner_id == user.pk or roles.is_admin(user)

        register_policy(Dossier, DossierPolicy)

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
