"""What the site search's result partials (templates/includes/search/) need: highlighted
titles, snippets around the matched words, and numbers written as the search shows them."""

from decimal import Decimal

from django import template

from core import search
from core.sanitize import html_to_text

register = template.Library()


@register.simple_tag
def search_highlight(query, *texts):
    """The texts joined by a space, escaped, with the query's words in <mark>."""
    return search.highlight(" ".join(str(t or "") for t in texts), query)


@register.simple_tag
def search_snippet(query, *texts, otherwise=""):
    """A highlighted piece of the texts (joined by a space) around the first matched word.

    With ``otherwise``: that text instead, when the texts don't mention the query and
    ``otherwise`` is not empty (a park's introduction when its summary says nothing of
    what was searched)."""
    text = " ".join(str(t or "") for t in texts)
    if otherwise and not mentions(text, query):
        text = otherwise
    return search.snippet(text, query)


@register.simple_tag
def joined(*texts):
    """The texts that are not empty, joined by a space ("松江区 新桥镇")."""
    return " ".join(str(t) for t in texts if t)


@register.filter
def plain_text(html):
    return html_to_text(html or "")


@register.filter
def grouped_number(value):
    """1200000.00 → 1,200,000: thousands grouped, no trailing zeros."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return f"{value.normalize():,f}"
    return f"{value:,}"


def mentions(text, query):
    lowered = search.normalize(text)
    return any(term in lowered for term in search.as_query(query).highlight_terms)
