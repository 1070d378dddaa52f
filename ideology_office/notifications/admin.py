from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from . import services
from .models import Delivery, InboxMessage, OutboxItem, ReminderPreference, ReminderRule
from .sources import source


@admin.register(ReminderRule)
class ReminderRuleAdmin(admin.ModelAdmin):
    list_display = [
        "key",
        "name",
        "offsets",
        "overdue_every_days",
        "escalate_after_days",
        "channels",
        "urgent",
        "active",
        "source_state",
    ]
    list_filter = ["active", "urgent"]
    search_fields = ["key", "name", "source"]

    @admin.display(description=_("source"))
    def source_state(self, rule):
        # A rule written before its work area is wired is kept, and skipped by the planner.
        return _("registered") if source(rule.source) else _("not registered: skipped")

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        obj.full_clean()
        obj.save()


@admin.register(ReminderPreference)
class ReminderPreferenceAdmin(admin.ModelAdmin):
    list_display = ["user", "rule", "email", "webhook", "quiet_start", "quiet_end"]
    list_select_related = ["user", "rule"]
    autocomplete_fields = ["user"]

    def save_model(self, request, obj, form, change):
        services.preference_save(
            user=obj.user,
            rule=obj.rule,
            email=obj.email,
            webhook=obj.webhook,
            quiet_start=obj.quiet_start,
            quiet_end=obj.quiet_end,
        )


class ReadOnlyAdmin(admin.ModelAdmin):
    """The outbox and the logs are written by the engine only."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class DeliveryInline(admin.TabularInline):
    model = Delivery
    fields = ["at", "channel", "status", "attempt", "possible_duplicate", "key", "worker", "detail"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(OutboxItem)
class OutboxItemAdmin(ReadOnlyAdmin):
    list_display = [
        "title",
        "recipient",
        "kind",
        "rule",
        "status",
        "send_at",
        "next_attempt_at",
        "attempts",
        "sent_at",
    ]
    list_filter = ["status", "kind", "rule", "urgent", ("send_at", admin.DateFieldListFilter)]
    search_fields = ["title", "dedup_key", "recipient__username", "recipient__real_name"]
    list_select_related = ["recipient", "rule"]
    date_hierarchy = "send_at"
    inlines = [DeliveryInline]
    actions = ["resend", "confirm_delivered"]

    @admin.action(description=_("Send again (failed, cancelled or held ones; held ones may arrive twice)"))
    def resend(self, request, queryset):
        for item in queryset:
            services.reminder_resend(item=item)
        self.message_user(request, _("Queued to be sent again."), messages.SUCCESS)

    @admin.action(description=_("Mark held ones as delivered (the recipient has the message)"))
    def confirm_delivered(self, request, queryset):
        for item in queryset:
            services.reminder_confirm_delivered(item=item, user=request.user)
        self.message_user(request, _("Held reminders marked delivered."), messages.SUCCESS)

    def has_change_permission(self, request, obj=None):
        # Needed for the action to show; the change form itself has only read-only fields.
        return request.user.has_perm("notifications.change_outboxitem")

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdmin):
    list_display = ["at", "item", "channel", "status", "attempt", "possible_duplicate", "worker", "detail"]
    list_filter = ["channel", "status", "possible_duplicate", ("at", admin.DateFieldListFilter)]
    search_fields = ["item__title", "item__dedup_key", "key", "detail"]
    list_select_related = ["item"]
    date_hierarchy = "at"


@admin.register(InboxMessage)
class InboxMessageAdmin(ReadOnlyAdmin):
    list_display = ["title", "recipient", "created_at", "read_at", "urgent"]
    list_filter = ["urgent", ("read_at", admin.EmptyFieldListFilter)]
    search_fields = ["title", "recipient__username", "recipient__real_name"]
    list_select_related = ["recipient"]
