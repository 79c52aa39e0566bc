"""Settings for G60 Portal, one module driven by environment variables.

Production mode is switched on with ``G60_PRODUCTION=1``: DEBUG is then off, a real
``SECRET_KEY`` is required and every HTTPS protection is on. See the README for the
full list of variables.
"""

from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

from core import exports
from core.env import (
    EnvironmentVariableError,
    env_bool,
    env_int,
    env_list,
    env_str,
    env_url,
)

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("G60_VAR_DIR", str(BASE_DIR / "var")))

PRODUCTION = env_bool("G60_PRODUCTION", False)
DEBUG = env_bool("DEBUG", False)
if PRODUCTION and DEBUG:
    raise EnvironmentVariableError("DEBUG=1 is not allowed with G60_PRODUCTION=1: unset DEBUG")

_DEV_SECRET = "dev-only-not-secret-g60portal"  # noqa: S105 - refused in production below
SECRET_KEY = env_str("SECRET_KEY", "" if PRODUCTION else _DEV_SECRET)
if PRODUCTION and (len(SECRET_KEY) < 50 or SECRET_KEY == _DEV_SECRET or len(set(SECRET_KEY)) < 5):
    raise EnvironmentVariableError(
        "SECRET_KEY must be set to a random value of at least 50 characters in production "
        '(G60_PRODUCTION=1); generate one with: python -c "import secrets; '
        'print(secrets.token_urlsafe(64))"'
    )

ALLOWED_HOSTS = env_list(
    "ALLOWED_HOSTS", [] if PRODUCTION else ["127.0.0.1", "localhost", "testserver"]
)
if PRODUCTION and not ALLOWED_HOSTS:
    raise EnvironmentVariableError(
        "ALLOWED_HOSTS must name the site's host names in production, e.g. ALLOWED_HOSTS=www.example.cn"
    )
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
for _origin in CSRF_TRUSTED_ORIGINS:
    if not _origin.startswith(("http://", "https://")):
        raise EnvironmentVariableError(
            f"CSRF_TRUSTED_ORIGINS entry {_origin!r} must start with http:// or https://"
        )

INSTALLED_APPS = [
    # Before django.contrib.admin: its admin widgets and static files take precedence.
    "modeltranslation",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "django_tasks_db",
    "taggit",
    "import_export",
    "django_prose_editor",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "g60portal",
    "listings",
    "articles",
    "leads",
    "demo",
    "bench",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "g60portal.page_cache.PageCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "leads.sharing.ShareReferenceMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "g60portal.two_factor.StaffSecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    # Last, as django-axes asks: it turns a lockout into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "g60portal.urls"
WSGI_APPLICATION = "g60portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "g60portal.context_processors.site",
            ],
        },
    },
]

# Database: DATABASE_URL, or the embedded PostgreSQL under var/ when it is unset.
_database_url = env_str("DATABASE_URL").strip()
if not _database_url:
    from g60portal.embedded_db import url_for_settings

    _database_url = url_for_settings()
if not _database_url.startswith(("postgres://", "postgresql://")):
    raise EnvironmentVariableError(
        "DATABASE_URL must be a PostgreSQL URL such as postgres://USER@HOST:5432/DBNAME"
    )
try:
    DATABASES = {
        "default": dj_database_url.parse(
            _database_url,
            conn_max_age=env_int("DB_CONN_MAX_AGE", 60, minimum=0),
            conn_health_checks=True,
        )
    }
except ValueError as exc:
    raise EnvironmentVariableError(f"DATABASE_URL could not be read: {exc}") from None
DATABASES["default"].setdefault("OPTIONS", {})["connect_timeout"] = env_int(
    "DB_CONNECT_TIMEOUT", 5, minimum=1
)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Cache: rate limits, counts, cached pages and their version numbers, sessions. Redis when
# REDIS_URL is set, else the database. Production needs Redis: every app host must see
# the same rate limits, sessions and page versions (docs/fleet.md lists each cache).
REDIS_URL = env_url("REDIS_URL", schemes=("redis", "rediss", "unix"))
if PRODUCTION and not REDIS_URL:
    raise EnvironmentVariableError(
        "REDIS_URL must be set in production (G60_PRODUCTION=1): the cache, rate limits, "
        "sessions and cached pages are shared by every app host, e.g. "
        "REDIS_URL=redis://10.0.0.5:6379/0"
    )
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "core.redis_cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env_str("CACHE_KEY_PREFIX", "g60"),
            # A Redis outage slows a page by at most this much instead of hanging it.
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }
    # Sessions (staff logins) are read from Redis and written through to the database,
    # so a Redis restart logs nobody out and every host knows every session.
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "g60portal_cache",
        }
    }

