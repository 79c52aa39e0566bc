"""`manage.py run_worker`: django-tasks-db's db_worker loop that outlives the database.

django-tasks-db's worker re-raises an OperationalError (it only forgives SQLite's
"database is locked"), so a PostgreSQL restart ends the process. This command runs the
same loop and, when the database goes away, closes the connections, waits (1 s,
doubling up to --max-wait) and carries on. A task that was running when the database
went away stays "running" in the task table; the delivery it carried is picked up again
by the notification sweep once its lease expires (see leads.notifications)."""

import contextlib
import logging
import time

from django.db import InterfaceError, OperationalError, connections
from django_tasks_db.management.commands import db_worker

logger = logging.getLogger("g60portal.worker")
DATABASE_ERRORS = (OperationalError, InterfaceError)


def close_connections():
    for conn in connections.all(initialized_only=True):
        with contextlib.suppress(*DATABASE_ERRORS):  # already broken: Django forgets it
            conn.close()


class ResilientWorker(db_worker.Worker):
    def __init__(self, *, max_wait, write, **kwargs):
        super().__init__(**kwargs)
        self.max_wait = max_wait
        self.write = write

    def run(self):
        wait = 1.0
        while self.running:
            started = time.monotonic()
            try:
                return super().run()
            except DATABASE_ERRORS as exc:
                if time.monotonic() - started > 60:
                    wait = 1.0  # it ran fine for a while: a new outage starts short
                first_line = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
                self.write(
                    f"worker {self.worker_id}: database unavailable ({first_line}); "
                    f"retrying in {wait:.0f} s"
                )
                close_connections()
                time.sleep(wait)
                wait = min(wait * 2, self.max_wait)
                # No random start-up delay on the way back: the outage was delay enough.
                self.startup_delay = False
        return None


class Command(db_worker.Command):
    help = (
        "Run the background task worker (django-tasks-db's db_worker loop) that waits "
        "for the database and reconnects instead of exiting when it goes away."
    )

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument(
            "--max-wait",
            type=float,
            default=5.0,
            help="Longest wait in seconds between reconnection attempts (default: 5).",
        )

    def handle(
        self,
        *,
        verbosity,
        queue_name,
        interval,
        batch,
        backend_name,
        startup_delay,
        max_tasks,
        worker_id,
        exclude_queues,
        max_wait,
        **options,
    ):
        self.configure_logging(verbosity)
        excluded = exclude_queues.split(",") if exclude_queues else []
        worker = ResilientWorker(
            queue_names=queue_name.split(","),
            interval=interval,
            batch=batch,
            backend_name=backend_name,
            startup_delay=startup_delay,
            max_tasks=max_tasks,
            worker_id=worker_id,
            excluded_queue_names=excluded,
            max_wait=max_wait,
            write=lambda line: self.stderr.write(line) if verbosity else None,
        )
        # No autoreload here: a production process, restarted by its supervisor.
        worker.configure_signals()
        worker.run()
