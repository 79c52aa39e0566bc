"""A paginator whose count is kept in the shared cache, and the digest of a list's query
string that keys what a list keeps. A leaf module: no app."""

import hashlib

from django.core.cache import cache
from django.core.paginator import Paginator
from django.utils.functional import cached_property


class CachedCountPaginator(Paginator):
    """Counting every match of a broad filter over ~100,000 listings is the costliest
    part of a list page (about 20 ms), and the number barely moves: it is kept under
    `count_key` for `count_seconds` (the listing lists: a minute per query string; the
    news lists: per page version). The rows on the page are always read fresh."""

    def __init__(self, *args, count_key, count_seconds, kept_count=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.count_key = count_key
        self.count_seconds = count_seconds
        self.kept_count = kept_count  # already read from the cache by the caller

    @cached_property
    def count(self):
        count = self.kept_count if self.kept_count is not None else cache.get(self.count_key)
        if count is None:
            count = super().count
            cache.set(self.count_key, count, self.count_seconds)
        return count


def query_digest(request, leave_out=(), *extra):
    """A digest of the request's query string, whatever the order of its parameters,
    without those named in `leave_out` (the page number, say), and of `extra` values."""
    params = sorted(
        (key, value)
        for key, values in request.GET.lists()
        if key not in leave_out
        for value in values
    )
    return hashlib.sha256(repr((params, *extra)).encode()).hexdigest()[:32]