# Rendered fragments (listing cards, the filter form) kept in each process's memory:
# cheaper than any shared cache for something this small, and safe on many hosts because
# each key holds what the fragment shows (a listing's updated_at, the park choices).
CACHES["fragments"] = {
    "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
    "LOCATION": "fragments",
    "TIMEOUT": 600,
    "OPTIONS": {"MAX_ENTRIES": 5000},
}

# Whole public pages for anonymous visitors (g60portal/page_cache.py): kept this long in
# the shared cache (0: off), renewed at once when anything they show changes. nginx or a
# CDN may keep them PAGE_CACHE_PUBLIC_SECONDS more (s-maxage) and serve an old copy for
# PAGE_CACHE_STALE_SECONDS while fetching a new one (stale-while-revalidate).
PAGE_CACHE_SECONDS = env_int("PAGE_CACHE_SECONDS", 600, minimum=0)
PAGE_CACHE_PUBLIC_SECONDS = env_int("PAGE_CACHE_PUBLIC_SECONDS", 1, minimum=0)
PAGE_CACHE_STALE_SECONDS = env_int("PAGE_CACHE_STALE_SECONDS", 10, minimum=0)

# Spreadsheet exports (django-import-export): cells a spreadsheet would run as a formula
# are neutralised in every export; core.exports says how.
IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT = True
IMPORT_EXPORT_FORMATS = exports.FORMATS

# Background work: Django tasks on the database backend; worker: manage.py db_worker.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# Login throttling (django-axes): after LOGIN_FAILURE_LIMIT wrong passwords an account,
# and separately an address, is locked for LOGIN_LOCKOUT_MINUTES; managers lift a lockout
# by deleting its row under 登录失败记录 (axes) in the admin. Kept in the database, so
# every web process sees the same counts.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LOGIN_LOCKOUT_MINUTES", 30, minimum=1))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "admin/locked_out.html"
# The address as the inquiry limits see it (LEAD_TRUSTED_PROXIES below).
AXES_CLIENT_IP_CALLABLE = "leads.views.client_ip"
AXES_VERBOSE = False

