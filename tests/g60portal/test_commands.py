import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult

from g60portal import devserver

BASE_DIR = Path(settings.BASE_DIR)


@pytest.mark.django_db
def test_ensure_demo_login_creates_the_manager_once_and_prints_it(capsys):
    call_command("ensure_demo_login")
    call_command("ensure_demo_login")
    out = capsys.readouterr().out
    assert "user manager" in out
    assert "password g60-demo-manager" in out
    user = get_user_model().objects.get(username="manager")
    assert user.is_staff and user.check_password("g60-demo-manager")
    assert get_user_model().objects.filter(username="manager").count() == 1


@pytest.mark.django_db
def test_ensure_demo_login_refuses_production(settings):
    settings.PRODUCTION = True
    with pytest.raises(Exception, match="G60_PRODUCTION"):
        call_command("ensure_demo_login")
    assert not get_user_model().objects.filter(username="manager").exists()


def _counts():
    return {
        model._meta.label: model.objects.count()
        for app in ("listings", "articles", "leads")
        for model in apps.get_app_config(app).get_models()
    }


@pytest.mark.django_db
def test_seed_demo_is_idempotent():
    call_command("seed_demo", verbosity=0)
    first = _counts()
    call_command("seed_demo", verbosity=0)
    assert _counts() == first
    assert first["listings.Listing"] > 0


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
