"""`make bench` for the whole inquiry path under load: the site as `make run` starts it
(the supervisor g60portal.devserver: gunicorn, task workers, periodic job) on 127.0.0.1,
an SMTP sink standing in for the mail server, and concurrent clients posting valid,
distinct inquiries.

    make bench BENCH_ARGS="--only inquiries [--load-clients 32] [--load-seconds 60]"

Prints, for a POST-only load and a mixed load (two page views, a form GET and a POST per
client loop): inquiries per second, errors, rows = success responses, POST p50/p95, and
submit → delivered (agent e-mail received by the sink) p50/p95, with the machine's load
average. It asserts nothing. Every process it starts is stopped by its PID."""

import base64
import email
import email.policy
import http.client
import logging
import multiprocessing
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse

from aiosmtpd.controller import Controller
from django.conf import settings
from django.core.management import call_command
from django.db import connection

from bench.timing import percentiles
from leads.forms import new_stamp
from leads.models import Inquiry, Notification
from listings.models import Agent

MESSAGE_ID = re.compile(r"<notification-(\d+)-")
FIELD = re.compile(r'name="(csrfmiddlewaretoken|stamp)" value="([^"]*)"')
CLIENT_PROCESSES = 4  # one Python process cannot keep 32 clients busy
TARGETS = {"post": 50, "mixed": 20}  # inquiries/s, issue 10
TARGET_DELIVERED_P95_S = 10


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Sink:
    """The SMTP server: when each notification's e-mail first arrived."""

    def __init__(self):
        self.received = {}  # notification pk -> first arrival (unix time)

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        found = MESSAGE_ID.search(str(message["Message-ID"] or ""))
        if found:
            self.received.setdefault(int(found.group(1)), time.time())
        return "250 OK"


class Client:
    """One visitor with a keep-alive connection and its cookies."""

    def __init__(self, port, mobile_base):
        self.port, self.mobile = port, mobile_base
        self.conn = None
        self.cookies = {}

    def request(self, method, path, body=None):
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Referer"] = f"http://127.0.0.1:{self.port}/inquiry/"
        for attempt in (1, 2):
            try:
                if self.conn is None:
                    self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
                self.conn.request(method, path, body=body, headers=headers)
                response = self.conn.getresponse()
                data = response.read()
                for value in response.headers.get_all("Set-Cookie") or []:
                    name, _, rest = value.partition("=")
                    self.cookies[name] = rest.split(";", 1)[0]
                return response.status, response.headers, data
            except (OSError, http.client.HTTPException):
                self.conn = None
                if attempt == 2:
                    return None, None, b""
        return None, None, b""

    def form(self):
        status, _headers, page = self.request("GET", "/inquiry/")
        return dict(FIELD.findall(page.decode(errors="replace"))) if status == 200 else {}

    def post(self, fields, stamp):
        self.mobile += 1
        data = {
            "csrfmiddlewaretoken": fields.get("csrfmiddlewaretoken", ""),
            "stamp": stamp,
            "subject": "",
            "need_kind": "factory",
            "need_deal": "rent",
            "need_area": "2000",
            "name": "压测客户",
            "mobile": str(self.mobile),
            "consent": "on",
            "website": "",
        }
        started = time.perf_counter()
        status, headers, _body = self.request("POST", "/inquiry/", urllib.parse.urlencode(data))
        elapsed = (time.perf_counter() - started) * 1000
        pk = thanks_pk(headers["Location"]) if status == 303 else None
        return status, elapsed, pk


def thanks_pk(location):
    """The inquiry's pk from the signed token of the thanks page's address."""
    token = location.rstrip("/").rsplit("/", 1)[1].split(":", 1)[0]
    return int(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))


