import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "g60portal.settings")
application = get_wsgi_application()

# Load the Chinese word segmenter while the worker boots (about 1–2 s), not on the first
# visitor's search.
from core.search import warm_up  # noqa: E402

warm_up()
