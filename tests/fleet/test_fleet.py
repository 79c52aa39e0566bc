"""The site on several machines, for real: two app hosts, nginx, PostgreSQL, Redis, S3.

Two gunicorn hosts on two ports, each in its own working directory (its own var/, no
shared local disk), nginx (the Debian package) in front with the locations the project
ships (deploy/nginx/g60portal-locations.conf), the test database, a private Redis
(Debian's redis-server on a free loopback port, stopped after), SeaweedFS as the
object store, and the task worker on the second host only.
"""

import http.cookiejar
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from html.parser import HTMLParser
from pathlib import Path

import pytest
import redis
from django.conf import settings
from django.core.management import call_command
from urllib3 import encode_multipart_formdata

from listings.models import Listing
from tests import factories
from tests.factories import jpeg_bytes
from tests.g60portal.test_settings import database_url
from tests.leads.conftest import form_data
from tests.s3server import free_port

pytestmark = [pytest.mark.fleet, pytest.mark.django_db(transaction=True)]

BASE_DIR = Path(settings.BASE_DIR)
LOCATIONS = BASE_DIR / "deploy" / "nginx" / "g60portal-locations.conf"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"
START_SECONDS = 60
RATE_LIMIT_IP = 3


def missing_part():
    if not Path(NGINX).exists():
        return "nginx not found (apt-get install nginx)"
    if not Path(REDIS_SERVER).exists():
        return "redis-server not found (apt-get install redis-server)"
    return None


def start_redis(directory):
    """A private Redis on a free loopback port (never the machine's shared one); the
    caller stops it by PID."""
    port = free_port()
    process = subprocess.Popen(
        [
            REDIS_SERVER,
            "--bind",
            "127.0.0.1",
            "--port",
            str(port),
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(directory),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    client = redis.Redis(host="127.0.0.1", port=port, socket_connect_timeout=1)

    def answers():
        try:
            return client.ping()
        except redis.RedisError:
            return False

    wait_for(answers, "redis-server", process=process)
    return process, port


def wait_for(check, what, seconds=START_SECONDS, process=None):
    deadline = time.monotonic() + seconds
    while True:
        result = check()
        if result:
            return result
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"{what}: the process ended with {process.returncode}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what}: not within {seconds} s")
        time.sleep(0.1)


class Browser:
    """A visitor: a cookie jar and plain HTTP requests, no redirects followed."""

    class _NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    def __init__(self, base_url, forwarded_for=None):
        self.base_url = base_url
        self.forwarded_for = forwarded_for
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), self._NoRedirect
        )

    def request(self, path, data=None, files=None):
        """GET, or POST `data` (multipart with `files`: {name: (filename, bytes)}) the way
        a browser posts a form of the page: with its Origin."""
        url = path if path.startswith("http") else self.base_url + path
        request = urllib.request.Request(url)
        if files:
            fields = list(data) + [(name, (*file, "image/jpeg")) for name, file in files.items()]
            body, content_type = encode_multipart_formdata(fields)
            request = urllib.request.Request(url, data=body)
            request.add_header("Content-Type", content_type)
        elif data is not None:
            request = urllib.request.Request(url, data=urllib.parse.urlencode(data).encode())
        if data is not None:
            request.add_header("Origin", self.base_url)
        if self.forwarded_for:
            request.add_header("X-Forwarded-For", self.forwarded_for)
        try:
            with self.opener.open(request, timeout=15) as response:
                return response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read()

    def get(self, path):
        return self.request(path)

    def send_inquiry(self, listing, **fields):
        status, _headers, body = self.get("/inquiry/token/")
        assert status == 200, body
        token = json.loads(body)
        data = form_data(listing, stamp=token["stamp"])
        data.update(fields)
        return self.request("/inquiry/", data)

    def form(self, path, form_id):
        """The fields a browser would send from the form `form_id` on the page at path."""
        status, _headers, body = self.get(path)
        assert status == 200, (path, status)
        reader = FormReader(form_id)
        reader.feed(body.decode())
        return reader.fields

    def log_in(self, username, password):
        fields = dict(self.form("/admin/login/", "login-form"))
        fields.update(username=username, password=password, next="/admin/")
        status, headers, body = self.request("/admin/login/", list(fields.items()))
        notes = re.findall(r'class="errornote[^>]*>(.*?)</', body.decode(), re.S)
        assert status == 302 and headers["Location"] == "/admin/", (status, notes, fields)


