"""`manage.py bench --only pages`: requests per second of public pages under gunicorn as
production runs it, side by side with a bare Django hello-world view under the same
settings (the floor), on the current database.

Three gunicorn servers run at once on loopback ports (the --workers and --threads of
deploy/systemd/g60portal-web.service, DEBUG off, collected static files): the site with the page cache on, the site with it off, and the
floor (bench/hello_settings.py). wrk (Debian package `wrk`) drives each page for a few
seconds, right after a run of the floor, in interleaved rounds so that a busy machine
slows all of them alike; the figure is the median of the rounds, and the ratio the median
of each round's ratio to the floor measured just before.

The cache is Redis, as in production: REDIS_URL when it is set, else a private
redis-server (Debian package `redis-server`) on a free loopback port for the length of
the run; without either, the database cache, and the command says so. The load average
of the machine is printed before and after: on a shared machine the floor moves with it.
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


WEB_UNIT = Path(settings.BASE_DIR) / "deploy" / "systemd" / "g60portal-web.service"


def production_workers():
    """gunicorn's --workers and --threads as the shipped systemd unit runs the site."""
    text = WEB_UNIT.read_text(encoding="utf-8") if WEB_UNIT.exists() else ""
    found = dict(re.findall(r"--(workers|threads)[ =](\d+)", text))
    return [f"--workers={found.get('workers', '2')}", f"--threads={found.get('threads', '1')}"]


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


def load_average():
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f}, {five:.2f}, {fifteen:.2f} on {os.cpu_count()} CPUs"


def private_redis(workdir):
    """(process, REDIS_URL) of a redis-server of our own, or (None, None) without one."""
    binary = shutil.which("redis-server")
    if binary is None:
        return None, None
    port = free_port()
    process = subprocess.Popen(
        [binary, "--bind", "127.0.0.1", "--port", str(port), "--save", ""]
        + ["--appendonly", "no", "--dir", str(workdir)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + START_SECONDS
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
                sock.sendall(b"PING\r\n")
                if sock.recv(16).startswith(b"+PONG"):
                    return process, f"redis://127.0.0.1:{port}/0"
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            return None, None
        time.sleep(0.1)


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
                    *production_workers(),
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
        redis_process = None
        if not os.environ.get("REDIS_URL"):
            redis_process, redis_url = private_redis(workdir)
            if redis_url:
                os.environ["REDIS_URL"] = redis_url
                command.stdout.write(f"cache: a private redis-server at {redis_url}")
            else:
                command.stdout.write(
                    "cache: the DATABASE (no REDIS_URL, no redis-server): hits cost queries"
                )
        try:
            measure(command, workdir, pages, seconds, rounds, connections)
        finally:
            if redis_process is not None:
                os.environ.pop("REDIS_URL", None)
                redis_process.terminate()
                redis_process.wait(timeout=15)


def measure(command, workdir, pages, seconds, rounds, connections):
    # As at a deploy: static files collected, the cache table there (used without Redis).
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
        before = load_average()
        # Each round measures every page right after a run of the floor, and each ratio is
        # to that floor: on a shared machine the load moves within a run, and a page and
        # the floor measured minutes apart are not side by side.
        floors, figures, ratios = [], {}, {}
        for _round in range(rounds):
            for page in pages:
                floor = requests_per_second(servers["floor"].url + "/", seconds, connections)
                floors.append(floor)
                for name in ("cached", "uncached"):
                    url = servers[name].url + quote(page, safe="/?=&")
                    value = requests_per_second(url, seconds, connections)
                    figures.setdefault((name, page), []).append(value)
                    ratios.setdefault((name, page), []).append(value / floor)
        command.stdout.write(f"before: {before}; after: {load_average()}")
        command.stdout.write(
            f"{'hello-world floor':<58} {median(floors):8.0f} req/s  "
            f"(median of {len(floors)}, {min(floors):.0f}–{max(floors):.0f}; "
            f"gunicorn {' '.join(production_workers())}, wrk -c{connections}, "
            f"{rounds}×{seconds} s per page)"
        )
        for page in pages:
            for name, target in (("cached", TARGET_CACHED), ("uncached", TARGET_UNCACHED)):
                value = median(figures[(name, page)])
                ratio = median(ratios[(name, page)])
                verdict = "ok" if ratio >= target else f"UNDER target {target}"
                command.stdout.write(
                    f"{page + ' (' + name + ')':<58} {value:8.0f} req/s  "
                    f"ratio {ratio:.3f}  {verdict}"
                )
    finally:
        for server in servers.values():
            server.stop()
