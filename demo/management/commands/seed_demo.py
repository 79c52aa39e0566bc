from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction

from demo import articles, leads, listings

# Order matters: parks name agents, articles name parks, inquiries name listings.
PARTS = [listings, articles, leads]


class Command(BaseCommand):
    help = (
        "Load the demo content (parks, agents, listings, land, news, inquiries) from the data "
        "files in demo/data/. Idempotent: running it again updates and adds nothing twice."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--listings",
            type=int,
            default=0,
            metavar="N",
            help="Also build a large data set of N generated listings (for benchmarks).",
        )
        parser.add_argument(
            "--articles",
            type=int,
            default=0,
            metavar="N",
            help="Also build N generated articles (for benchmarks).",
        )

    def handle(self, *args, **options):
        for part in PARTS:
            with transaction.atomic():
                part.seed(self, **options)
        # Generated rows are bulk-inserted, which skips save() and so the search vectors.
        call_command("rebuild_search_index", missing=True, stdout=self.stdout._out)
        self.stdout.write(self.style.SUCCESS("Demo content is in place."))
