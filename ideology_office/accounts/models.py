from django.contrib.auth.models import AbstractUser
from django.contrib.auth.models import UserManager as DjangoUserManager
from django.db import models
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
    pass


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
