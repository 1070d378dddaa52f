"""The admin of third-party records, in Chinese and within the product's rules.

Second-factor devices are enrolled by their owner on the QR page and reset by the 安全管理员 (the user admin's
action); here the devices are only listed, never added or edited by hand (django-otp's own admin shows the
secret key and an English form).
"""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_totp.models import TOTPDevice

if admin.site.is_registered(TOTPDevice):
    admin.site.unregister(TOTPDevice)


@admin.register(TOTPDevice)
class TOTPDeviceAdmin(admin.ModelAdmin):
    list_display = ["owner", "name", "confirmed", "created_at", "last_used_at"]
    list_filter = ["confirmed"]
    search_fields = ["user__username", "user__real_name"]
    list_select_related = ["user"]
    fields = ["owner", "name", "confirmed", "created_at", "last_used_at"]
    readonly_fields = fields

    @admin.display(description=_("person"), ordering="user__real_name")
    def owner(self, device):
        return device.user

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
