from django.contrib.auth import password_validation
from django.contrib.auth.hashers import check_password
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from . import policy

# The numbers (length, classes, history) are the sign-in policy's in force (accounts/policy.py),
# read at each check: the 安全管理员 changes them in the admin without a restart.


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    """Django's validator with messages of our own: Django 5.2's zh_Hans catalogue misses its
    current wording, so users would read English."""

    def __init__(self, min_length=None):
        self._min_length = min_length

    @property
    def min_length(self):
        return self._min_length or policy.current().password_min_length

    def get_error_message(self):
        return ngettext(
            "The password is too short: it must have at least %(min_length)d character.",
            "The password is too short: it must have at least %(min_length)d characters.",
            self.min_length,
        ) % {"min_length": self.min_length}

    def get_help_text(self):
        return ngettext(
            "Your password must have at least %(min_length)d character.",
            "Your password must have at least %(min_length)d characters.",
            self.min_length,
        ) % {"min_length": self.min_length}


class CharacterClassesValidator:
    """At least ``min_classes`` of the four classes: lower-case letters, upper-case letters, digits
    and other characters."""

    def __init__(self, min_classes=None):
        self._min_classes = min_classes

    @property
    def min_classes(self):
        return self._min_classes or policy.current().password_min_classes

    @staticmethod
    def classes(password: str) -> int:
        return sum(
            (
                any(c.islower() for c in password),
                any(c.isupper() for c in password),
                any(c.isdigit() for c in password),
                any(not c.isalnum() for c in password),
            )
        )

    def validate(self, password, user=None):
        if self.classes(password) < self.min_classes:
            raise ValidationError(self.get_help_text(), code="password_too_simple")

    def get_help_text(self):
        return _(
            "Your password must mix at least %(count)d of: lower-case letters, upper-case letters, "
            "digits and other characters."
        ) % {"count": self.min_classes}


class UsernameNotContainedValidator:
    """The password does not contain the user name (in any case)."""

    def validate(self, password, user=None):
        username = (getattr(user, "username", "") or "").lower()
        if username and username in password.lower():
            raise ValidationError(
                _("The password must not contain the user name."), code="password_contains_username"
            )

    def get_help_text(self):
        return _("Your password must not contain your user name.")


class PasswordHistoryValidator:
    """None of the person's last ``count`` passwords (the current one included)."""

    def __init__(self, count=None):
        self._count = count

    @property
    def count(self):
        return self._count or policy.current().password_history_count

    def validate(self, password, user=None):
        if user is None or user.pk is None:
            return
        from .models import PasswordHistory, User

        earlier = list(
            PasswordHistory.objects.filter(user=user).values_list("password", flat=True)[: self.count]
        )
        stored = User._base_manager.filter(pk=user.pk).values_list("password", flat=True).first()
        if stored:
            earlier.append(stored)
        if any(check_password(password, encoded) for encoded in earlier if encoded):
            raise ValidationError(
                _("The password must differ from your last %(count)d passwords.") % {"count": self.count},
                code="password_reused",
            )

    def get_help_text(self):
        return _("Your password must differ from your last %(count)d passwords.") % {"count": self.count}
