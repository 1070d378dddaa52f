from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "ideology_office.accounts"
    label = "accounts"
    verbose_name = _("People and organisation")

    def ready(self):
        from . import (
            services,  # noqa: F401  (三员分立 on every change of roles)
            signin,  # noqa: F401  (sign-in, sign-out, failure and lockout events)
        )
        from .roles import sync_role_permissions

        # Permissions exist only after every app migrated, so roles get theirs on post_migrate.
        post_migrate.connect(sync_role_permissions, dispatch_uid="accounts.sync_role_permissions")
