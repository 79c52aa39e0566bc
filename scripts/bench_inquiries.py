"""Full-stack inquiry load: the site as `make run` starts it (supervisor, gunicorn, task
workers, periodic job) on 127.0.0.1, an SMTP sink standing in for the mail server, and
concurrent clients posting valid, distinct inquiries.

    python -m g60portal.embedded_db run --database g60portal_bench -- \\
        .venv/bin/python scripts/bench_inquiries.py [--clients 32] [--seconds 60]

Prints, for a POST-only load and a mixed load (two page views, a form GET and a POST per
client loop): inquiries per second, errors, rows = success responses, POST p50/p95, and
submit → delivered (agent e-mail received by the sink) p50/p95. It asserts nothing.
Every process it starts is stopped by its PID."""

import argparse
import email
import email.policy
import http.client
import multiprocessing
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
MESSAGE_ID = re.compile(r"<notification-(\d+)-")
FIELD = re.compile(r'name="(csrfmiddlewaretoken|stamp)" value="([^"]*)"')


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def pct(values, q):
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


# ---- the mail server ------------------------------------------------------------------


class Sink:
    def __init__(self):
        self.received = {}  # notification pk -> first arrival (unix time)

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        found = MESSAGE_ID.search(str(message["Message-ID"] or ""))
        if found:
            self.received.setdefault(int(found.group(1)), time.time())
        return "250 OK"


# ---- clients (in several processes: one Python process cannot keep 32 clients busy) --


class Client:
    def __init__(self, port, mixed, mobile_base):
        self.port, self.mixed, self.mobile = port, mixed, mobile_base
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
        pk = None
        if status == 303:
            pk = thanks_pk(headers["Location"])
        return status, elapsed, pk


def thanks_pk(location):
    import base64

    token = location.rstrip("/").rsplit("/", 1)[1].split(":", 1)[0]
    return int(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))


def client_process(port, mixed, threads, seconds, index, results):
    import django

    django.setup()
    from leads.forms import new_stamp

    deadline = time.monotonic() + seconds
    out = []
    lock = threading.Lock()

    def run(n):
        client = Client(port, mixed, 15000000000 + (index * 1000 + n) * 100000)
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


# ---- the site -------------------------------------------------------------------------


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--processes", type=int, default=4, help="client processes")
    parser.add_argument("--workers", type=int, default=int(os.environ.get("G60_WORKERS", "2")))
    parser.add_argument("--only", choices=["post", "mixed"])
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL"):
        sys.exit("set DATABASE_URL, or run through: python -m g60portal.embedded_db run -- ...")

    from aiosmtpd.controller import Controller

    sink = Sink()
    smtp = Controller(sink, hostname="127.0.0.1", port=free_port())
    smtp.start()
    import logging

    logging.getLogger("mail.log").setLevel(logging.WARNING)
    port = free_port()
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="g60portal.settings",
        SITE_URL=f"http://127.0.0.1:{port}",
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=str(smtp.port),
        EMAIL_USE_TLS="0",
        LEAD_MIN_FILL_SECONDS="0",
        LEAD_RATE_LIMIT_IP="100000000",
        LEAD_RATE_LIMIT_MOBILE="1000",
        LOG_LEVEL="WARNING",
    )
    os.environ.update(env)

    def manage(*command):
        subprocess.run([sys.executable, "manage.py", *command], cwd=BASE_DIR, env=env, check=True)

    manage("migrate", "--noinput", "-v0")
    manage("createcachetable")
    if not (BASE_DIR / "staticfiles" / "staticfiles.json").exists():
        manage("collectstatic", "--noinput", "-v0")
    manage(
        "shell",
        "-c",
        "from listings.models import Agent\n"
        "for n in range(4):\n"
        "    Agent.objects.get_or_create(name=f'压测顾问{n}', defaults={"
        "'mobile': f'1390000{n:04d}', 'email': f'bench{n}@example.com'})",
    )
    log = open(BASE_DIR / "var" / "bench-inquiries.log", "w")  # noqa: SIM115
    supervisor = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "g60portal.devserver",
            "--port",
            str(port),
            "--no-setup",
            "--workers",
            str(args.workers),
        ],
        cwd=BASE_DIR,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                conn.request("GET", "/healthz")
                if conn.getresponse().status == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                sys.exit("the site did not come up; see var/bench-inquiries.log")
            time.sleep(0.3)

        import django

        django.setup()
        from django.db import connection

        from leads.models import Inquiry, Notification

        print(
            f"Full stack on 127.0.0.1 ({os.cpu_count()} cores): gunicorn 2×4 threads, "
            f"{args.workers} task workers, SMTP sink; {args.clients} clients, {args.seconds} s"
        )
        for mode in ("post", "mixed"):
            if args.only and args.only != mode:
                continue
            results = multiprocessing.Queue()
            per = [
                args.clients // args.processes + (i < args.clients % args.processes)
                for i in range(args.processes)
            ]
            procs = [
                multiprocessing.Process(
                    target=client_process,
                    args=(port, mode == "mixed", n, args.seconds, i, results),
                )
                for i, n in enumerate(per)
                if n
            ]
            started = time.time()
            for proc in procs:
                proc.start()
            outcomes = []
            for _proc in procs:
                outcomes.extend(results.get())
            for proc in procs:
                proc.join()
            duration = time.time() - started
            ok = [o for o in outcomes if o[0] == 303]
            pks = [o[2] for o in ok]
            errors = len(outcomes) - len(ok)
            connection.close()
            rows = Inquiry.objects.filter(pk__in=pks).count()
            agent_mail = dict(
                Notification.objects.filter(inquiry__in=pks, channel="agent_email").values_list(
                    "pk", "inquiry__created_at"
                )
            )
            drain_deadline = time.monotonic() + 180
            while time.monotonic() < drain_deadline and not all(
                pk in sink.received for pk in agent_mail
            ):
                time.sleep(0.5)
            lags = [
                sink.received[pk] - created.timestamp()
                for pk, created in agent_mail.items()
                if pk in sink.received
            ]
            post_ms = [o[1] for o in ok]
            print(
                f"{mode:>5}: {len(ok) / args.seconds:6.1f} inquiries/s  errors={errors}  "
                f"rows={rows} success responses={len(ok)}  "
                f"POST p50={statistics.median(post_ms) if post_ms else float('nan'):.0f} ms "
                f"p95={pct(post_ms, 0.95):.0f} ms  "
                f"submit→delivered p50={pct(lags, 0.5):.1f} s p95={pct(lags, 0.95):.1f} s "
                f"({len(lags)}/{len(agent_mail)} delivered; load ran {duration:.0f} s)"
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


if __name__ == "__main__":
    main()
