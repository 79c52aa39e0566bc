"""Picture checks and thumbnails (core/uploads.py)."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from core import uploads
from listings.models import Agent, ListingImage
from tests.factories import jpeg_bytes, png_bytes


def test_it_strips_exif_and_gps_when_re_encoding():
    raw = jpeg_bytes(exif_gps=True)
    assert Image.open(io.BytesIO(raw)).getexif()
    content, name, content_type = uploads.reencode_image(raw, "IMG_0001.JPG")
    image = Image.open(io.BytesIO(content))
    assert image.format == "JPEG" and image.size == (800, 600)
    assert not image.getexif()
    assert name == "IMG_0001.jpg" and content_type == "image/jpeg"


def test_it_keeps_png_and_names_by_content_not_by_extension():
    content, name, content_type = uploads.reencode_image(png_bytes(), "photo.jpg")
    assert Image.open(io.BytesIO(content)).format == "PNG"
    assert name == "photo.png" and content_type == "image/png"


@pytest.mark.parametrize(
    "data, code",
    [
        (b"<?php system($_GET['c']); ?>", "image_invalid"),
        (b"GIF89a" + b"\x00" * 100, "image_invalid"),
        (jpeg_bytes()[:200], "image_invalid"),
    ],
)
def test_it_refuses_what_is_not_a_jpeg_png_or_webp(data, code):
    with pytest.raises(ValidationError) as error:
        uploads.reencode_image(data, "x.jpg")
    assert error.value.code == code


def test_it_refuses_gif_even_when_valid():
    out = io.BytesIO()
    Image.new("RGB", (10, 10)).save(out, "GIF")
    with pytest.raises(ValidationError) as error:
        uploads.reencode_image(out.getvalue(), "x.gif")
    assert error.value.code == "image_format"


def test_it_refuses_files_over_20_mb(monkeypatch):
    monkeypatch.setattr(uploads, "MAX_UPLOAD_BYTES", 1000)
    with pytest.raises(ValidationError) as error:
        uploads.reencode_image(jpeg_bytes(), "big.jpg")
    assert error.value.code == "image_size"


def test_it_refuses_decompression_bombs_before_decoding():
    # A PNG that claims 20000 × 20000 pixels (400 MP) in a few kilobytes.
    out = io.BytesIO()
    Image.new("1", (20000, 20000)).save(out, "PNG", optimize=True)
    assert len(out.getvalue()) < 200_000
    with pytest.raises(ValidationError) as error:
        uploads.reencode_image(out.getvalue(), "bomb.png")
    assert error.value.code == "image_pixels"


def test_the_form_field_hands_back_a_clean_file():
    field = uploads.CheckedImageFormField()
    upload = SimpleUploadedFile("a.jpg", jpeg_bytes(exif_gps=True), content_type="image/jpeg")
    cleaned = field.clean(upload)
    assert cleaned.name == "a.jpg"
    assert not Image.open(cleaned).getexif()
    with pytest.raises(ValidationError):
        field.clean(SimpleUploadedFile("a.jpg", b"not an image", content_type="image/jpeg"))


def test_model_image_fields_use_the_checked_form_field():
    assert isinstance(
        ListingImage._meta.get_field("image").formfield(), uploads.CheckedImageFormField
    )
    assert isinstance(Agent._meta.get_field("wechat_qr").formfield(), uploads.CheckedImageFormField)


def test_thumbnails_are_made_once_and_cached(settings):
    name = default_storage.save("listings/source.jpg", io.BytesIO(jpeg_bytes((1600, 1200))))
    url = uploads.thumbnail_url(name, 360)
    thumb = uploads.thumbnail_name(name, 360)
    assert url == f"/media/{thumb}"
    assert Image.open(default_storage.open(thumb)).size == (360, 270)
    modified = default_storage.get_modified_time(thumb)
    assert uploads.thumbnail_url(name, 360) == url
    assert default_storage.get_modified_time(thumb) == modified


def test_a_missing_source_gives_no_thumbnail():
    assert uploads.thumbnail_url("listings/nothing-here.jpg", 360) is None
    assert uploads.thumbnail_url("", 360) is None
