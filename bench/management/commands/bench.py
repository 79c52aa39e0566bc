from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.test.utils import override_settings

from bench import (
    articles,
    inquiries,
    leads,
    lighthouse,
    listings,
    matching,
    pages,
    posters,
    search,
)
from bench.timing import percentiles

# Each part is a module of bench/ with run(command, repeat=…); it prints its own figures
# through command.report(). "g60portal" is the former name of the search part.
# "inquiries" loads the whole running stack (bench/inquiries.py) for two minutes or more.
PARTS = {
    "listings": listings,
    "articles": articles,
    "leads": leads,
    "posters": posters,
    "search": search,
    "matching": matching,
    "pages": pages,
    "inquiries": inquiries,
    "lighthouse": lighthouse,
}
ALIASES = {"g60portal": "search"}


class Command(BaseCommand):
    help = "Print speed figures: page server times (p50/p95) and throughput per part."

    def add_arguments(self, parser):
        parser.add_argument(
            "--only", choices=[*PARTS, *ALIASES], help="Run one part of the benchmarks."
        )
        parser.add_argument("--repeat", type=int, default=30, help="Samples per measurement.")
        parser.add_argument(
            "--load-clients", type=int, default=32, help="inquiries: concurrent clients."
        )
        parser.add_argument(
            "--load-seconds", type=int, default=60, help="inquiries: seconds of each load."
        )
        parser.add_argument(
            "--seconds", type=int, default=5, help="pages: how long wrk drives each page."
        )
        parser.add_argument("--rounds", type=int, default=3, help="pages: interleaved rounds.")
        parser.add_argument(
            "--runs", type=int, default=3, help="lighthouse: runs per page (the median is shown)."
        )
        parser.add_argument(
            "--page",
            action="append",
            dest="pages",
            help="pages: a path to measure; lighthouse: a page name or path (repeatable).",
        )

    def report(self, label, samples_ms=None, *, value=None, unit="ms", target=None):
        if samples_ms is not None:
            stats = percentiles(samples_ms)
            line = (
                f"{label:<48} n={stats['n']:<4} p50={stats['p50']:7.1f} ms  "
                f"p95={stats['p95']:7.1f} ms  max={stats['max']:7.1f} ms"
            )
            if target is not None:
                line += "  ok" if stats["p95"] <= target else f"  OVER target {target} ms"
        else:
            line = f"{label:<48} {value:.1f} {unit}"
        self.stdout.write(line)

    def handle(
        self,
        *args,
        only=None,
        repeat=30,
        load_clients=32,
        load_seconds=60,
        seconds=5,
        rounds=3,
        pages=None,
        runs=3,
        **options,
    ):
        self.load_clients, self.load_seconds = load_clients, load_seconds
        # The bench builds its own large data set; bring its database up to date first.
        call_command("migrate", interactive=False, verbosity=0)
        call_command("createcachetable")
        names = [ALIASES.get(only, only)] if only else list(PARTS)
        for name in names:
            self.stdout.write(self.style.MIGRATE_HEADING(f"== {name}"))
            if name == "pages":
                PARTS[name].run(self, seconds=seconds, rounds=rounds, pages=pages)
            elif name == "lighthouse":
                PARTS[name].run(self, runs=runs, only_pages=set(pages or ()))
            else:
                # Server time of rendering a page: the in-process parts ask the same URL many
                # times, which the page cache would otherwise answer after the first.
                with override_settings(PAGE_CACHE_SECONDS=0):
                    PARTS[name].run(self, repeat=repeat)
