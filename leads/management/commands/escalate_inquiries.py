from django.conf import settings
from django.core.management.base import BaseCommand

from leads import services


class Command(BaseCommand):
    help = (
        "Reassign inquiries still new after LEAD_SLA_MINUTES to the next agent (at most "
        "LEAD_MAX_REASSIGN times), else escalate them to managers. The worker set-up runs "
        "the same job every minute (settings.PERIODIC_TASKS)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="Show what would happen; change nothing."
        )

    def handle(self, *args, dry_run=False, **options):
        done = services.escalate_overdue_inquiries(dry_run=dry_run)
        prefix = "[dry run] " if dry_run else ""
        for inquiry, action, agent in done:
            if action == "reassign":
                self.stdout.write(f"{prefix}{inquiry.reference}: reassigned to {agent}")
            else:
                self.stdout.write(f"{prefix}{inquiry.reference}: escalated to managers")
        if not done:
            self.stdout.write(f"No inquiry is still new after {settings.LEAD_SLA_MINUTES} minutes.")
        if not dry_run:
            requeued = services.sweep_notifications()
            if requeued:
                self.stdout.write(f"Re-enqueued {requeued} stalled notification(s).")
