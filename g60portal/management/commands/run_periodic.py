import signal
import time

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import InterfaceError, OperationalError
from django.utils.module_loading import import_string

from g60portal.management.commands.run_worker import close_connections

DATABASE_ERRORS = (OperationalError, InterfaceError)


class Command(BaseCommand):
    help = (
        "Enqueue the periodic background tasks listed in settings.PERIODIC_TASKS "
        "(dotted path of a Django task, interval in seconds) for the task worker to run. "
        "A database outage delays the next enqueue; it does not end the command."
    )

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="Enqueue every task once and exit.")
        parser.add_argument(
            "--max-wait",
            type=float,
            default=5.0,
            help="Longest wait in seconds between tries while the database is away (default: 5).",
        )

    def handle(self, *args, once=False, max_wait=5.0, **options):
        jobs = [(import_string(path), interval) for path, interval in settings.PERIODIC_TASKS]
        if not jobs:
            self.stdout.write("No periodic tasks configured.")
        due = dict.fromkeys(range(len(jobs)), 0.0)
        self._running = True
        wait = 1.0

        def stop(signum, frame):
            self._running = False

        if not once:
            signal.signal(signal.SIGTERM, stop)
            signal.signal(signal.SIGINT, stop)
        while self._running:
            now = time.monotonic()
            pause = 1.0
            for index, (task, interval) in enumerate(jobs):
                if now < due[index]:
                    continue
                try:
                    task.enqueue()
                except DATABASE_ERRORS as exc:
                    if once:
                        raise
                    first_line = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
                    self.stderr.write(
                        f"periodic: database unavailable ({first_line}); retrying in {wait:.0f} s"
                    )
                    close_connections()
                    pause, wait = wait, min(wait * 2, max_wait)
                    break  # the others would fail the same way; try again after the pause
                due[index] = now + interval
                wait = 1.0
            if once:
                break
            time.sleep(pause)
