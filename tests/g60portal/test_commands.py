import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult

from g60portal import devserver

BASE_DIR = Path(settings.BASE_DIR)


@pytest.mark.django_db
def test_run_periodic_enqueues_the_configured_tasks(settings):
    settings.PERIODIC_TASKS = [("tests.g60portal.tasks_for_tests.note_periodic_run", 60)]
    call_command("run_periodic", "--once")
    assert DBTaskResult.objects.filter(
        task_path="tests.g60portal.tasks_for_tests.note_periodic_run"
    ).exists()


def test_make_run_stops_with_one_line_when_the_port_is_busy(capsys):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert devserver.main(["--port", str(port)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert err[0].startswith(f"error: port {port} on 127.0.0.1 is busy")
    assert f"PORT={port + 1}" in err[0]


def test_find_python_explains_what_it_looked_for_when_none_fits(tmp_path):
    fake = tmp_path / "python3"
    fake.write_text("#!/bin/sh\nexit 1\n")  # a python3 that is not new enough
    fake.chmod(0o755)
    env = {"PATH": f"{tmp_path}:/usr/bin:/bin"}
    result = subprocess.run(
        ["sh", str(BASE_DIR / "scripts" / "find-python")],
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1
    assert result.stdout == ""
    message = result.stderr.strip().splitlines()[-1]
    assert "python3.13, python3.12 and python3" in message
    assert "Python 3.12" in message


def test_find_python_finds_a_python_312():
    result = subprocess.run(
        ["sh", str(BASE_DIR / "scripts" / "find-python")],
        env={**os.environ},
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0
    found = result.stdout.strip()
    version = subprocess.run(
        [found, "-c", "import sys; print(sys.version_info[:2])"], capture_output=True, text=True
    )
    assert version.stdout.strip() == "(3, 12)"
    assert sys.version_info[:2] == (3, 12)
