"""QR codes (core/qrcode.py)."""

from core.qrcode import qr_svg


def test_qr_codes_are_inline_svg_without_styles():
    svg = str(qr_svg("https://example.com/listings/1/", title="扫码 <打开>"))
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert "style" not in svg.lower()
    assert "<title>扫码 &lt;打开&gt;</title>" in svg
