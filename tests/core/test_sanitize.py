"""HTML cleaning and text extraction (core/sanitize.py)."""

from core.sanitize import clean_html, html_to_text


def test_html_to_text_separates_paragraphs_and_drops_scripts():
    assert html_to_text("<p>一&amp;二</p><p>三<script>x()</script></p>") == "一&二 三"


def test_clean_html_removes_nul_bytes_and_empty_documents():
    assert clean_html("<p>a\x00b</p>") == "<p>ab</p>"
    assert clean_html("<p><br></p>") == ""
    assert clean_html(None) == ""