# Second factor (django-otp, TOTP): any staff member may add an authenticator app under
# /admin/otp/; once added it is asked for at every login. Managers must add one when
# OTP_REQUIRED_FOR_MANAGERS is on, which it is in production.
OTP_REQUIRED_FOR_MANAGERS = env_bool("OTP_REQUIRED_FOR_MANAGERS", PRODUCTION)
OTP_TOTP_ISSUER = "G60 Portal"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Translated content (docs/english.md): each translated field `f` has `f_zh_hans` (the
# Chinese original, required where `f` is) and `f_en`. Reading `f` gives the active
# language's value and falls back to Chinese; English pages tell the two apart.
MODELTRANSLATION_DEFAULT_LANGUAGE = "zh-hans"
MODELTRANSLATION_LANGUAGES = ("zh-hans", "en")
MODELTRANSLATION_FALLBACK_LANGUAGES = ("zh-hans",)
# Reading an empty English value falls back to Chinese only when English is "" (unset).
MODELTRANSLATION_AUTO_POPULATE = False
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
# WeChat's JS-SDK (jweixin 1.6.0) from the npm package jweixin-module, installed by
# `npm ci --prefix tools` (tools/package.json); pages load it only inside WeChat and only
# when WECHAT_APP_ID is set (g60portal/wechat.py).
WECHAT_SDK_DIR = BASE_DIR / "tools" / "node_modules" / "jweixin-module" / "lib"
if WECHAT_SDK_DIR.is_dir():
    STATICFILES_DIRS.append(("vendor/jweixin", WECHAT_SDK_DIR))
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# Uploaded pictures and their thumbnails: local files under MEDIA_ROOT, or any
# S3-compatible object store (AWS S3, Aliyun OSS, Tencent COS, MinIO, SeaweedFS) through
# django-storages, so that every app host sees the same pictures.
MEDIA_STORAGE = env_str("MEDIA_STORAGE", "local").strip().lower()
if MEDIA_STORAGE not in ("local", "s3"):
    raise EnvironmentVariableError("MEDIA_STORAGE must be local or s3")
if MEDIA_STORAGE == "s3":
    AWS_STORAGE_BUCKET_NAME = env_str("AWS_STORAGE_BUCKET_NAME").strip()
    if not AWS_STORAGE_BUCKET_NAME:
        raise EnvironmentVariableError("MEDIA_STORAGE=s3 needs AWS_STORAGE_BUCKET_NAME")
    _addressing_style = env_str("AWS_S3_ADDRESSING_STYLE", "").strip().lower()
    if _addressing_style not in ("", "auto", "path", "virtual"):
        raise EnvironmentVariableError("AWS_S3_ADDRESSING_STYLE must be auto, path or virtual")
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": AWS_STORAGE_BUCKET_NAME,
            "endpoint_url": env_url("AWS_S3_ENDPOINT_URL") or None,
            "access_key": env_str("AWS_ACCESS_KEY_ID") or None,
            "secret_key": env_str("AWS_SECRET_ACCESS_KEY") or None,
            "region_name": env_str("AWS_S3_REGION_NAME") or None,
            "custom_domain": env_str("AWS_S3_CUSTOM_DOMAIN").strip() or None,
            "url_protocol": env_str("AWS_S3_URL_PROTOCOL", "https:"),
            "addressing_style": _addressing_style or None,
            "location": env_str("AWS_LOCATION").strip("/"),
            # Pictures are public: plain URLs that nginx, a CDN and browsers can cache.
            "querystring_auth": env_bool("AWS_QUERYSTRING_AUTH", False),
            "file_overwrite": False,
            "object_parameters": {"CacheControl": "public, max-age=31536000, immutable"},
        },
    }
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 25 * 1024 * 1024

# E-mail: SMTP when EMAIL_HOST is set, else a file per message under var/mail.
_email_host = env_str("EMAIL_HOST")
if _email_host:
    _email_port = env_int("EMAIL_PORT", 587, minimum=1, maximum=65535)
    _use_tls = env_bool("EMAIL_USE_TLS", _email_port == 587)
    _use_ssl = env_bool("EMAIL_USE_SSL", _email_port == 465)
    if _use_tls and _use_ssl:
        raise EnvironmentVariableError("EMAIL_USE_TLS and EMAIL_USE_SSL cannot both be on")
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": _email_host,
                "port": _email_port,
                "username": env_str("EMAIL_HOST_USER"),
                "password": env_str("EMAIL_HOST_PASSWORD"),
                "use_tls": _use_tls,
                "use_ssl": _use_ssl,
                "timeout": env_int("EMAIL_TIMEOUT", 10, minimum=1),
            },
        }
    }
else:
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "OPTIONS": {"file_path": str(VAR_DIR / "mail")},
        }
    }
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "G60 Portal <noreply@g60portal.localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
MANAGERS_EMAILS = env_list("MANAGERS_EMAILS")