class FormReader(HTMLParser):
    """(name, value) pairs one form of a page submits, in order, as a browser sends them
    (file inputs left out: the caller adds files)."""

    def __init__(self, form_id):
        super().__init__(convert_charrefs=True)
        self.form_id = form_id
        self.inside = False
        self.fields = []
        self.select = None  # [name, multiple, options, selected]
        self.textarea = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.inside = attrs.get("id") == self.form_id
        if not self.inside or "disabled" in attrs:
            return
        name = attrs.get("name")
        if tag == "input" and name:
            kind = attrs.get("type", "text").lower()
            if kind in ("submit", "button", "reset", "image", "file"):
                return
            if kind in ("checkbox", "radio") and "checked" not in attrs:
                return
            self.fields.append((name, attrs.get("value", "on" if kind == "checkbox" else "")))
        elif tag == "select" and name:
            self.select = [name, "multiple" in attrs, [], []]
        elif tag == "option" and self.select is not None:
            value = attrs.get("value", "")
            self.select[2].append(value)
            if "selected" in attrs:
                self.select[3].append(value)
        elif tag == "textarea" and name:
            self.textarea = [name, ""]

    def handle_data(self, data):
        if self.textarea is not None:
            self.textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "select" and self.select is not None:
            name, multiple, options, selected = self.select
            if not selected and not multiple and options:
                selected = options[:1]
            self.fields += [(name, value) for value in selected]
            self.select = None
        elif tag == "textarea" and self.textarea is not None:
            # A browser drops the one line break that follows <textarea>.
            name, text = self.textarea
            self.fields.append((name, text.removeprefix("\n")))
            self.textarea = None


