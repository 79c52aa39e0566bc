"""The migration history: one initial migration per app plus the groups, from an empty
database to the current models."""

import os
import subprocess
import sys
import uuid
from pathlib import Path
from urllib.parse import quote

import psycopg2
import pytest
from django.conf import settings
from django.db import connection

BASE_DIR = Path(settings.BASE_DIR)
APPS = ("listings", "articles", "leads")


def _server_connection():
    params = connection.get_connection_params()
    params["dbname"] = "postgres"
    conn = psycopg2.connect(**params)
    conn.autocommit = True
    return conn


@pytest.fixture
def empty_database(db):
    name = f"g60_migrate_{uuid.uuid4().hex[:10]}"
    server = _server_connection()
    with server.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
    db = connection.settings_dict
    user = quote(db["USER"] or "", safe="")
    password = f":{quote(db['PASSWORD'], safe='')}" if db["PASSWORD"] else ""
    host = quote(db["HOST"] or "", safe="")
    port = f":{db['PORT']}" if db["PORT"] else ""
    try:
        yield f"postgres://{user}{password}@{host}{port}/{name}"
    finally:
        with server.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        server.close()


def _manage(database_url, *args):
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DJANGO_SETTINGS_MODULE": "g60portal.settings",
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_each_app_has_one_initial_migration_and_its_groups():
    for app in APPS:
        names = sorted(p.stem for p in (BASE_DIR / app / "migrations").glob("0*.py"))
        assert names[0] == "0001_initial", app
        # A branch that changes models adds one migration on top until the merger
        # folds it into the reset history.
        assert len(names) in (2, 3), (app, names)


def test_an_empty_database_migrates_to_the_models_with_the_staff_groups(empty_database):
    migrated = _manage(empty_database, "migrate", "--no-input")
    assert migrated.returncode == 0, migrated.stderr
    check = _manage(empty_database, "makemigrations", "--check", "--dry-run")
    assert check.returncode == 0, check.stdout + check.stderr
    conn = psycopg2.connect(empty_database)
    try:
        with conn.cursor() as cursor:
            cursor.execute(
                "SELECT g.name, count(*) FROM auth_group g "
                "JOIN auth_group_permissions p ON p.group_id = g.id GROUP BY g.name"
            )
            groups = dict(cursor.fetchall())
    finally:
        conn.close()
    assert set(groups) == {"managers", "agents", "editors"}
    assert all(count > 0 for count in groups.values())
