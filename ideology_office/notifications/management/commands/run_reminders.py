"""One planning and sending pass, for sites that run reminders from cron, and for tests."""

import sys

from django.core.management.base import BaseCommand, CommandError

from ideology_office.common.audit import audit_context
from ideology_office.notifications import services


class Command(BaseCommand):
    help = "Plan due reminders, free stuck ones and send what is due (one pass)."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="One pass, then exit (the only mode).")
        parser.add_argument("--plan-only", action="store_true", help="Plan, do not send.")
        parser.add_argument("--send-only", action="store_true", help="Send, do not plan.")
        parser.add_argument("--digest", action="store_true", help="Also plan the leaders' daily digest.")

    def handle(self, *args, once, plan_only, send_only, digest, **options):
        if not once:
            raise CommandError("Give --once: the command runs one pass (beat runs the schedule).")
        failed = False
        with audit_context(label="run_reminders"):
            if not send_only:
                plan = services.reminders_plan()
                self.stdout.write(
                    f"planned {plan.created} (considered {plan.considered}), cancelled {plan.cancelled}"
                )
                for key in plan.skipped_rules:
                    self.stdout.write(f"skipped rule {key}: source not registered")
                if digest:
                    self.stdout.write(f"digest {services.reminders_plan_digest()}")
            if not plan_only:
                reclaimed = services.reminders_reclaim_stuck()
                sent = services.reminders_send_due()
                self.stdout.write(
                    f"reclaimed {reclaimed}, sent {sent.sent}, retry {sent.retry}, failed {sent.failed}"
                )
                failed = bool(sent.retry or sent.failed)
        if failed:
            sys.exit(1)
