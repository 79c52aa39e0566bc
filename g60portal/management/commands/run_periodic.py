import signal
import time

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils.module_loading import import_string


class Command(BaseCommand):
    help = (
        "Enqueue the periodic background tasks listed in settings.PERIODIC_TASKS "
        "(dotted path of a Django task, interval in seconds) for the db_worker to run."
    )

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="Enqueue every task once and exit.")

    def handle(self, *args, once=False, **options):
        jobs = [(import_string(path), interval) for path, interval in settings.PERIODIC_TASKS]
        if not jobs:
            self.stdout.write("No periodic tasks configured.")
        due = dict.fromkeys(range(len(jobs)), 0.0)
        self._running = True

        def stop(signum, frame):
            self._running = False

        if not once:
            signal.signal(signal.SIGTERM, stop)
            signal.signal(signal.SIGINT, stop)
        while self._running:
            now = time.monotonic()
            for index, (task, interval) in enumerate(jobs):
                if now >= due[index]:
                    task.enqueue()
                    due[index] = now + interval
            if once:
                break
            time.sleep(1)
