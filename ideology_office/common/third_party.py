"""Chinese names for the third-party apps the admin shows (登录保护, 动态口令, 单条记录授权).

Their app configs are subclassed here and named in INSTALLED_APPS instead of the packages' own. Model names
the packages mark for translation (django-axes: "access attempt"…) are translated in our catalogue; the ones
they leave as plain strings (django-otp's "TOTP device", django-guardian's object permissions, which would
show as "Guardian | user object permission" in the audit trail's record kinds) are named here when the app is
ready. Only ``_meta.verbose_name`` changes, not the models' declared options, so no migration follows.
"""

from axes.apps import AppConfig as AxesAppConfig
from django.conf import settings
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop
from django_otp.plugins.otp_totp.apps import DefaultConfig as OtpTotpAppConfig
from guardian.apps import GuardianConfig as GuardianAppConfig


def _name_models(app_config, names: dict[str, tuple]) -> None:
    for model_name, (singular, plural) in names.items():
        meta = app_config.get_model(model_name)._meta
        meta.verbose_name, meta.verbose_name_plural = singular, plural


class AxesConfig(AxesAppConfig):
    verbose_name = _("Sign-in protection")


class OtpTotpConfig(OtpTotpAppConfig):
    verbose_name = _("Second factor")

    def ready(self):
        super().ready()
        _name_models(self, {"TOTPDevice": (_("authenticator device"), _("authenticator devices"))})


class GuardianConfig(GuardianAppConfig):
    verbose_name = _("Per-record permissions")

    def ready(self):
        super().ready()
        _name_models(
            self,
            {
                "UserObjectPermission": (
                    _("person's permission on a record"),
                    _("people's permissions on records"),
                ),
                "GroupObjectPermission": (
                    _("group's permission on a record"),
                    _("groups' permissions on records"),
                ),
            },
        )


# Strings the admin and django-axes translate at run time but whose Chinese neither package ships: listed
# here so that makemessages puts them in our catalogue, which Django reads before the packages' own.
THIRD_PARTY_STRINGS = [
    # Django admin: the index's hidden table headers and the new-user page's note
    gettext_noop("Model name"),
    gettext_noop("Add link"),
    gettext_noop("Change or view list link"),
    gettext_noop("After you’ve created a user, you’ll be able to edit more user options."),
    # django-axes: its records and their fields
    gettext_noop("access attempt"),
    gettext_noop("access attempts"),
    gettext_noop("Access Attempt"),
    gettext_noop("access failure"),
    gettext_noop("access failures"),
    gettext_noop("access log"),
    gettext_noop("access logs"),
    gettext_noop("access attempt expiration"),
    gettext_noop("access attempt expirations"),
    gettext_noop("User Agent"),
    gettext_noop("IP Address"),
    gettext_noop("Username"),
    gettext_noop("HTTP Accept"),
    gettext_noop("Path"),
    gettext_noop("Attempt Time"),
    gettext_noop("Access lock out"),
    gettext_noop("GET Data"),
    gettext_noop("POST Data"),
    gettext_noop("Failed Logins"),
    gettext_noop("Expires At"),
    gettext_noop("The time when access attempt expires and is no longer valid."),
    gettext_noop("Logout Time"),
    gettext_noop("Session key hash (sha256)"),
    gettext_noop("Locked Out"),
]


# Permission names ------------------------------------------------------------------------------------

_DEFAULT_ACTIONS = {
    "add": gettext_noop("Can add %(record)s"),
    "change": gettext_noop("Can change %(record)s"),
    "delete": gettext_noop("Can delete %(record)s"),
    "view": gettext_noop("Can view %(record)s"),
}


def name_permissions_in_chinese(sender=None, using="default", **kwargs) -> None:
    """Django stores each model's four default permissions with English names ("Can add agenda item"),
    which the group and user admin then list; a model's own permissions are stored as written in English too.
    After every migrate, give them their Chinese names — the codenames, which the code checks, never change."""
    from django.apps import apps
    from django.contrib.auth.models import Permission
    from django.contrib.contenttypes.models import ContentType
    from django.utils import translation

    with translation.override(settings.LANGUAGE_CODE):
        wanted = {}
        for content_type in ContentType.objects.using(using).all():
            model = (
                apps.get_model(content_type.app_label, content_type.model)
                if _installed(content_type)
                else None
            )
            if model is None:
                continue
            for action, template in _DEFAULT_ACTIONS.items():
                name = translation.gettext(template) % {"record": model._meta.verbose_name}
                wanted[(content_type.pk, f"{action}_{content_type.model}")] = name[:255]
            # A model's own permissions are declared with translatable names but stored as written.
            for codename, name in model._meta.permissions:
                wanted[(content_type.pk, codename)] = str(translation.gettext(name))[:255]
        stale = [
            permission
            for permission in Permission.objects.using(using).filter(
                content_type_id__in={k[0] for k in wanted}
            )
            if wanted.get((permission.content_type_id, permission.codename), permission.name)
            != permission.name
        ]
        for permission in stale:
            permission.name = wanted[(permission.content_type_id, permission.codename)]
        Permission.objects.using(using).bulk_update(stale, ["name"], batch_size=500)


def _installed(content_type) -> bool:
    from django.apps import apps

    try:
        apps.get_model(content_type.app_label, content_type.model)
    except LookupError:
        return False
    return True
