"""`manage.py bench --only pages`: requests per second of public pages under gunicorn as
production runs it, side by side with a bare Django hello-world view under the same
settings (the floor), on the current database.

Three gunicorn servers run at once on loopback ports (`-w 2`, sync workers, DEBUG off,
collected static files): the site with the page cache on, the site with it off, and the
floor (bench/hello_settings.py). wrk (Debian package `wrk`) drives each page for a few
seconds, in interleaved rounds so that a busy machine slows all of them alike; the figure
is the median of the rounds and its ratio to the floor's.
"""

import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from statistics import median
from urllib.parse import quote

from django.conf import settings
from django.db import connection

PAGES = [
    "/",
    "/listings/",
    "/listings/?kind=factory&deal=rent&area_min=1000",
    "/news/",
    "/land/",
    "/parks/",
    "/search/?q=厂房",
]
TARGET_CACHED = 0.5
TARGET_UNCACHED = 0.06
START_SECONDS = 120


def database_url():
    s = connection.settings_dict
    host = s["HOST"] or "localhost"
    if host.startswith("/"):
        host = quote(host, safe="")
    password = f":{quote(s['PASSWORD'], safe='')}" if s.get("PASSWORD") else ""
    port = f":{s['PORT']}" if s["PORT"] else ""
    return f"postgres://{s['USER']}{password}@{host}{port}/{s['NAME']}"


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def requests_per_second(url, seconds, connections):
    result = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", url],
        capture_output=True,
        text=True,
        timeout=seconds + 60,
    )
    match = re.search(r"Requests/sec:\s+([\d.]+)", result.stdout)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", result.stdout)
    if match is None or errors:
        raise RuntimeError(f"wrk on {url}: {result.stdout}{result.stderr}")
    return float(match.group(1))


class Server:
    def __init__(self, name, workdir, env):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = workdir / f"{name}.log"
        with open(self.log, "wb") as out:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    "g60portal.wsgi:application",
                    f"--bind=127.0.0.1:{self.port}",
                    "--workers=2",
                    "--worker-class=sync",
                    "--no-control-socket",
                ],
                cwd=workdir,
                env=env,
                stdout=out,
                stderr=out,
            )

    def wait(self, path):
        deadline = time.monotonic() + START_SECONDS
        while True:
            try:
                url = self.url + quote(path, safe="/?=&")  # always http://127.0.0.1
                with urllib.request.urlopen(url, timeout=30):  # noqa: S310
                    return
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    tail = self.log.read_text(errors="replace")[-3000:]
                    raise RuntimeError(f"gunicorn did not answer {path}:\n{tail}") from None
                time.sleep(0.2)

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def server_env(workdir, **extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PAGE_CACHE"))}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "g60portal.settings",
            "PYTHONPATH": str(settings.BASE_DIR),
            "DATABASE_URL": database_url(),
            "DEBUG": "0",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "STATIC_ROOT": str(workdir / "static"),
            "LOG_LEVEL": "WARNING",
        }
    )
    env.update(extra)
    return env


def run(command, repeat=30, seconds=5, rounds=3, connections=32, pages=None):
    if shutil.which("wrk") is None:
        command.stdout.write("wrk is not installed (apt-get install wrk): no page figures")
        return
    pages = pages or PAGES
    with tempfile.TemporaryDirectory(prefix="g60-bench-pages-") as tmp:
        workdir = Path(tmp)
        # As at a deploy: static files collected, the cache table there (no REDIS_URL).
        for args in (["collectstatic", "--noinput"], ["createcachetable"]):
            subprocess.run(
                [sys.executable, str(settings.BASE_DIR / "manage.py"), *args],
                env=server_env(workdir),
                check=True,
                capture_output=True,
            )
        servers = {
            "floor": Server(
                "floor", workdir, server_env(workdir, DJANGO_SETTINGS_MODULE="bench.hello_settings")
            ),
            "cached": Server("cached", workdir, server_env(workdir, PAGE_CACHE_SECONDS="600")),
            "uncached": Server("uncached", workdir, server_env(workdir, PAGE_CACHE_SECONDS="0")),
        }
        try:
            servers["floor"].wait("/")
            for name in ("cached", "uncached"):
                for page in pages:
                    servers[name].wait(page)  # warm: jieba, connections, the page cache
            figures = {("floor", "/"): []}
            for page in pages:
                figures[("cached", page)] = []
                figures[("uncached", page)] = []
            for _round in range(rounds):
                for (name, page), samples in figures.items():
                    url = servers[name].url + quote(page, safe="/?=&")
                    samples.append(requests_per_second(url, seconds, connections))
            floor = median(figures[("floor", "/")])
            command.stdout.write(
                f"{'hello-world floor':<58} {floor:8.0f} req/s  "
                f"(gunicorn -w 2 sync, wrk -c{connections}, {rounds}×{seconds} s)"
            )
            for page in pages:
                for name, target in (("cached", TARGET_CACHED), ("uncached", TARGET_UNCACHED)):
                    value = median(figures[(name, page)])
                    ratio = value / floor
                    verdict = "ok" if ratio >= target else f"UNDER target {target}"
                    command.stdout.write(
                        f"{page + ' (' + name + ')':<58} {value:8.0f} req/s  "
                        f"ratio {ratio:.3f}  {verdict}"
                    )
        finally:
            for server in servers.values():
                server.stop()