def client_process(port, mixed, threads, seconds, index, results):
    deadline = time.monotonic() + seconds
    out = []
    lock = threading.Lock()

    def run(n):
        client = Client(port, 15000000000 + (index * 1000 + n) * 100000)
        fields = client.form()  # the CSRF cookie and token
        mine = []
        while time.monotonic() < deadline:
            if mixed:
                client.request("GET", "/")
                client.request("GET", "/listings/")
                fields = client.form()
                stamp = fields.get("stamp", "")
            else:
                stamp = new_stamp()  # what the form page would carry, made here
            mine.append(client.post(fields, stamp))
        with lock:
            out.extend(mine)

    pool = [threading.Thread(target=run, args=(n,)) for n in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    results.put(out)


def wait_until_up(port, seconds=90):
    deadline = time.monotonic() + seconds
    while True:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return True
        except OSError:
            pass
        if time.monotonic() > deadline:
            return False
        time.sleep(0.3)


def load(port, mixed, clients, seconds):
    """Run the clients for `seconds`; their (status, POST ms, inquiry pk) outcomes."""
    connection.close()  # the client processes are forked: no shared connection
    context = multiprocessing.get_context("fork")
    results = context.Queue()
    per = [
        clients // CLIENT_PROCESSES + (i < clients % CLIENT_PROCESSES)
        for i in range(CLIENT_PROCESSES)
    ]
    procs = [
        context.Process(target=client_process, args=(port, mixed, n, seconds, i, results))
        for i, n in enumerate(per)
        if n
    ]
    for proc in procs:
        proc.start()
    outcomes = []
    for _proc in procs:
        outcomes.extend(results.get())
    for proc in procs:
        proc.join()
    return outcomes


def delivered_lags(sink, pks, wait=180):
    """Seconds from each inquiry's creation to its agent e-mail reaching the sink, after
    waiting up to `wait` s for the queue to drain; and how many e-mails were expected."""
    agent_mail = dict(
        Notification.objects.filter(
            inquiry__in=pks, channel=Notification.Channel.AGENT_EMAIL
        ).values_list("pk", "inquiry__created_at")
    )
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline and not all(pk in sink.received for pk in agent_mail):
        time.sleep(0.5)
    lags = [
        sink.received[pk] - created.timestamp()
        for pk, created in agent_mail.items()
        if pk in sink.received
    ]
    return lags, len(agent_mail)


def run(command, repeat=30):
    clients = getattr(command, "load_clients", 32)
    seconds = getattr(command, "load_seconds", 60)
    workers = int(os.environ.get("G60_WORKERS", "3"))
    if not (settings.STATIC_ROOT / "staticfiles.json").exists():
        call_command("collectstatic", interactive=False, verbosity=0)
    for n in range(4):
        Agent.objects.get_or_create(
            name=f"压测顾问{n}",
            defaults={"mobile": f"1390000{n:04d}", "email": f"bench{n}@example.com"},
        )

    logging.getLogger("mail.log").setLevel(logging.WARNING)
    sink = Sink()
    smtp = Controller(sink, hostname="127.0.0.1", port=free_port())
    smtp.start()
    port = free_port()
    env = dict(os.environ)
    env.update(
        SITE_URL=f"http://127.0.0.1:{port}",
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=str(smtp.port),
        EMAIL_USE_TLS="0",
        LEAD_MIN_FILL_SECONDS="0",
        LEAD_RATE_LIMIT_IP="100000000",
        LEAD_RATE_LIMIT_MOBILE="1000",
        LOG_LEVEL="WARNING",
    )
    log_path = settings.VAR_DIR / "bench-inquiries.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    log = open(log_path, "w")  # noqa: SIM115 - closed in finally, after the supervisor
    supervisor = subprocess.Popen(
        [sys.executable, "-m", "g60portal.devserver", "--port", str(port), "--no-setup"],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        if not wait_until_up(port):
            command.stdout.write(f"inquiries bench: the site did not come up; see {log_path}")
            return
        command.stdout.write(
            f"full stack on 127.0.0.1 ({os.cpu_count()} cores, load average "
            f"{os.getloadavg()[0]:.1f} before): `make run`'s supervisor, gunicorn, "
            f"{workers} task workers, an SMTP sink; {clients} clients, {seconds} s per load"
        )
        for mode in ("post", "mixed"):
            started = time.monotonic()
            outcomes = load(port, mode == "mixed", clients, seconds)
            duration = time.monotonic() - started
            busy = os.getloadavg()[0]
            ok = [o for o in outcomes if o[0] == 303]
            pks = [o[2] for o in ok]
            rows = Inquiry.objects.filter(pk__in=pks).count()
            lags, expected = delivered_lags(sink, pks)
            rate = len(ok) / seconds
            label = "POST only" if mode == "post" else "mixed (2 pages, form, POST)"
            verdict = "ok" if rate >= TARGETS[mode] else f"UNDER target {TARGETS[mode]}/s"
            command.stdout.write(
                f"{label:<48} {rate:.1f} inquiries/s  {verdict}  errors="
                f"{len(outcomes) - len(ok)}  rows={rows} success responses={len(ok)}  "
                f"(ran {duration:.0f} s, load average {busy:.1f})"
            )
            if ok:
                command.report(f"  POST /inquiry/ at {clients} clients", [o[1] for o in ok])
            if lags:
                stats = percentiles(lags)
                verdict = (
                    "ok"
                    if stats["p95"] <= TARGET_DELIVERED_P95_S
                    else f"OVER target {TARGET_DELIVERED_P95_S} s"
                )
                command.stdout.write(
                    f"{'  submit → agent e-mail delivered':<48} p50={stats['p50']:.1f} s  "
                    f"p95={stats['p95']:.1f} s  {verdict}  ({len(lags)}/{expected} delivered)"
                )
    finally:
        supervisor.send_signal(signal.SIGTERM)
        try:
            supervisor.wait(timeout=30)
        except subprocess.TimeoutExpired:
            supervisor.kill()
            supervisor.wait()
        smtp.stop()
        log.close()