class Fleet:
    def __init__(self, root, s3_server, redis_port):
        self.root = root
        self.s3 = s3_server
        self.redis_port = redis_port
        self.processes = {}
        self.ports = {"a": free_port(), "b": free_port(), "nginx": free_port()}

    def url(self, name):
        return f"http://127.0.0.1:{self.ports[name]}"

    def host_dir(self, name):
        return self.root / f"host-{name}"

    def env(self, name):
        home = self.host_dir(name)
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("DJANGO_", "G60_", "DEBUG", "PAGE_CACHE", "LEAD_"))
        }
        env.update(self.s3.settings("media"))
        env.update(
            {
                "DJANGO_SETTINGS_MODULE": "g60portal.settings",
                "PYTHONPATH": str(BASE_DIR),
                "DATABASE_URL": database_url(),
                "REDIS_URL": f"redis://127.0.0.1:{self.redis_port}/0",
                "G60_VAR_DIR": str(home / "var"),
                "MEDIA_ROOT": str(home / "media"),
                "STATIC_ROOT": str(home / "static"),
                "ALLOWED_HOSTS": "127.0.0.1,localhost",
                "LEAD_TRUSTED_PROXIES": "1",
                "LEAD_MIN_FILL_SECONDS": "0",
                "LEAD_RATE_LIMIT_IP": str(RATE_LIMIT_IP),
                "LOG_LEVEL": "WARNING",
            }
        )
        return env

    def start(self, name, args, log):
        with open(self.root / f"{log}.log", "wb") as out:
            self.processes[log] = subprocess.Popen(
                args, cwd=self.host_dir(name), env=self.env(name), stdout=out, stderr=out
            )
        return self.processes[log]

    def manage(self, name, *args):
        result = subprocess.run(
            [sys.executable, str(BASE_DIR / "manage.py"), *args],
            cwd=self.host_dir(name),
            env=self.env(name),
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, result.stderr
        return result.stdout

    def start_host(self, name):
        home = self.host_dir(name)
        (home / "var").mkdir(parents=True)
        process = self.start(
            name,
            [
                sys.executable,
                "-m",
                "gunicorn",
                "g60portal.wsgi:application",
                f"--bind=127.0.0.1:{self.ports[name]}",
                "--workers=1",
                "--threads=4",
                "--no-control-socket",
                "--graceful-timeout=2",
            ],
            f"web-{name}",
        )
        return process

    def wait_for_host(self, name):
        def answers():
            try:
                with urllib.request.urlopen(self.url(name) + "/healthz", timeout=2) as r:
                    return r.status == 200
            except OSError:
                return False

        wait_for(answers, f"host {name}", process=self.processes[f"web-{name}"])

    def start_nginx(self):
        home = self.root / "nginx"
        (home / "logs").mkdir(parents=True)
        user = "user root;\n" if os.geteuid() == 0 else ""
        config = home / "nginx.conf"
        config.write_text(
            f"""{user}worker_processes 1;
daemon off;
pid {home}/nginx.pid;
error_log {home}/logs/error.log warn;
events {{ worker_connections 256; }}
http {{
    access_log {home}/logs/access.log;
    client_body_temp_path {home}/client_body;
    proxy_temp_path {home}/proxy;
    fastcgi_temp_path {home}/fastcgi;
    uwsgi_temp_path {home}/uwsgi;
    scgi_temp_path {home}/scgi;
    proxy_cache_path {home}/cache levels=1:2 keys_zone=g60portal_cache:5m
                     max_size=100m inactive=10m use_temp_path=off;
    map $http_cookie $g60portal_staff {{
        default 0;
        "~(^|;\\s*)sessionid=" 1;
    }}
    upstream g60portal_app {{
        server 127.0.0.1:{self.ports["a"]} max_fails=1 fail_timeout=10s;
        server 127.0.0.1:{self.ports["b"]} max_fails=1 fail_timeout=10s;
        keepalive 8;
    }}
    server {{
        listen 127.0.0.1:{self.ports["nginx"]};
        server_name localhost;
        include {LOCATIONS};
    }}
}}
"""
        )
        check = subprocess.run(
            [NGINX, "-t", "-p", str(home), "-e", str(home / "logs/error.log"), "-c", str(config)],
            capture_output=True,
            text=True,
        )
        assert check.returncode == 0, check.stderr
        with open(home / "logs" / "stdout.log", "wb") as out:
            self.processes["nginx"] = subprocess.Popen(
                [NGINX, "-p", str(home), "-e", str(home / "logs/error.log"), "-c", str(config)],
                stdout=out,
                stderr=out,
            )

        def answers():
            try:
                with urllib.request.urlopen(self.url("nginx") + "/healthz", timeout=2) as r:
                    return r.status == 200
            except OSError:
                return False

        wait_for(answers, "nginx", process=self.processes["nginx"])

    def stop(self, log):
        process = self.processes.get(log)
        if process is None or process.poll() is not None:
            return
        # nginx: SIGQUIT is its graceful stop; gunicorn and the worker: SIGTERM.
        process.send_signal(signal.SIGQUIT if log == "nginx" else signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)

    def stop_all(self):
        for log in list(self.processes):
            self.stop(log)


@pytest.fixture
def fleet(tmp_path, s3_server):
    reason = missing_part()
    if reason:
        if os.environ.get("CI"):
            pytest.fail(f"the fleet test must run in CI: {reason}")
        pytest.skip(reason)
    redis_process, redis_port = start_redis(tmp_path)
    s3_server.make_bucket("media")
    fleet = Fleet(tmp_path, s3_server, redis_port)
    try:
        fleet.host_dir("a").mkdir()
        fleet.host_dir("b").mkdir()
        yield fleet
    finally:
        fleet.stop_all()
        redis_process.terminate()
        redis_process.wait(timeout=10)


@pytest.fixture
def collected_static(settings, tmp_path):
    settings.STATIC_ROOT = tmp_path / "collected"
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    call_command("collectstatic", "--noinput", verbosity=0)
    return settings.STATIC_ROOT


def files_under(path):
    return [p for p in Path(path).rglob("*") if p.is_file()] if Path(path).exists() else []


def test_two_hosts_behind_nginx_share_everything(fleet, collected_static, superuser):
    # Each host has its own copy of the collected static files, as after a deploy.
    for name in ("a", "b"):
        shutil.copytree(collected_static, fleet.host_dir(name) / "static")
    agent = factories.make_agent(name="李顾问", email="li@example.com")
    listing = factories.make_listing(agent=agent, title="新桥镇独栋厂房")

    fleet.start_host("a")
    fleet.start_host("b")
    fleet.start(
        "b",
        [sys.executable, str(BASE_DIR / "manage.py"), "db_worker", "--no-startup-delay"],
        "worker-b",
    )
    fleet.wait_for_host("a")
    fleet.wait_for_host("b")
    fleet.start_nginx()
    host_b = Browser(fleet.url("b"))
    visitor = Browser(fleet.url("nginx"))
    detail = listing.get_absolute_url()

    # A picture uploaded through the admin of host A (an editor logs in and adds it to
    # the listing's change form) is served through host B and nginx, from the object store.
    # The password is set on host A: its hasher is production's, not the tests' fast one.
    fleet.manage(
        "a",
        "shell",
        "-c",
        "from django.contrib.auth.models import User;"
        f"u = User.objects.get(pk={superuser.pk}); u.set_password('fleet-editor-pw'); u.save()",
    )
    editor = Browser(fleet.url("a"))
    editor.log_in(superuser.username, "fleet-editor-pw")
    change = f"/admin/listings/listing/{listing.pk}/change/"
    fields = editor.form(change, "listing_form")
    assert {("images-TOTAL_FORMS", "1"), ("images-INITIAL_FORMS", "0")} <= set(fields)
    fields.append(("_continue", "1"))
    picture = ("厂房.jpg", jpeg_bytes((1600, 1200)))
    status, headers, body = editor.request(change, fields, files={"images-0-image": picture})
    assert status == 302 and headers["Location"] == change, body.decode()[:3000]
    assert listing.images.count() == 1
    status, _headers, body = host_b.get(detail)
    assert status == 200
    page = body.decode()
    sources = re.findall(r'<img src="([^"]+/thumbnails/[^"]+)"', page)
    assert sources and all(src.startswith(f"{fleet.s3.endpoint_url}/media/") for src in sources)
    status, headers, picture_bytes = host_b.get(sources[0])
    assert status == 200 and picture_bytes[:2] == b"\xff\xd8"
    status, _headers, body = visitor.get(detail)
    assert status == 200 and sources[0] in body.decode()
    assert not files_under(fleet.host_dir("a") / "media")
    assert not files_under(fleet.host_dir("b") / "media")

    # A listing changed on host A shows on host B's cached page within a second.
    assert host_b.get(detail)[1]["X-Page-Cache"] == "hit"
    fleet.manage(
        "a",
        "shell",
        "-c",
        "from listings.models import Listing;"
        f"l = Listing.objects.get(pk={listing.pk}); l.title = '新桥镇独栋厂房 已改价'; l.save()",
    )
    changed_at = time.monotonic()
    wait_for(lambda: "已改价" in host_b.get(detail)[2].decode(), "the change on host B", 1)
    assert time.monotonic() - changed_at < 1

    # An inquiry sent through nginx is delivered by host B's worker (e-mail files under
    # host B's var/mail; host A runs no worker).
    status, headers, body = visitor.get(detail)
    assert status == 200
    status, headers, body = visitor.send_inquiry(listing, mobile="13800000001")
    assert status == 303, body.decode()[:2000]

    def mail_to_agent():
        mailbox = files_under(fleet.host_dir("b") / "var" / "mail")
        return any("li@example.com" in p.read_text(errors="replace") for p in mailbox)

    wait_for(mail_to_agent, "an e-mail to the agent from host B's worker", 30)
    assert not files_under(fleet.host_dir("a") / "var" / "mail")

    # The per-IP rate limit holds across hosts: a visitor behind nginx (its address in
    # X-Forwarded-For) sends to A, B, A, B: only RATE_LIMIT_IP get through.
    accepted = 0
    for attempt in range(RATE_LIMIT_IP + 1):
        host = fleet.url("a" if attempt % 2 == 0 else "b")
        sender = Browser(host, forwarded_for="203.0.113.77")
        status, _headers, _body = sender.send_inquiry(listing, mobile=f"1370000000{attempt}")
        accepted += status == 303
    assert accepted == RATE_LIMIT_IP

    # Stopping host A leaves the site answering through nginx from host B.
    fleet.stop("web-a")
    for path in ("/", "/listings/", detail, "/listings/?kind=factory", "/news/"):
        status, _headers, _body = Browser(fleet.url("nginx")).get(path)
        assert status == 200, path
    assert Listing.objects.get(pk=listing.pk).title == "新桥镇独栋厂房 已改价"
