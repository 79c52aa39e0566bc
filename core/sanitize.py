"""HTML cleaning for rich text written by staff or imported from other sites.

A leaf module: it imports no app, so every app may use it. The allowlist matches what
the admin's rich-text editor produces (paragraphs, headings, lists, links, figures,
tables) and nothing that could run code or change the page's look: no scripts, styles,
``style``/``class``/event attributes, iframes, forms, or ``javascript:``/``data:`` URLs.
"""

import re
from html import unescape

import nh3

ALLOWED_TAGS = {
    "p", "br", "hr", "h2", "h3", "h4", "h5", "h6",
    "strong", "b", "em", "i", "u", "s", "sub", "sup", "mark", "small", "span",
    "a", "ul", "ol", "li", "blockquote", "pre", "code",
    "figure", "figcaption", "img",
    "table", "caption", "thead", "tbody", "tfoot", "tr", "th", "td",
}  # fmt: skip

ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "ol": {"start", "type"},
    "th": {"colspan", "rowspan", "scope"},
    "td": {"colspan", "rowspan"},
}

# Tags removed together with everything inside them; any other tag that is not allowed
# is removed but its text is kept.
DROP_WITH_CONTENT = {
    "script", "style", "iframe", "frame", "frameset", "object", "embed", "applet",
    "noscript", "template", "textarea", "select", "option", "button", "svg", "math",
    "head", "title", "meta", "link", "base",
}  # fmt: skip

URL_SCHEMES = {"http", "https", "mailto", "tel"}

# After cleaning, an <img> whose src was refused is left without one: drop it entirely.
_IMG_WITHOUT_SRC = re.compile(r"<img(?![^>]*\ssrc=)[^>]*>")
_NUL = "\x00"
_BLOCK_END = re.compile(
    r"<(?:br|hr|/p|/h\d|/li|/div|/td|/th|/tr|/blockquote|/figcaption)\b[^>]*>", re.I
)


def _attribute_filter(tag, attribute, value):
    # Pictures must come from our own media (a site-relative path): remote pictures are
    # blocked by the Content-Security-Policy anyway and would leak readers' IPs.
    if (
        tag == "img"
        and attribute == "src"
        and (not value.startswith("/") or value.startswith("//"))
    ):
        return None
    if attribute in {"width", "height", "colspan", "rowspan", "start"}:
        return value if value.isdigit() and len(value) <= 5 else None
    return value


_cleaner = nh3.Cleaner(
    tags=ALLOWED_TAGS,
    clean_content_tags=DROP_WITH_CONTENT,
    attributes=ALLOWED_ATTRIBUTES,
    attribute_filter=_attribute_filter,
    url_schemes=URL_SCHEMES,
    link_rel="noopener noreferrer",
    strip_comments=True,
)


def clean_html(html):
    """Return ``html`` reduced to the safe subset above; ``None`` becomes ``""``."""
    if not html:
        return ""
    cleaned = _cleaner.clean(str(html).replace(_NUL, ""))
    cleaned = _IMG_WITHOUT_SRC.sub("", cleaned)
    # The editor's empty document is a lone empty paragraph: store it as empty.
    if re.fullmatch(r"\s*(<p>\s*(<br>)?\s*</p>\s*)*", cleaned):
        return ""
    return cleaned.strip()


def html_to_text(html):
    """Plain text of an HTML fragment (for summaries, meta descriptions and feeds)."""
    if not html:
        return ""
    spaced = _BLOCK_END.sub(" ", str(html).replace(_NUL, ""))
    text = nh3.clean(spaced, tags=set(), clean_content_tags=DROP_WITH_CONTENT)
    return re.sub(r"\s+", " ", unescape(text)).strip()
