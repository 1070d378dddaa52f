"""The default reminder rules, one per source the work areas provide. A rule whose source is not
registered yet is kept and skipped by the planner (the admin shows it). Editable afterwards; this
migration never overwrites a rule that already exists."""

from django.db import migrations

# key, name, offsets, overdue repeat (days), escalation (days overdue), channels, urgent
RULES = [
    ("inspections.task_deadline", "整改任务到期提醒", "-7d,-3d,-1d,0d", 2, 3, "inbox,email,webhook", False),
    ("responsibility.follow_up_deadline", "办公会议落实事项到期提醒", "-3d,-1d,0d", 2, 5, "inbox,email", False),
    ("sentiment.duty_shift_start", "值班开始提醒", "-12h,-1h", None, None, "inbox,email,webhook", True),
    ("sentiment.handover_not_accepted", "交接班未确认提醒", "+30m", None, None, "inbox,webhook", True),
    ("sentiment.quarter_without_review", "本季度尚未召开舆情研判会", "-15d,-7d,-1d", None, None, "inbox,email", False),
    ("positions.review_waiting", "内容等待审核提醒", "0d", 1, 2, "inbox,email", False),
    ("positions.physical_stale", "阵地内容未及时更新", "0d", 7, None, "inbox", False),
    ("positions.key_date", "宣传重点节点提醒", "-7d,-1d", None, None, "inbox,email", False),
    ("sentiment.incident_over_limit", "舆情事件超过报告/处置时限", "0d", 1, 0, "inbox,email,webhook", True),
    ("study.material_waiting", "学习材料待学习提醒", "0d", 3, None, "inbox", False),
    ("study.points_below_threshold", "学习积分低于要求", "0d", None, None, "inbox,email", False),
]


def add_rules(apps, schema_editor):
    ReminderRule = apps.get_model("notifications", "ReminderRule")
    for key, name, offsets, every, escalate, channels, urgent in RULES:
        ReminderRule.objects.get_or_create(
            key=key,
            defaults={
                "source": key,
                "name": name,
                "offsets": offsets,
                "overdue_every_days": every,
                # 0 days: escalate as soon as it is over the limit.
                "escalate_after_days": escalate,
                "channels": channels,
                "urgent": urgent,
                "active": True,
            },
        )


def remove_rules(apps, schema_editor):
    apps.get_model("notifications", "ReminderRule").objects.filter(key__in=[rule[0] for rule in RULES]).delete()


class Migration(migrations.Migration):
    dependencies = [("notifications", "0001_reminders")]

    operations = [migrations.RunPython(add_rules, remove_rules)]
