"""The version of everything public pages show. A leaf module: it imports no app.

Cached pages (g60portal/page_cache.py) are keyed by this version; anything a public page
shows (listings, parcels, parks, articles, agents, categories, routing rules, pictures)
calls `pages_changed()` when it is saved or deleted, which makes every cached page old
at once on every host, because the version lives in the shared cache.
"""

import uuid

from django.core.cache import cache
from django.db import models, transaction

PAGE_VERSION_KEY = "pages:version"


def page_version():
    version = cache.get(PAGE_VERSION_KEY)
    if version is None:
        cache.add(PAGE_VERSION_KEY, uuid.uuid4().hex[:12], None)
        version = cache.get(PAGE_VERSION_KEY) or "0"
    return version


def bump_page_version():
    cache.set(PAGE_VERSION_KEY, uuid.uuid4().hex[:12], None)


def pages_changed():
    """Make every cached page old: now, and again once the transaction commits (a page
    rendered in between would show the rows as they were before)."""
    bump_page_version()
    transaction.on_commit(bump_page_version)


class ShownOnPublicPages(models.Model):
    """A model whose rows public pages show: saving or deleting one renews the pages."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        pages_changed()

    def delete(self, *args, **kwargs):
        result = super().delete(*args, **kwargs)
        pages_changed()
        return result
