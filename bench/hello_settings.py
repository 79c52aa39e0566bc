"""The floor of `manage.py bench --only pages`: the site's own settings (middleware,
database, cache) with a single hello-world view as the whole site."""

from g60portal.settings import *  # noqa: F403

ROOT_URLCONF = "bench.hello_urls"
PAGE_CACHE_SECONDS = 0
