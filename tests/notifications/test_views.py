import datetime

import pytest
from django.core.management import call_command
from django.utils import timezone

from ideology_office.notifications import services
from ideology_office.notifications.models import InboxMessage, OutboxItem, ReminderPreference, ReminderRule
from tests.factories import UserFactory

from .conftest import local
from .factories import dossier


def deliver_to(user, count):
    for _number in range(count):
        dossier(deadline=datetime.date(2025, 3, 10), owner=user)
    services.reminders_plan(now=local(2025, 3, 7, 9, 5))
    services.reminders_send_due()


@pytest.mark.django_db
@pytest.mark.parametrize("count", [5, 50])
def test_inbox_lists_own_reminders_in_bounded_queries(
    client, staff, dossier_rule, settings, count, django_assert_max_num_queries
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    deliver_to(staff, count)
    deliver_to(UserFactory(), 2)
    client.force_login(staff)
    with django_assert_max_num_queries(7):
        response = client.get("/inbox/")
    assert response.status_code == 200
    assert len(response.context["page_obj"].object_list) == min(count, 20)
    assert f'id="inbox-badge">{count}<' in response.content.decode()


@pytest.mark.django_db
def test_opening_a_reminder_marks_it_read_and_goes_to_the_record(client, staff, dossier_rule, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    deliver_to(staff, 2)
    message = InboxMessage.objects.filter(recipient=staff).first()
    client.force_login(staff)
    inbox = client.get("/inbox/").content.decode()
    assert f'action="/inbox/{message.pk}/"' in inbox and 'data-testid="inbox-open"' in inbox
    response = client.post(f"/inbox/{message.pk}/")
    assert response.status_code == 302 and response["Location"] == message.url
    message.refresh_from_db()
    assert message.read_at is not None
    assert client.get("/inbox/?show=unread").context["page_obj"].paginator.count == 1
    assert client.post("/inbox/read-all/").status_code == 302
    assert not InboxMessage.objects.filter(recipient=staff, read_at=None).exists()


@pytest.mark.django_db
def test_someone_elses_reminder_is_not_found(client, staff, dossier_rule, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    other = UserFactory()
    deliver_to(other, 1)
    message = InboxMessage.objects.get()
    client.force_login(staff)
    assert client.post(f"/inbox/{message.pk}/").status_code == 404
    assert client.post(f"/inbox/{message.pk}/read/").status_code == 404
    assert client.post("/inbox/999999/").status_code == 404
    message.refresh_from_db()
    assert message.read_at is None


@pytest.mark.django_db
def test_mark_read_needs_post(client, staff):
    client.force_login(staff)
    assert client.get("/inbox/read-all/").status_code == 405


@pytest.mark.django_db
def test_a_get_of_a_reminder_changes_nothing(client, staff, dossier_rule, settings):
    """A prefetching browser or a link checker must not mark reminders read: opening is a POST."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    deliver_to(staff, 1)
    message = InboxMessage.objects.get(recipient=staff)
    client.force_login(staff)
    assert client.get(f"/inbox/{message.pk}/").status_code == 405
    assert client.head(f"/inbox/{message.pk}/").status_code == 405
    message.refresh_from_db()
    assert message.read_at is None


@pytest.mark.django_db
def test_reminder_emails_link_to_the_record_and_the_inbox_not_to_the_open_url(
    staff, dossier_rule, settings, mailoutbox
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    staff.email = "staff1@example.gov.cn"
    staff.save(update_fields=["email"])
    deliver_to(staff, 1)
    message = InboxMessage.objects.get(recipient=staff)
    [email] = mailoutbox
    body = email.body + "".join(content for content, _type in getattr(email, "alternatives", []))
    assert message.url in body and "/inbox/" in body
    assert f"/inbox/{message.pk}/" not in body


@pytest.mark.django_db
def test_preferences_are_saved_and_half_quiet_hours_refused(client, staff):
    client.force_login(staff)
    response = client.post("/inbox/preferences/", {"email": "on", "quiet_start": "22:00"})
    assert response.status_code == 200 and "静音" in response.content.decode()
    assert not ReminderPreference.objects.exists()
    response = client.post(
        "/inbox/preferences/", {"email": "on", "quiet_start": "21:00", "quiet_end": "07:00"}
    )
    assert response.status_code == 302
    preference = ReminderPreference.objects.get(user=staff, rule=None)
    assert preference.email and not preference.webhook and preference.quiet_start == datetime.time(21)


@pytest.mark.django_db
def test_anonymous_visitors_are_sent_to_login(client):
    assert client.get("/inbox/").status_code == 302


@pytest.mark.django_db
def test_admin_pages_of_outbox_and_log_load_with_filters(client, admin_person, dossier_rule, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    admin_person.is_superuser = True
    admin_person.save()
    deliver_to(UserFactory(), 3)
    # A rule whose source no app registers is kept and shown as skipped.
    ReminderRule.objects.create(
        key="testapp.unknown", source="testapp.unknown", name="未接入", offsets="0d", channels="inbox"
    )
    client.force_login(admin_person)
    for url in (
        "/admin/notifications/outboxitem/?status__exact=sent",
        "/admin/notifications/delivery/?channel__exact=email",
        "/admin/notifications/inboxmessage/",
        f"/admin/notifications/outboxitem/{OutboxItem.objects.first().pk}/change/",
    ):
        assert client.get(url).status_code == 200, url
    rules = client.get("/admin/notifications/reminderrule/").content.decode()
    assert "未注册" in rules
    assert client.get("/admin/notifications/outboxitem/add/").status_code == 403


@pytest.mark.django_db
def test_run_reminders_once_plans_and_sends_and_fails_loudly(dossier_rule, settings, capsys):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    # The "0d" reminder is due at 09:00 on the deadline: today from 09:00, else yesterday's.
    now = timezone.localtime()
    day = now.date() if now.hour >= 9 else now.date() - datetime.timedelta(days=1)
    dossier(deadline=day)
    dossier(deadline=day)
    call_command("run_reminders", "--once")
    assert "sent 2" in capsys.readouterr().out
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 9
    OutboxItem.objects.all().delete()
    with pytest.raises(SystemExit) as exit_info:
        call_command("run_reminders", "--once")
    assert exit_info.value.code == 1
