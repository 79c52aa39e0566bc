"""The runtime keeps going: `make run` restarts children, the worker and the periodic
job outlive a database outage."""

import sys

import pytest
from django.core.management import call_command
from django.db import OperationalError
from django_tasks_db.management.commands import db_worker
from django_tasks_db.models import DBTaskResult

from g60portal import devserver
from g60portal.management.commands import run_periodic, run_worker
from tests.g60portal import tasks_for_tests


def test_a_child_that_exits_is_restarted_with_growing_pauses_and_a_line_each_time():
    lines = []
    child = devserver.Child("worker-1", [sys.executable, "-c", "exit(3)"], None, log=lines.append)
    child.start()
    first_pid = child.proc.pid
    child.proc.wait(timeout=10)
    child.check(now=child.started_at + 1)
    assert lines == [f"worker-1 (pid {first_pid}) exited with code 3; restarting it in 1 s"]
    child.check(now=child.started_at + 1.5)  # the pause is not over
    assert child.proc.pid == first_pid
    child.check(now=child.started_at + 2.1)
    assert child.proc.pid != first_pid
    assert lines[-1] == f"restarted worker-1 (pid {child.proc.pid}, restart 1)"
    child.proc.wait(timeout=10)
    child.check(now=child.started_at + 1)
    assert lines[-1].endswith("restarting it in 2 s")  # it keeps failing: wait longer
    child.check(now=child.started_at + 5)
    child.proc.wait(timeout=10)
    child.check(now=child.started_at + devserver.HEALTHY_AFTER + 1)
    assert lines[-1].endswith("restarting it in 1 s")  # it had run a while: start over


def test_make_run_starts_the_configured_number_of_workers():
    names = list(devserver.services(8000, workers=3))
    assert names[:3] == ["worker-1", "worker-2", "worker-3"]
    assert {"periodic", "web"} <= set(names)
    assert all("run_worker" in devserver.services(8000)[n] for n in ("worker-1", "worker-2"))
    # Three by default: what kept deliveries up with the full load on 2 cores.
    assert [n for n in devserver.services(8000) if n.startswith("worker-")] == names[:3]


def test_the_worker_waits_and_reconnects_when_the_database_goes_away(monkeypatch, capsys):
    calls = []

    def flaky_run(self):
        calls.append(1)
        if len(calls) < 3:
            raise OperationalError("connection to server failed: Connection refused")

    waits = []
    monkeypatch.setattr(db_worker.Worker, "run", flaky_run)
    monkeypatch.setattr(run_worker.time, "sleep", waits.append)
    call_command("run_worker", "--batch", "--no-startup-delay", "--max-wait", "1.5")
    assert len(calls) == 3
    assert waits == [1.0, 1.5]
    err = capsys.readouterr().err
    assert err.count("database unavailable (connection to server failed") == 2


@pytest.mark.django_db
def test_the_periodic_job_keeps_going_through_a_database_outage(settings, monkeypatch):
    settings.PERIODIC_TASKS = [("tests.g60portal.tasks_for_tests.note_periodic_run", 60)]

    real_enqueue = tasks_for_tests.note_periodic_run.enqueue
    tries = []

    def enqueue(*args, **kwargs):
        tries.append(1)
        if len(tries) < 3:
            raise OperationalError("terminating connection due to administrator command")
        return real_enqueue(*args, **kwargs)

    monkeypatch.setattr(type(tasks_for_tests.note_periodic_run), "enqueue", lambda self: enqueue())
    pauses = []
    command = run_periodic.Command()

    def sleep(seconds):
        pauses.append(seconds)
        if len(pauses) >= 4:
            command._running = False

    monkeypatch.setattr(run_periodic.time, "sleep", sleep)
    # The test's own transaction holds the connection: keep it.
    monkeypatch.setattr(run_periodic, "close_connections", lambda: None)
    call_command(command)
    assert pauses[:3] == [1.0, 2.0, 1.0]  # waited twice, then back to the normal beat
    assert (
        DBTaskResult.objects.filter(
            task_path="tests.g60portal.tasks_for_tests.note_periodic_run"
        ).count()
        == 1
    )
