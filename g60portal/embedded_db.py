"""Embedded PostgreSQL for machines without a database server.

With no ``DATABASE_URL`` the site runs on a real PostgreSQL started from the
``pgserver`` package, with its data under ``var/pgdata`` and a private
``XDG_RUNTIME_DIR`` under ``var/run``. This module imports no app.

Command line::

    python -m g60portal.embedded_db start|stop|status|url
    python -m g60portal.embedded_db run [--database NAME] -- COMMAND...
        # the server is up while COMMAND runs, DATABASE_URL names the database
"""

import atexit
import contextlib
import fcntl
import logging
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import psycopg2

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("G60_VAR_DIR", BASE_DIR / "var"))
PGDATA = VAR_DIR / "pgdata"
RUNTIME_DIR = VAR_DIR / "run"
# One file per process using the server (named by PID), "manual" after `start`.
USERS_DIR = RUNTIME_DIR / "users"
DATABASE_NAME = "g60portal"

HOW_TO_AVOID = (
    "set DATABASE_URL=postgres://USER@HOST:5432/DBNAME to use another PostgreSQL server instead"
)


class EmbeddedDatabaseError(RuntimeError):
    """The embedded server could not be started or reached."""


def _prepare_environment():
    # pgserver logs every command at INFO; only its problems matter here.
    logging.getLogger("pgserver").setLevel(logging.WARNING)
    RUNTIME_DIR.mkdir(parents=True, exist_ok=True)
    RUNTIME_DIR.chmod(0o700)
    # platformdirs reads this when pgserver is imported: keep its lock file private.
    os.environ["XDG_RUNTIME_DIR"] = str(RUNTIME_DIR)


def _running_info():
    # pgserver reads XDG_RUNTIME_DIR when imported: _prepare_environment sets it first.
    from pgserver.utils import PostmasterInfo  # noqa: PLC0415

    info = PostmasterInfo.read_from_pgdata(PGDATA)
    if info is not None and info.is_running() and info.status == "ready":
        return info
    return None


def is_running():
    if not (PGDATA / "PG_VERSION").exists():
        return False
    _prepare_environment()
    return _running_info() is not None


def _socket_url(uri, database):
    # pgserver gives postgresql://postgres:@/postgres?host=/socket/dir
    host = uri.split("host=", 1)[1]
    return f"postgres://postgres@{quote(host, safe='')}/{database}"


def start(database=DATABASE_NAME):
    """Start the server if needed; return (DATABASE_URL, started_here)."""
    try:
        _prepare_environment()
        import pgserver  # noqa: PLC0415 - only after _prepare_environment, see _running_info

        was_running = is_running()
        server = pgserver.get_server(PGDATA, cleanup_mode=None)
        uri = server.get_uri()
    except Exception as exc:  # every failure gets the same advice
        log = PGDATA / "log"
        detail = f"{type(exc).__name__}: {exc}".strip()
        raise EmbeddedDatabaseError(
            f"the embedded PostgreSQL under {PGDATA} did not start ({detail}; "
            f"its log is {log}); {HOW_TO_AVOID}"
        ) from exc
    try:
        _ensure_database(uri, database)
    except Exception as exc:
        raise EmbeddedDatabaseError(
            f"the embedded PostgreSQL started but did not accept a connection ({exc}); "
            f"{HOW_TO_AVOID}"
        ) from exc
    return _socket_url(uri, database), not was_running


def _ensure_database(uri, database):
    host = uri.split("host=", 1)[1]
    conn = psycopg2.connect(host=host, user="postgres", dbname="postgres")
    try:
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database])
            if cur.fetchone() is None:
                cur.execute(f'CREATE DATABASE "{database}"')
    finally:
        conn.close()


def stop():
    """Stop the server if it runs; return True if it was stopped."""
    if not is_running():
        return False
    from pgserver._commands import pg_ctl  # noqa: PLC0415 - after is_running prepared it

    user = "pgserver" if os.geteuid() == 0 else None
    pg_ctl(["-w", "-m", "fast", "stop"], pgdata=PGDATA, user=user)
    return True


@contextlib.contextmanager
def _users_lock():
    """Serialise starting, joining and leaving the server between processes."""
    try:
        _prepare_environment()
        USERS_DIR.mkdir(parents=True, exist_ok=True)
        lock = open(RUNTIME_DIR / "users.lock", "w")  # noqa: SIM115 - closed below
    except OSError as exc:
        raise EmbeddedDatabaseError(
            f"the embedded PostgreSQL cannot use {VAR_DIR} ({exc}); {HOW_TO_AVOID}"
        ) from exc
    with lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _live_users():
    users = []
    for entry in USERS_DIR.glob("*"):
        if entry.name == "manual":
            users.append(entry.name)
            continue
        try:
            os.kill(int(entry.name), 0)
        except (ValueError, ProcessLookupError):
            entry.unlink(missing_ok=True)  # a process that died without leaving
            continue
        except PermissionError:
            pass  # alive, owned by another user
        users.append(entry.name)
    return users


def acquire(database=DATABASE_NAME):
    """Start the server if needed and register this process as one of its users;
    return the DATABASE_URL. Pair with release()."""
    with _users_lock():
        url, _ = start(database)
        (USERS_DIR / str(os.getpid())).touch()
    return url


def release():
    """Unregister this process; stop the server when no other process uses it."""
    with _users_lock():
        (USERS_DIR / str(os.getpid())).unlink(missing_ok=True)
        if not _live_users():
            stop()


def url_for_settings():
    """DATABASE_URL for settings when none is set: the server runs while this process
    (or another user of it) does."""
    url = acquire()
    atexit.register(release)
    return url


def run(command, database=DATABASE_NAME):
    """Run COMMAND with DATABASE_URL pointing at a running server; return its exit code."""
    env = dict(os.environ)
    acquired = False
    if not env.get("DATABASE_URL"):
        env["DATABASE_URL"] = acquire(database)
        acquired = True
    try:
        return subprocess.call(command, env=env)
    except KeyboardInterrupt:
        return 130
    finally:
        if acquired:
            release()


def main(argv):
    if not argv or argv[0] not in {"start", "stop", "status", "url", "run"}:
        print(__doc__.strip().split("Command line::", 1)[1].rstrip(), file=sys.stderr)
        return 2
    action = argv[0]
    try:
        if action == "start":
            with _users_lock():
                url, _ = start()
                (USERS_DIR / "manual").touch()
            print(f"embedded PostgreSQL running: {url}")
        elif action == "url":
            print(start()[0])
        elif action == "stop":
            print(
                "embedded PostgreSQL stopped" if stop() else "embedded PostgreSQL was not running"
            )
        elif action == "status":
            print("running" if is_running() else "stopped")
        else:
            command = argv[1:]
            database = DATABASE_NAME
            if command[:1] == ["--database"] and len(command) > 1:
                database, command = command[1], command[2:]
            if command and command[0] == "--":
                command = command[1:]
            return run(command, database)
    except EmbeddedDatabaseError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
