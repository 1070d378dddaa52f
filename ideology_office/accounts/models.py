from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.contrib.auth.models import UserManager as DjangoUserManager
from django.core.management.base import CommandError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ideology_office.common.audit import AuditedModel, AuditedQuerySet

from .roles import Role


class OrgUnit(AuditedModel):
    """A node of the organisation tree: the office, its sections (股室), and the county's units
    (党委/党组) that the office assesses."""

    class Kind(models.TextChoices):
        OFFICE = "office", _("Office")
        SECTION = "section", _("Section")
        COUNTY_UNIT = "county_unit", _("County unit (party committee or leading party group)")

    name = models.CharField(_("name"), max_length=100)
    short_name = models.CharField(_("short name"), max_length=30, blank=True)
    code = models.SlugField(
        _("code"), max_length=40, unique=True, help_text=_("A stable key used by imports.")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent unit"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    sort_order = models.PositiveIntegerField(_("sort order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("organisation unit")
        verbose_name_plural = _("organisation units")
        ordering = ["kind", "sort_order", "name"]
        constraints = [
            models.UniqueConstraint(fields=["parent", "name"], name="accounts_orgunit_unique_name_in_parent"),
            models.CheckConstraint(
                condition=~models.Q(parent=models.F("pk")), name="accounts_orgunit_not_own_parent"
            ),
        ]

    def __str__(self):
        return self.name


class UserQuerySet(AuditedQuerySet):
    def with_role(self, *role_names: str):
        """The people holding any of ``role_names``, as ``accounts.roles`` counts them: active
        accounts only, and a superuser holds 管理员."""
        holds = models.Q(groups__name__in=role_names)
        if Role.ADMIN in role_names:
            holds |= models.Q(is_superuser=True)
        return self.filter(holds, is_active=True).distinct()


class UserManager(DjangoUserManager.from_queryset(UserQuerySet)):
    def create_superuser(self, username, email=None, password=None, **extra_fields):
        # 三员分立: production has no all-powerful account; only development settings allow one.
        if not getattr(settings, "ALLOW_SUPERUSER", False):
            # Said to the operator at the console, in Chinese whatever the language of the command.
            raise CommandError(
                "本系统实行三员分立，不能创建超级用户。请运行“python manage.py bootstrap_admins”"
                "创建系统管理员、安全管理员和审计管理员三个账号。"
            )
        return super().create_superuser(username, email, password, **extra_fields)


class User(AbstractUser, AuditedModel):
    """A person of the office. Roles are groups; the section is where the person works."""

    real_name = models.CharField(_("real name"), max_length=50)
    section = models.ForeignKey(
        OrgUnit,
        verbose_name=_("section"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="members",
    )
    title = models.CharField(_("post"), max_length=50, blank=True, help_text=_("Post, e.g. 副主任, 科员."))
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    # Sign-in policy (accounts/signin.py): the password's age and a change forced at next sign-in.
    password_changed_at = models.DateTimeField(_("password changed"), null=True, blank=True, editable=False)
    must_change_password = models.BooleanField(
        _("must change password at next sign-in"),
        default=False,
        help_text=_("Set for new accounts and after a password reset."),
    )

    objects = UserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["section__sort_order", "username"]

    def __str__(self):
        return self.real_name or self.username

    def get_full_name(self):
        return self.real_name or self.username

    def get_short_name(self):
        return self.real_name or self.username

    def set_password(self, raw_password):
        super().set_password(raw_password)
        self.password_changed_at = timezone.now()

    def save(self, *args, **kwargs):
        if self.is_superuser and not getattr(settings, "ALLOW_SUPERUSER", False):
            # 三员分立: whatever the path (shell, admin, a command), no account becomes a superuser
            # where superusers are not allowed; one that already is may still be saved (and demoted).
            was = None if self._state.adding else type(self)._base_manager.filter(pk=self.pk).first()
            if was is None or not was.is_superuser:
                raise CommandError(
                    "本系统实行三员分立，不能设置超级用户。请由安全管理员分配系统管理员、安全管理员或审计管理员角色。"
                )
        password_changed = self._password is not None
        super().save(*args, **kwargs)
        if password_changed and self.has_usable_password():
            PasswordHistory.objects.create(user=self, password=self.password)

    def password_expired(self) -> bool:
        """Older than the sign-in policy allows (0 days: never expires)."""
        from .policy import current

        days = current().password_max_age_days
        if not days or not self.has_usable_password():
            return False
        changed = self.password_changed_at or self.date_joined
        return timezone.now() - changed > timedelta(days=days)

    def has_role(self, role: Role) -> bool:
        return role in self.role_names

    @property
    def role_names(self) -> frozenset[str]:
        """The names of the person's role groups, read once per request-scoped instance. A superuser
        also holds 管理员, and an inactive account holds nothing (see ``accounts/roles.py``)."""
        if not hasattr(self, "_role_names"):
            if not self.is_active:
                names = frozenset()
            else:
                names = frozenset(self.groups.values_list("name", flat=True))
                if self.is_superuser:
                    names |= {Role.ADMIN.value}
            self._role_names = frozenset(names)
        return self._role_names


class PasswordHistory(models.Model):
    """The hashes of a person's earlier passwords, so that none of the last few is used again.
    Not audited: a hash is a secret too."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="password_history")
    password = models.CharField(_("password"), max_length=128)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("earlier password")
        verbose_name_plural = _("earlier passwords")
        ordering = ["-created_at", "-pk"]
        default_permissions = ()

    def __str__(self):
        return f"{self.user} {self.created_at:%Y-%m-%d}"


class SecurityEvent(AuditedModel):
    """One sign-in, sign-out, failed sign-in, lockout, unlock, password change or reset, or second
    factor enrolment, with the address and the browser. Each is also an entry of the audit trail."""

    class Kind(models.TextChoices):
        LOGIN = "login", _("signed in")
        LOGOUT = "logout", _("signed out")
        LOGIN_FAILED = "login_failed", _("failed sign-in")
        LOCKED_OUT = "locked_out", _("locked out")
        UNLOCKED = "unlocked", _("unlocked")
        IDLE_TIMEOUT = "idle_timeout", _("signed out after inactivity")
        PASSWORD_CHANGED = "password_changed", _("changed own password")
        PASSWORD_RESET = "password_reset", _("password reset")
        OTP_ENROLLED = "otp_enrolled", _("second factor enrolled")
        OTP_VERIFIED = "otp_verified", _("second factor verified")
        OTP_FAILED = "otp_failed", _("wrong second factor code")
        OTP_RESET = "otp_reset", _("second factor cleared")
        AUDIT_EXPORTED = "audit_exported", _("audit trail exported")

    timestamp = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    kind = models.CharField(_("event"), max_length=20, choices=Kind.choices)
    user = models.ForeignKey(
        User,
        verbose_name=_("person"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_constraint=False,
    )
    username = models.CharField(_("user name (as entered)"), max_length=150, blank=True)
    actor_label = models.CharField(_("done by"), max_length=150, blank=True)
    remote_addr = models.GenericIPAddressField(_("address"), null=True, blank=True)
    user_agent = models.CharField(_("browser"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("sign-in event")
        verbose_name_plural = _("sign-in events")
        ordering = ["-timestamp", "-pk"]
        default_permissions = ("view",)

    def __str__(self):
        return f"{self.timestamp:%Y-%m-%d %H:%M} {self.username} {self.get_kind_display()}"


class DataExport(AuditedModel):
    """One download of records (a ledger, the duty roster, study records, a score sheet, an
    evidence file...): who, what, with which filters and how many rows. Written for every download
    by ``common.exports`` in one place; creating it writes its entry of the audit trail, and the
    审计管理员 reads both."""

    timestamp = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    user = models.ForeignKey(
        User,
        verbose_name=_("person"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_constraint=False,
    )
    actor_label = models.CharField(_("done by"), max_length=150)
    remote_addr = models.GenericIPAddressField(_("address"), null=True, blank=True)
    what = models.CharField(_("file"), max_length=255)
    page = models.CharField(
        _("page"), max_length=100, blank=True, help_text=_("The URL name of the download.")
    )
    path = models.CharField(_("address of the download"), max_length=500, blank=True)
    filters = models.JSONField(_("filters"), default=dict, blank=True)
    row_count = models.PositiveIntegerField(_("rows"), null=True, blank=True)

    class Meta:
        verbose_name = _("data export")
        verbose_name_plural = _("data exports")
        ordering = ["-timestamp", "-pk"]
        default_permissions = ("view",)

    def __str__(self):
        return f"{self.timestamp:%Y-%m-%d %H:%M} {self.actor_label} {self.what}"


def _range(low: int, high: int):
    from django.core.validators import MaxValueValidator, MinValueValidator

    return [
        MinValueValidator(low, message=_("At least %(limit_value)s.")),
        MaxValueValidator(high, message=_("At most %(limit_value)s.")),
    ]


class SignInPolicy(AuditedModel):
    """The sign-in policy, kept by the 安全管理员 in the admin: one record (``accounts/policy.py``
    reads it, cached). Until it is first saved, the environment's settings apply. Every change is
    in the audit trail with its old and new values. The lower limits are those of GB/T 22239-2019
    level 3 as the product meets it: no weaker policy can be saved."""

    SINGLETON_PK = 1
    # Named like secrets, but they are the policy's figures: the trail keeps their old and new values.
    audit_not_secret_fields = (
        "password_min_length",
        "password_min_classes",
        "password_history_count",
        "password_max_age_days",
    )

    password_min_length = models.PositiveSmallIntegerField(
        _("minimum password length"), validators=_range(8, 64)
    )
    password_min_classes = models.PositiveSmallIntegerField(
        _("character classes required"),
        validators=_range(3, 4),
        help_text=_("Of lower-case letters, upper-case letters, digits and other characters."),
    )
    password_history_count = models.PositiveSmallIntegerField(
        _("earlier passwords not to reuse"), validators=_range(1, 24)
    )
    password_max_age_days = models.PositiveSmallIntegerField(
        _("password valid for (days)"), validators=_range(0, 365), help_text=_("0: never expires.")
    )
    idle_timeout_minutes = models.PositiveSmallIntegerField(
        _("sign out after inactivity (minutes)"), validators=_range(1, 480)
    )
    idle_warning_seconds = models.PositiveSmallIntegerField(
        _("warn before signing out (seconds)"), validators=_range(10, 600)
    )
    lockout_failure_limit = models.PositiveSmallIntegerField(
        _("failed sign-ins before a lockout"),
        validators=_range(3, 10),
        help_text=_("Per user name and address."),
    )
    lockout_minutes = models.PositiveSmallIntegerField(_("lockout (minutes)"), validators=_range(1, 1440))
    second_factor_roles = models.JSONField(_("roles that must use a second factor"), default=list, blank=True)

    class Meta:
        verbose_name = _("sign-in policy")
        verbose_name_plural = _("sign-in policy")
        default_permissions = ("view", "change")

    def __str__(self):
        return str(_("sign-in policy"))

    def clean(self):
        from django.core.exceptions import ValidationError

        errors = {}
        unknown = set(self.second_factor_roles or ()) - set(Role.values)
        if unknown:
            errors["second_factor_roles"] = _("Not a role: %(names)s.") % {
                "names": "、".join(sorted(unknown))
            }
        if (
            self.idle_timeout_minutes is not None
            and self.idle_warning_seconds is not None
            and self.idle_warning_seconds >= self.idle_timeout_minutes * 60
        ):
            errors["idle_warning_seconds"] = _("The warning must come before the sign-out.")
        if errors:
            raise ValidationError(errors)
