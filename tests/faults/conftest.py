"""A whole site in real processes for fault tests: a private embedded PostgreSQL under a
temporary directory (never the machine's shared server), `make run`'s supervisor with
gunicorn, two task workers and the periodic job, and an SMTP sink in this process.

Everything started here is stopped by its PID."""

import asyncio
import base64
import email
import email.policy
import hashlib
import http.cookiejar
import logging
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import psycopg2
import pytest
from aiosmtpd.controller import Controller
from django.conf import settings

BASE_DIR = Path(settings.BASE_DIR)
MESSAGE_ID = re.compile(r"<notification-(\d+)-")
PID_LINE = re.compile(r"(?:re)?started (\S+) \(pid (\d+)")


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(what, check, timeout, step=0.2, explain=None):
    """Poll check() until it returns something true; fail after timeout seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"{what}: not within {timeout} s" + (f"\n{explain()}" if explain else ""))
        time.sleep(step)


class Sink:
    """An SMTP server on 127.0.0.1 that can be stopped and started again on its port."""

    def __init__(self, port, delay=0.0):
        self.port, self.delay = port, delay
        self.messages = []  # (notification pk, recipients, subject)
        self.controller = None

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            await asyncio.sleep(self.delay)
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        found = MESSAGE_ID.search(str(message["Message-ID"] or ""))
        pk = int(found.group(1)) if found else None
        self.messages.append((pk, list(envelope.rcpt_tos), str(message["Subject"])))
        return "250 OK"

    def start(self):
        logging.getLogger("mail.log").setLevel(logging.WARNING)
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self):
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def delivered(self):
        """{notification pk: times received}"""
        counts = {}
        for pk, _rcpt, _subject in list(self.messages):
            counts[pk] = counts.get(pk, 0) + 1
        return counts


class Site:
    def __init__(self, root):
        self.root = root
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.sink = Sink(free_port())
        self.env = {
            k: v
            for k, v in os.environ.items()
            if k not in {"DATABASE_URL", "XDG_RUNTIME_DIR", "REDIS_URL", "EMAIL_HOST"}
            and not k.startswith(("LEAD_", "PYTEST", "DJANGO_"))
        }
        self.env.update(
            G60_VAR_DIR=str(root),
            DJANGO_SETTINGS_MODULE="g60portal.settings",
            PYTHONUNBUFFERED="1",
            SITE_URL=self.url,
            EMAIL_HOST="127.0.0.1",
            EMAIL_PORT=str(self.sink.port),
            EMAIL_USE_TLS="0",
            EMAIL_TIMEOUT="5",
            MANAGERS_EMAILS="boss@example.com",
            LEAD_MIN_FILL_SECONDS="0",
            LEAD_RATE_LIMIT_IP="100000",
            LEAD_RATE_LIMIT_MOBILE="100",
            LEAD_DUPLICATE_DAYS="0",
            LEAD_NOTIFY_BACKOFF_SECONDS="1",
            LEAD_NOTIFY_MAX_ATTEMPTS="3",
            LEAD_NOTIFY_SLOW_RETRY_SECONDS="3",
            LEAD_NOTIFY_LEASE_SECONDS="4",
            LEAD_NOTIFY_SWEEP_SECONDS="2",
            LOG_LEVEL="WARNING",
            G60_WORKERS="2",  # the tests kill both; a third would hide the restart
        )
        self.supervisor = None
        self.log_path = root / "supervisor.log"
        self.mobile = 13000000000

    # -- processes -------------------------------------------------------------------

    def run(self, *args, timeout=120):
        result = subprocess.run(
            [sys.executable, *args],
            cwd=BASE_DIR,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        assert result.returncode == 0, result.stdout + result.stderr
        return result.stdout

    def database(self, action):
        """start or stop the private embedded PostgreSQL."""
        return self.run("-m", "g60portal.embedded_db", action, timeout=60)

    def start_database(self):
        out = self.database("start")
        self.env["DATABASE_URL"] = out.strip().rsplit(" ", 1)[-1]
        self.socket_dir = urllib.parse.unquote(
            urllib.parse.urlsplit(self.env["DATABASE_URL"]).netloc.split("@", 1)[1]
        )

    def set_up(self):
        began = time.monotonic()
        # A migrated data directory is kept under var/ (migrating takes most of the
        # set-up); it is copied, and migrate still runs, so a stale copy only costs time.
        digest = hashlib.sha256()
        for path in sorted(BASE_DIR.glob("*/migrations/*.py")):
            digest.update(path.read_bytes())
        template = BASE_DIR / "var" / "fault-tests" / digest.hexdigest()[:16]
        if (template / "PG_VERSION").exists():
            subprocess.run(["cp", "-a", str(template), str(self.root / "pgdata")], check=True)
        self.start_database()
        self.run("manage.py", "migrate", "--noinput", "-v0", timeout=300)
        self.run("manage.py", "createcachetable")
        if not (template / "PG_VERSION").exists():
            self.database("stop")
            template.parent.mkdir(parents=True, exist_ok=True)
            partial = template.with_name(template.name + f".{os.getpid()}")
            subprocess.run(["cp", "-a", str(self.root / "pgdata"), str(partial)], check=True)
            os.replace(partial, template)
            self.start_database()
        if not (BASE_DIR / "staticfiles" / "staticfiles.json").exists():
            self.run("manage.py", "collectstatic", "--noinput", "-v0", timeout=300)
        self.query(
            "INSERT INTO listings_agent (name, name_zh_hans, title, mobile, wechat_id,"
            " wechat_qr, photo, email, is_active, accepts_leads, webhook_kind, webhook_url,"
            " webhook_secret, created_at)"
            " VALUES ('故障测试顾问', '故障测试顾问', '', '13900000000', '', '', '',"
            " 'agent@example.com', true, true, '', '', '', now()) RETURNING id"
        )
        self.sink.start()
        log = open(self.log_path, "w")  # noqa: SIM115 - closed in tear_down
        self.log_file = log
        self.supervisor = subprocess.Popen(
            [sys.executable, "-m", "g60portal.devserver", "--port", str(self.port), "--no-setup"],
            cwd=BASE_DIR,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        wait_for("the site answers", lambda: self.status("/healthz") == 200, timeout=60)
        print(f"\n[fault site] set up in {time.monotonic() - began:.1f} s")

    def tear_down(self):
        pids = list(self.pids().values())
        if self.supervisor is not None and self.supervisor.poll() is None:
            self.supervisor.send_signal(signal.SIGTERM)
            try:
                self.supervisor.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.supervisor.kill()
                self.supervisor.wait()
        for pid in pids:  # the supervisor stops them; make sure, by PID
            if alive(pid):
                os.kill(pid, signal.SIGKILL)
        self.sink.stop()
        subprocess.run(
            [sys.executable, "-m", "g60portal.embedded_db", "stop"],
            cwd=BASE_DIR,
            env=self.env,
            capture_output=True,
            timeout=60,
        )
        self.log_file.close()

    def log(self):
        return self.log_path.read_text(errors="replace")

    def pids(self):
        """The current PID of each supervised child, from the supervisor's lines."""
        return {name: int(pid) for name, pid in PID_LINE.findall(self.log())}

    # -- HTTP --------------------------------------------------------------------------

    def status(self, path):
        try:
            with urllib.request.urlopen(self.url + path, timeout=5) as response:  # noqa: S310
                return response.status
        except urllib.error.HTTPError as exc:
            return exc.code
        except OSError:
            return None

    def submit(self):
        """One visitor: GET the form, POST it. Returns (HTTP status or None, inquiry pk
        from the thank-you address when the site said it was saved)."""
        self.mobile += 1
        jar = http.cookiejar.CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect())
        try:
            with opener.open(self.url + "/inquiry/", timeout=10) as response:
                page = response.read().decode()
            fields = dict(re.findall(r'name="(csrfmiddlewaretoken|stamp)" value="([^"]*)"', page))
            data = {
                **fields,
                "subject": "",
                "need_kind": "factory",
                "need_deal": "rent",
                "need_area": "2000",
                "name": "故障测试",
                "mobile": str(self.mobile),
                "email": "",
                "consent": "on",
                "website": "",
            }
            request = urllib.request.Request(
                self.url + "/inquiry/",
                data=urllib.parse.urlencode(data).encode(),
                headers={"Referer": self.url + "/inquiry/"},
            )
            with opener.open(request, timeout=10) as response:
                return response.status, None
        except urllib.error.HTTPError as exc:
            if exc.code == 303:
                return 303, thanks_pk(exc.headers["Location"])
            return exc.code, None
        except OSError:
            return None, None

    # -- database ------------------------------------------------------------------------

    def query(self, sql, params=()):
        conn = psycopg2.connect(host=self.socket_dir, user="postgres", dbname="g60portal")
        try:
            conn.autocommit = True
            with conn.cursor() as cursor:
                cursor.execute(sql, params)
                return cursor.fetchall()
        finally:
            conn.close()

    def notifications(self):
        """{pk: (state, possible_duplicate, attempts)}"""
        rows = self.query("SELECT id, state, possible_duplicate, attempts FROM leads_notification")
        return {pk: (state, dup, attempts) for pk, state, dup, attempts in rows}

    def inquiry_ids(self):
        return {pk for (pk,) in self.query("SELECT id FROM leads_inquiry")}

    def explain(self):
        """What is not delivered yet, and the end of the supervisor's output."""
        received = self.sink.delivered()
        rows = self.query(
            "SELECT id, state, attempts, lease_until, next_attempt_at, last_error "
            "FROM leads_notification WHERE state <> 'sent' ORDER BY id"
        )
        missing = [
            pk for pk, (state, _d, _a) in self.notifications().items() if not received.get(pk)
        ]
        tasks = self.query(
            "SELECT status, count(*) FROM django_tasks_database_dbtaskresult GROUP BY status"
        )
        return (
            f"not sent: {rows}\nnever received: {missing}\ntasks: {tasks}\n"
            f"supervisor:\n{self.log()[-4000:]}"
        )

    def all_delivered(self):
        """Every notification sent and received by the sink at least once."""
        rows = self.notifications()
        received = self.sink.delivered()
        return bool(rows) and all(
            state == "sent" and received.get(pk) for pk, (state, _d, _a) in rows.items()
        )


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def thanks_pk(location):
    """/inquiry/thanks/<signed pk>/ -> pk (the signed value starts with base64(pk):)."""

    token = location.rstrip("/").rsplit("/", 1)[1].split(":", 1)[0]
    return int(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))


def alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie is not alive
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except OSError:
        return False


@pytest.fixture(scope="session")
def site():
    # Not under pytest's temporary directory: every pytest session on the machine makes
    # that private to its user again, and the database runs as another user when this
    # runs as root. A short path: the database's socket lives in it.
    root = Path(tempfile.mkdtemp(prefix="g60f-"))
    root.chmod(0o755)
    site = Site(root)
    try:
        site.set_up()
        yield site
    finally:
        site.tear_down()
        shutil.rmtree(root, ignore_errors=True)
