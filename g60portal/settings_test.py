"""Test settings: the real settings with a fast hasher and an in-memory cache.

Django's test set-up swaps every mailer in MAILERS for the in-memory one."""

from g60portal.settings import *  # noqa: F403
from g60portal.settings import VAR_DIR

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "fragments": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "f"},
}
# Tests run without collectstatic; the hashed storage is tested on its own.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MEDIA_ROOT = VAR_DIR / "test-media"
LEAD_MIN_FILL_SECONDS = 0
# Tests change rows and look again within a second; page-cache tests turn it on.
PAGE_CACHE_SECONDS = 0
# WhiteNoise serves from the finders in tests; nothing is collected.
STATIC_ROOT = None
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
