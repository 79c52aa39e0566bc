"""Rendered fragments looked up before their rows are loaded. A leaf module: no app.

A list page's cards are kept by the template's `{% cache NAME pk updated_at … using=
"fragments" %}` tag. A view that knows each card's key values from a narrow query (an
index-only scan of ids and `updated_at`) asks the cache for all of them in one call and
loads, for the cards not kept, the full rows and their pictures. The template prints a
kept card's HTML as it is (`{{ card.html }}`) and renders the others through the same
cached include, which keeps them for the next visitor.
"""

from django.core.cache import caches
from django.core.cache.utils import make_template_fragment_key

FRAGMENTS = "fragments"


class Kept:
    """A card found in the cache, in place of its row: the template prints `html`."""

    __slots__ = ("html",)

    def __init__(self, html):
        self.html = html


def kept_fragments(name, vary_ons):
    """The kept HTML of fragment `name` for each list of vary-on values (built exactly as
    the template's cache tag resolves them), or None where it is not kept."""
    keys = [make_template_fragment_key(name, vary_on) for vary_on in vary_ons]
    found = caches[FRAGMENTS].get_many(keys)
    return [found.get(key) for key in keys]


def with_kept(name, entries, load):
    """`entries`: (pk, vary-on values of its fragment) in page order; `load(pks)`: the
    rows of the pks whose fragment is not kept. The page's list, in order, of `Kept` and
    rows (a row deleted in between is left out)."""
    kept = kept_fragments(name, [vary_on for _pk, vary_on in entries])
    missing = [pk for (pk, _vary_on), html in zip(entries, kept, strict=True) if html is None]
    rows = {row.pk: row for row in load(missing)} if missing else {}
    items = []
    for (pk, _vary_on), html in zip(entries, kept, strict=True):
        if html is not None:
            items.append(Kept(html))
        elif pk in rows:
            items.append(rows[pk])
    return items
