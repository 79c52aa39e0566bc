"""QR codes as inline SVG markup that a strict CSP accepts (no style element or attribute).

A leaf module: it imports no app, so listings and articles can both use it."""

import functools
import io

import segno
from django.utils.safestring import mark_safe


def qr_svg(data, *, scale=4, border=2, title=None, css_class="qr"):
    """The QR code of `data` as an <svg> element, safe to inline in a page."""
    qr = segno.make(data, error="m", micro=False)
    out = io.BytesIO()
    qr.save(
        out,
        kind="svg",
        xmldecl=False,
        svgns=True,
        scale=scale,
        border=border,
        dark="#000",
        light="#fff",
        svgclass=css_class,
        lineclass=None,
        title=title,
        encoding="utf-8",
    )
    # segno escapes the title and writes presentation attributes only, never style.
    return mark_safe(out.getvalue().decode("utf-8").strip())  # noqa: S308


@functools.lru_cache(maxsize=2048)
def public_qr_svg(data, *, title=None):
    """`qr_svg` of a public page's address, kept in each process: drawing one takes about
    2 ms, and a page's address and title rarely change. Never for secrets (a two-factor
    enrolment code, a signed link): those are drawn fresh with `qr_svg`."""
    return qr_svg(data, title=title)
