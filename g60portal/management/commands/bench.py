import importlib
import importlib.util
import statistics
import time

from django.core.management import call_command
from django.core.management.base import BaseCommand

# Each app may keep benchmarks in <app>/bench.py as run(command, **options); they print
# their own figures through command.report().
BENCH_APPS = ["listings", "articles", "leads", "g60portal"]


def percentiles(samples_ms):
    ordered = sorted(samples_ms)

    def pick(q):
        index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
        return ordered[index]

    return {
        "n": len(ordered),
        "p50": statistics.median(ordered),
        "p95": pick(0.95),
        "max": ordered[-1],
    }


def time_call(func, repeat):
    """Run func repeat times; return the durations in milliseconds."""
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        func()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


class Command(BaseCommand):
    help = "Print speed figures: page server times (p50/p95) and throughput per app."

    def add_arguments(self, parser):
        parser.add_argument("--only", choices=BENCH_APPS, help="Run one app's benchmarks.")
        parser.add_argument("--repeat", type=int, default=30, help="Samples per measurement.")

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

    def handle(self, *args, only=None, repeat=30, **options):
        # The bench builds its own large data set; bring its database up to date first.
        call_command("migrate", interactive=False, verbosity=0)
        call_command("createcachetable")
        for app in [only] if only else BENCH_APPS:
            if importlib.util.find_spec(f"{app}.bench") is None:
                continue
            self.stdout.write(self.style.MIGRATE_HEADING(f"== {app}"))
            importlib.import_module(f"{app}.bench").run(self, repeat=repeat)
