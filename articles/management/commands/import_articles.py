from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from articles.services import ImportRowError, import_article, lookup_tables, read_import_rows

FORMATS = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl"}
COLUMNS = (
    "title, category, tags, source_name, source_url, published_at, body, cover, summary, "
    "status, featured, parks, seo_title, seo_description"
)


class ProgressBar:
    """A one-line bar on a terminal; a line every 10 % when the output is a file."""

    width = 30

    def __init__(self, stdout, total):
        self.stdout = stdout
        self.total = max(total, 1)
        self.interactive = getattr(stdout, "isatty", lambda: False)()
        self.last_tenth = -1

    def update(self, done):
        if self.interactive:
            filled = self.width * done // self.total
            bar = "#" * filled + "." * (self.width - filled)
            self.stdout.write(f"\r[{bar}] {done}/{self.total}", ending="")
            self.stdout.flush()
            return
        tenth = 10 * done // self.total
        if tenth != self.last_tenth or done == self.total:
            self.last_tenth = tenth
            self.stdout.write(f"[{10 * tenth:3d}%] {done}/{self.total} rows")

    def finish(self):
        if self.interactive:
            self.stdout.write("")


class Command(BaseCommand):
    help = (
        "Import articles from a JSON-lines or CSV file exported from another site. "
        f"Columns: {COLUMNS}. title, category (name or slug of an existing category) and "
        "published_at are required. Rows are matched on source_url, else on title and "
        "publication day, so importing the same file again updates instead of duplicating. "
        "Bad rows are reported (row and field) and skipped; the good rows land."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="Path of the .jsonl or .csv file.")
        parser.add_argument(
            "--format",
            choices=["jsonl", "csv"],
            help="File format; by default taken from the file name (.csv, .jsonl, .json).",
        )
        parser.add_argument(
            "--encoding",
            default="utf-8-sig",
            help="Text encoding of the file (default utf-8-sig; exports from older Chinese "
            "systems may need gb18030).",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Check every row and report what would happen; change nothing.",
        )

    def handle(self, *args, file, format=None, encoding="utf-8-sig", dry_run=False, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        fmt = format or FORMATS.get(path.suffix.lower())
        if fmt is None:
            raise CommandError("Cannot tell the format from the file name: pass --format")
        try:
            rows = list(read_import_rows(path, fmt=fmt, encoding=encoding))
        except UnicodeDecodeError as exc:
            raise CommandError(
                f"The file is not {encoding} text ({exc.reason} at byte {exc.start}); "
                "try --encoding gb18030"
            ) from None
        except LookupError:
            raise CommandError(f"Unknown encoding: {encoding}") from None

        counts = {"created": 0, "updated": 0, "unchanged": 0}
        problems = []
        lookups = lookup_tables()
        progress = ProgressBar(self.stdout, len(rows))
        with transaction.atomic():
            for done, (number, line, record) in enumerate(rows, start=1):
                if isinstance(record, Exception):
                    problems.append((number, line, "-", f"unreadable row: {record}"))
                else:
                    try:
                        with transaction.atomic():
                            outcome = import_article(
                                record, base_dir=path.parent, lookups=lookups, dry_run=dry_run
                            )
                        counts[outcome.action] += 1
                    except ImportRowError as exc:
                        problems.extend((number, line, f, message) for f, message in exc.errors)
                progress.update(done)
            if dry_run:
                transaction.set_rollback(True)
        progress.finish()

        if problems:
            skipped = len({number for number, *_ in problems})
            self.stderr.write(f"{skipped} row(s) skipped:")
            for number, line, field_name, message in problems:
                self.stderr.write(f"  row {number} (line {line}), {field_name}: {message}")
        else:
            skipped = 0
        prefix = "Dry run, nothing saved. Would have: " if dry_run else ""
        summary = (
            f"{prefix}{counts['created']} created, {counts['updated']} updated, "
            f"{counts['unchanged']} unchanged, {skipped} skipped."
        )
        self.stdout.write(self.style.WARNING(summary) if skipped else self.style.SUCCESS(summary))
        if skipped:
            raise CommandError(f"{skipped} row(s) were skipped; see the report above.")