# What the site says about itself (header, footer, contact card, e-mails).
SITE_NAME = env_str("SITE_NAME", "G60科创走廊招商服务平台")
SITE_NAME_EN = env_str("SITE_NAME_EN", "G60 Corridor Investment Portal")
SITE_URL = env_url("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
SITE_HOTLINE = env_str("SITE_HOTLINE", "021-5778-6060")
SITE_EMAIL = env_str("SITE_EMAIL", "invest@g60portal.localhost")
SITE_WECHAT_ID = env_str("SITE_WECHAT_ID", "G60zhaoshang")
SITE_ADDRESS = env_str("SITE_ADDRESS", "上海市松江区 G60科创云廊")
SITE_ADDRESS_EN = env_str(
    "SITE_ADDRESS_EN", "G60 Sci-Tech Cloud Corridor, Songjiang District, Shanghai"
)
SITE_ICP = env_str("SITE_ICP", "沪ICP备00000000号-1")
SITE_WEBHOOK_URL = env_url("SITE_WEBHOOK_URL")
# wecom / dingtalk / feishu; guessed from the webhook's host when unset.
SITE_WEBHOOK_KIND = env_str("SITE_WEBHOOK_KIND").strip().lower()
if SITE_WEBHOOK_KIND not in ("", "wecom", "dingtalk", "feishu"):
    raise EnvironmentVariableError("SITE_WEBHOOK_KIND must be wecom, dingtalk or feishu")
SITE_WEBHOOK_SECRET = env_str("SITE_WEBHOOK_SECRET")
TENCENT_MAP_REFERER = env_str("TENCENT_MAP_REFERER")
# WeChat share cards (g60portal/wechat.py, docs/wechat.md): an official account's AppID
# and AppSecret; both set switch the JS-SDK on. WECHAT_API_BASE is WeChat's API (tests
# point it at a fake on 127.0.0.1).
WECHAT_APP_ID = env_str("WECHAT_APP_ID").strip()
WECHAT_APP_SECRET = env_str("WECHAT_APP_SECRET").strip()
WECHAT_API_BASE = env_url("WECHAT_API_BASE", "https://api.weixin.qq.com").rstrip("/")
WECHAT_API_TIMEOUT = env_int("WECHAT_API_TIMEOUT", 5, minimum=1, maximum=30)
WECHAT_SIGNATURE_RATE_LIMIT = env_int("WECHAT_SIGNATURE_RATE_LIMIT", 60, minimum=1)  # per min

# Business rules.
LISTING_STALE_DAYS = env_int("LISTING_STALE_DAYS", 90, minimum=1)
LEAD_DUPLICATE_DAYS = env_int("LEAD_DUPLICATE_DAYS", 30, minimum=0)
LEAD_SLA_MINUTES = env_int("LEAD_SLA_MINUTES", 30, minimum=1)
LEAD_MAX_REASSIGN = env_int("LEAD_MAX_REASSIGN", 2, minimum=0)
LEAD_NOTIFY_MAX_ATTEMPTS = env_int("LEAD_NOTIFY_MAX_ATTEMPTS", 5, minimum=1)
LEAD_MIN_FILL_SECONDS = env_int("LEAD_MIN_FILL_SECONDS", 3, minimum=0)
LEAD_RATE_LIMIT_IP = env_int("LEAD_RATE_LIMIT_IP", 10, minimum=1)  # per hour
LEAD_RATE_LIMIT_MOBILE = env_int("LEAD_RATE_LIMIT_MOBILE", 3, minimum=1)  # per hour
LEAD_NOTIFY_BACKOFF_SECONDS = env_int("LEAD_NOTIFY_BACKOFF_SECONDS", 60, minimum=1)  # doubles
# After the fast attempts, one try every LEAD_NOTIFY_SLOW_RETRY_SECONDS for
# LEAD_NOTIFY_RETRY_HOURS more; then the delivery has failed and managers are alerted.
LEAD_NOTIFY_SLOW_RETRY_SECONDS = env_int("LEAD_NOTIFY_SLOW_RETRY_SECONDS", 1800, minimum=1)
LEAD_NOTIFY_RETRY_HOURS = env_int("LEAD_NOTIFY_RETRY_HOURS", 24, minimum=0)
# How long a worker holds a delivery it is sending; longer than the e-mail and webhook
# timeouts. An expired lease is taken over by the sweep (every LEAD_NOTIFY_SWEEP_SECONDS).
LEAD_NOTIFY_LEASE_SECONDS = env_int("LEAD_NOTIFY_LEASE_SECONDS", 30, minimum=1)
LEAD_NOTIFY_SWEEP_SECONDS = env_int("LEAD_NOTIFY_SWEEP_SECONDS", 20, minimum=1)
# A worker's delivery task also takes up to this many other due deliveries (one claim,
# one mail connection, one record for all of them); 1 sends one at a time.
LEAD_NOTIFY_BATCH = env_int("LEAD_NOTIFY_BATCH", 25, minimum=1, maximum=500)
# A delivery still pending this long after it was created counts as late (admin banner).
LEAD_NOTIFY_LATE_MINUTES = env_int("LEAD_NOTIFY_LATE_MINUTES", 5, minimum=1)
LEAD_RETENTION_DAYS = env_int("LEAD_RETENTION_DAYS", 730, minimum=1)  # closed inquiries
# Listing and land imports (admin): larger files are refused with a message.
IMPORT_MAX_BYTES = env_int("IMPORT_MAX_BYTES", 10 * 1024 * 1024, minimum=1024)
IMPORT_MAX_ROWS = env_int("IMPORT_MAX_ROWS", 20_000, minimum=1)
# Agents' share links (?ref=): how long a link works, how long a visitor keeps it.
LEAD_SHARE_LINK_DAYS = env_int("LEAD_SHARE_LINK_DAYS", 365, minimum=1)
LEAD_SHARE_COOKIE_DAYS = env_int("LEAD_SHARE_COOKIE_DAYS", 30, minimum=1)
# The CJK font of share posters (Debian: apt-get install fonts-noto-cjk).
POSTER_FONT = env_str("POSTER_FONT", "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
# Reverse proxies in front of the site that append to X-Forwarded-For (0: none).
LEAD_TRUSTED_PROXIES = env_int("LEAD_TRUSTED_PROXIES", 0, minimum=0, maximum=5)
# Matching (leads/matching.py, docs/matching.md): a value short of the asked one by at
# most this share of it is a near miss (7.5 m against 8 m asked, at 10 %).
MATCH_TOLERANCE_PERCENT = env_int("MATCH_TOLERANCE_PERCENT", 10, minimum=0, maximum=50)
# Saved searches (leads/alerts.py): at most one digest per subscription in this many
# hours, at most so many items in one, and so many live subscriptions per address.
ALERT_DIGEST_HOURS = env_int("ALERT_DIGEST_HOURS", 24, minimum=1)
ALERT_ITEMS_PER_DIGEST = env_int("ALERT_ITEMS_PER_DIGEST", 20, minimum=1, maximum=100)
ALERT_MAX_PER_EMAIL = env_int("ALERT_MAX_PER_EMAIL", 10, minimum=1)
ALERT_RATE_LIMIT_IP = env_int("ALERT_RATE_LIMIT_IP", 20, minimum=1)  # subscribe requests/hour
# Confirmation mails one address can be sent per day (UTC), whoever submits it.
ALERT_CONFIRMATIONS_PER_EMAIL = env_int("ALERT_CONFIRMATIONS_PER_EMAIL", 3, minimum=1)
ALERT_MANAGE_LINK_DAYS = env_int("ALERT_MANAGE_LINK_DAYS", 90, minimum=1)  # manage-page links
# The land fit calculator of parcel pages: rates in basis points (1/100 of a percent).
LAND_DEED_TAX_BP = env_int("LAND_DEED_TAX_BP", 300, minimum=0, maximum=1000)  # 契税 3 %
LAND_STAMP_DUTY_BP = env_int("LAND_STAMP_DUTY_BP", 5, minimum=0, maximum=100)  # 印花税 0.05 %

# Security. CSP holds in every mode so that tests see what production sends.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
    "base-uri": [CSP.SELF],
    "object-src": [CSP.NONE],
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    LANGUAGE_COOKIE_SECURE = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"jieba": {"level": "WARNING"}, "pgserver": {"level": "WARNING"}},
}

ADMIN_SITE_HEADER = _("G60招商平台管理后台")

# Periodic background work, enqueued by `manage.py run_periodic` (started by `make run`):
# (dotted path of a Django task, interval in seconds).
PERIODIC_TASKS = [
    ("leads.tasks.escalate_overdue_inquiries", 60),
    ("leads.tasks.sweep_notifications", LEAD_NOTIFY_SWEEP_SECONDS),
    ("leads.tasks.send_alert_digests", 3600),
]
