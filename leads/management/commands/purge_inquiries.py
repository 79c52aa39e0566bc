from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from leads import services


class Command(BaseCommand):
    help = (
        "Anonymize closed inquiries (won, lost, spam) older than DAYS days: name, mobile, "
        "WeChat, e-mail, company, message, page addresses, IP and note texts are removed; "
        "the figures stay. Default age: LEAD_RETENTION_DAYS."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--older-than",
            type=int,
            metavar="DAYS",
            default=None,
            help="Age in days (default: settings.LEAD_RETENTION_DAYS).",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Count what would be anonymized; change nothing."
        )

    def handle(self, *args, older_than=None, dry_run=False, **options):
        days = settings.LEAD_RETENTION_DAYS if older_than is None else older_than
        if days < 1:
            raise CommandError("--older-than must be at least 1 day")
        count = services.anonymize_closed_inquiries(older_than_days=days, dry_run=dry_run)
        if dry_run:
            self.stdout.write(
                f"[dry run] {count} closed inquiries older than {days} days would be anonymized."
            )
        else:
            self.stdout.write(f"Anonymized {count} closed inquiries older than {days} days.")
