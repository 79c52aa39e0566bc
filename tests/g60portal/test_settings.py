"""Settings read from the environment: each bad value names its variable, production
refuses weak set-ups, and `check --deploy` is clean in production mode."""

import os
import secrets
import subprocess
import sys
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection

BASE_DIR = settings.BASE_DIR


def database_url():
    s = connection.settings_dict
    host = s["HOST"] or "localhost"
    if host.startswith("/"):
        host = quote(host, safe="")
    port = f":{s['PORT']}" if s["PORT"] else ""
    return f"postgres://{s['USER']}@{host}{port}/{s['NAME']}"


def run_manage(*args, **env):
    full_env = {
        k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "G60_", "DEBUG"))
    }
    full_env.update(
        {"DATABASE_URL": database_url(), "DJANGO_SETTINGS_MODULE": "g60portal.settings"}
    )
    full_env.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def production_env(**overrides):
    env = {
        "G60_PRODUCTION": "1",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "www.example.cn",
        "EMAIL_HOST": "smtp.example.cn",
        "REDIS_URL": "redis://127.0.0.1:6379/15",
        "LEAD_TRUSTED_PROXIES": "1",
    }
    env.update(overrides)
    return env


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("DEBUG", "maybe"),
        ("LISTING_STALE_DAYS", "ninety"),
        ("LEAD_SLA_MINUTES", "0"),
        ("EMAIL_PORT", "99999"),
        ("REDIS_URL", "http://127.0.0.1:6379"),
        ("DATABASE_URL", "mysql://root@localhost/db"),
        ("CSRF_TRUSTED_ORIGINS", "example.cn"),
    ],
)
def test_a_bad_environment_value_stops_start_up_naming_the_variable(variable, value):
    extra = {"EMAIL_HOST": "smtp.example.cn"} if variable == "EMAIL_PORT" else {}
    result = run_manage("check", **{variable: value}, **extra)
    assert result.returncode != 0
    last_line = result.stderr.strip().splitlines()[-1]
    assert last_line.startswith("error: ")
    assert variable in last_line
    assert "Traceback" not in result.stderr


def test_production_refuses_to_start_without_a_real_secret_key():
    result = run_manage("check", **production_env(SECRET_KEY=""))
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr.strip().splitlines()[-1]


def test_production_refuses_to_start_without_redis():
    result = run_manage("check", **production_env(REDIS_URL=""))
    assert result.returncode != 0
    last_line = result.stderr.strip().splitlines()[-1]
    assert last_line.startswith("error: REDIS_URL must be set in production")
    assert "Traceback" not in result.stderr


def test_production_keeps_cache_and_sessions_in_redis():
    code = (
        "from django.conf import settings as s;"
        "print(s.CACHES['default']['BACKEND'], s.SESSION_ENGINE)"
    )
    result = run_manage("shell", "-c", code, **production_env())
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1].split() == [
        "core.redis_cache.RedisCache",
        "django.contrib.sessions.backends.cached_db",
    ]


def test_production_refuses_debug():
    result = run_manage("check", **production_env(DEBUG="1"))
    assert result.returncode != 0
    assert "DEBUG" in result.stderr.strip().splitlines()[-1]


def test_check_deploy_reports_nothing_in_production_mode():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", **production_env())
    assert result.returncode == 0, result.stderr + result.stdout
    assert "no issues" in result.stdout


def test_production_turns_on_https_protections():
    code = (
        "from django.conf import settings as s;"
        "print(s.SECURE_HSTS_SECONDS, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE,"
        " s.SECURE_SSL_REDIRECT, s.DEBUG)"
    )
    result = run_manage("shell", "-c", code, **production_env())
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1].split() == [
        "31536000",
        "True",
        "True",
        "True",
        "False",
    ]


def test_debug_is_off_unless_asked_for():
    result = run_manage("shell", "-c", "from django.conf import settings; print(settings.DEBUG)")
    assert result.stdout.strip().splitlines()[-1] == "False"
