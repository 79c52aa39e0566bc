import time

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import connections

from core import search
from core.pages import bump_page_version

# What --model accepts, in the order the rebuild runs (parks first: listings and parcels
# carry their park's name).
MODELS = {
    "park": "listings.Park",
    "listing": "listings.Listing",
    "land": "listings.LandParcel",
    "article": "articles.Article",
}


class Command(BaseCommand):
    help = (
        "Rebuild the full-text search vectors of parks, listings, land parcels and articles "
        "in batches. Run it after editing core/search_dict.txt, after changing what is "
        "indexed, and after loading rows in bulk. Visitors keep searching meanwhile: each "
        "batch is its own short transaction."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--model",
            action="append",
            choices=list(MODELS),
            help="Only this kind (may be given more than once). Default: all four.",
        )
        parser.add_argument(
            "--missing",
            action="store_true",
            help="Only rows that have no vector yet (e.g. after bulk inserts).",
        )
        parser.add_argument("--batch-size", type=int, default=500, help="Rows per UPDATE.")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Count the rows that would be re-indexed; change nothing.",
        )

    def handle(self, *args, model=None, missing=False, batch_size=500, dry_run=False, **options):
        batch_size = max(1, batch_size)
        started = time.perf_counter()
        load = search.warm_up()
        if options["verbosity"] > 1:
            self.stdout.write(f"jieba dictionary loaded in {load:.2f} s")
        total = 0
        for name in [m for m in MODELS if not model or m in model]:
            queryset = apps.get_model(MODELS[name])._base_manager.all()
            if missing:
                queryset = queryset.filter(search_vector__isnull=True)
            count = queryset.count()
            if dry_run:
                self.stdout.write(f"{name}: {count} rows would be re-indexed")
                continue
            bar = ProgressBar(self.stdout, name, count, quiet=options["verbosity"] == 0)
            done = search.update_search_vectors(queryset, batch_size=batch_size, progress=bar)
            bar.finish()
            total += done
            if done:
                # Fresh statistics of the vectors let the planner choose between the text
                # index and the date index well.
                db = connections[queryset.db]
                with db.cursor() as cursor:
                    cursor.execute(f"ANALYZE {db.ops.quote_name(queryset.model._meta.db_table)}")
        if total:
            # What searches find changed: kept pages and kept search rankings are old.
            bump_page_version()
        if not dry_run and options["verbosity"]:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Re-indexed {total} rows in {time.perf_counter() - started:.1f} s."
                )
            )


class ProgressBar:
    """[#####.....] 1500/3000 listing — redrawn in place on a terminal, a line per tenth
    of the way otherwise (logs, CI)."""

    width = 30

    def __init__(self, out, label, total, quiet=False):
        self.out, self.label, self.total, self.quiet = out, label, total, quiet
        self.tty = hasattr(out, "isatty") and out.isatty()
        self.last_tenth = -1
        self.done = 0

    def __call__(self, done):
        self.done = done
        if self.quiet or not self.total:
            return
        tenth = 10 * done // self.total
        if self.tty:
            self._write("\r" + self._line(done))
        elif tenth != self.last_tenth:
            self._write(self._line(done) + "\n")
        self.last_tenth = tenth

    def _line(self, done):
        filled = self.width * done // self.total
        return f"[{'#' * filled}{'.' * (self.width - filled)}] {done}/{self.total} {self.label}"

    def _write(self, text):
        self.out.write(text, ending="")
        self.out.flush()

    def finish(self):
        if self.quiet:
            return
        if not self.total:
            self._write(f"{self.label}: nothing to index\n")
        elif self.tty:
            self._write("\n")
        elif self.last_tenth != 10:
            self._write(self._line(self.done) + "\n")
