"""The embedded PostgreSQL from pgserver: data under var/, survives restarts, clear
failures. These start real servers in a temporary var/ directory."""

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from django.conf import settings

BASE_DIR = settings.BASE_DIR


def embedded(var_dir, *args, timeout=120):
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "XDG_RUNTIME_DIR"}}
    env["G60_VAR_DIR"] = str(var_dir)
    env["DJANGO_SETTINGS_MODULE"] = "g60portal.settings"
    return subprocess.run(
        [sys.executable, *args],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@pytest.fixture
def var_dir():
    # Not under pytest's basetemp: run as root, pgserver opens the parents of pgdata to
    # its "pgserver" user, and another pytest run on the machine puts the shared
    # /tmp/pytest-of-<user> back to 0700 (and prunes old numbered directories) while
    # the server is running. A short path too: the server's socket lives in it and Unix
    # sockets have a length limit.
    path = Path(tempfile.mkdtemp(prefix="g60v-"))
    yield path
    embedded(path, "-m", "g60portal.embedded_db", "stop")
    shutil.rmtree(path, ignore_errors=True)


def test_it_keeps_data_across_a_restart(var_dir):
    create = (
        "from django.db import connection;"
        "c = connection.cursor();"
        "c.execute('CREATE TABLE kept (v text)');"
        "c.execute(\"INSERT INTO kept VALUES ('松江')\")"
    )
    result = embedded(var_dir, "manage.py", "shell", "-c", create)
    assert result.returncode == 0, result.stderr
    assert (var_dir / "pgdata" / "PG_VERSION").exists()
    # The process that started the server stopped it when it exited.
    status = embedded(var_dir, "-m", "g60portal.embedded_db", "status")
    assert status.stdout.strip() == "stopped"

    read = (
        "from django.db import connection;"
        "c = connection.cursor(); c.execute('SELECT v FROM kept'); print(c.fetchone()[0])"
    )
    result = embedded(var_dir, "manage.py", "shell", "-c", read)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "松江"


def test_start_and_stop_from_the_command_line(var_dir):
    started = embedded(var_dir, "-m", "g60portal.embedded_db", "start")
    assert started.returncode == 0, started.stderr
    assert "embedded PostgreSQL running" in started.stdout
    assert embedded(var_dir, "-m", "g60portal.embedded_db", "status").stdout.strip() == "running"
    stopped = embedded(var_dir, "-m", "g60portal.embedded_db", "stop")
    assert stopped.stdout.strip() == "embedded PostgreSQL stopped"
    assert embedded(var_dir, "-m", "g60portal.embedded_db", "status").stdout.strip() == "stopped"


def test_a_server_that_cannot_start_says_why_and_how_to_use_database_url(tmp_path):
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("a file where var/ should be")
    result = embedded(blocker, "manage.py", "check")
    assert result.returncode != 0
    last_line = result.stderr.strip().splitlines()[-1]
    assert last_line.startswith("error: the embedded PostgreSQL")
    assert "DATABASE_URL" in last_line
    assert "Traceback" not in result.stderr


def test_the_server_stays_up_while_another_process_still_uses_it(var_dir):
    # The outer run uses the server; inside it a second user comes and goes. The server
    # must outlive the second user and stop when the outer one is done.
    inner = (
        "import os, subprocess, sys;"
        "env = {k: v for k, v in os.environ.items() if k != 'DATABASE_URL'};"
        "subprocess.run([sys.executable, '-m', 'g60portal.embedded_db', 'run', '--', "
        "sys.executable, '-c', 'pass'], env=env, check=True);"
        "print(subprocess.run([sys.executable, '-m', 'g60portal.embedded_db', 'status'], "
        "env=env, capture_output=True, text=True).stdout.strip())"
    )
    result = embedded(
        var_dir, "-m", "g60portal.embedded_db", "run", "--", sys.executable, "-c", inner
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "running"
    assert embedded(var_dir, "-m", "g60portal.embedded_db", "status").stdout.strip() == "stopped"
