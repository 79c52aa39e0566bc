"""Pictures in S3-compatible object storage, tested against a real server (SeaweedFS).

The storage settings are read by running the real settings module with S3 variables."""

import io
import runpy
import urllib.request
import uuid

import pytest
from django.conf import settings as django_settings
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from core import uploads
from core.env import EnvironmentVariableError
from listings.models import ListingImage
from tests.factories import jpeg_bytes

SETTINGS_FILE = django_settings.BASE_DIR / "g60portal" / "settings.py"


def settings_with(monkeypatch, **env):
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(SETTINGS_FILE))


@pytest.fixture
def s3_media(s3_server, settings, monkeypatch):
    """The site's default storage pointed at a fresh bucket on the S3 server."""
    # One bucket for the session (each bucket takes volumes on the server), a fresh
    # prefix per test.
    s3_server.make_bucket("media")
    prefix = f"t{uuid.uuid4().hex[:10]}"
    env = {**s3_server.settings("media"), "AWS_LOCATION": prefix}
    storages = settings_with(monkeypatch, **env)["STORAGES"]
    settings.STORAGES = {**settings.STORAGES, "default": storages["default"]}
    s3_server.bucket = "media"
    s3_server.prefix = f"{prefix}/"
    return s3_server


def stored(server):
    """Keys under this test's prefix, without the prefix."""
    return [
        k.removeprefix(server.prefix)
        for k in server.keys(server.bucket)
        if k.startswith(server.prefix)
    ]


def test_local_files_stay_the_default(monkeypatch):
    monkeypatch.delenv("MEDIA_STORAGE", raising=False)
    values = settings_with(monkeypatch)
    assert values["STORAGES"]["default"]["BACKEND"].endswith("FileSystemStorage")


def test_s3_settings_are_read_from_the_environment(monkeypatch):
    values = settings_with(
        monkeypatch,
        MEDIA_STORAGE="s3",
        AWS_STORAGE_BUCKET_NAME="g60-media",
        AWS_S3_ENDPOINT_URL="https://oss-cn-shanghai.aliyuncs.com",
        AWS_S3_REGION_NAME="oss-cn-shanghai",
        AWS_S3_CUSTOM_DOMAIN="img.example.cn",
        AWS_S3_ADDRESSING_STYLE="virtual",
    )
    storage = values["STORAGES"]["default"]
    assert storage["BACKEND"] == "storages.backends.s3.S3Storage"
    assert storage["OPTIONS"]["bucket_name"] == "g60-media"
    assert storage["OPTIONS"]["endpoint_url"] == "https://oss-cn-shanghai.aliyuncs.com"
    assert storage["OPTIONS"]["custom_domain"] == "img.example.cn"
    assert storage["OPTIONS"]["addressing_style"] == "virtual"
    assert storage["OPTIONS"]["querystring_auth"] is False


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"MEDIA_STORAGE": "ftp"}, "MEDIA_STORAGE"),
        ({"MEDIA_STORAGE": "s3"}, "AWS_STORAGE_BUCKET_NAME"),
        (
            {"MEDIA_STORAGE": "s3", "AWS_STORAGE_BUCKET_NAME": "b", "AWS_S3_ADDRESSING_STYLE": "x"},
            "AWS_S3_ADDRESSING_STYLE",
        ),
        (
            {"MEDIA_STORAGE": "s3", "AWS_STORAGE_BUCKET_NAME": "b", "AWS_S3_ENDPOINT_URL": "oss"},
            "AWS_S3_ENDPOINT_URL",
        ),
    ],
)
def test_bad_storage_settings_name_their_variable(monkeypatch, env, message):
    monkeypatch.delenv("AWS_STORAGE_BUCKET_NAME", raising=False)
    with pytest.raises(EnvironmentVariableError, match=message):
        settings_with(monkeypatch, **env)


def test_an_uploaded_picture_and_its_thumbnail_go_to_the_bucket(
    s3_media, listing, client, settings
):
    field = ListingImage._meta.get_field("image").formfield()
    upload = SimpleUploadedFile("厂房.jpg", jpeg_bytes((1600, 1200)), content_type="image/jpeg")
    picture = listing.images.create(image=field.clean(upload))

    assert picture.image.name in stored(s3_media)
    body = urllib.request.urlopen(picture.image.url).read()
    assert Image.open(io.BytesIO(body)).size == (1600, 1200)

    response = client.get(reverse("listings:listing-detail", args=[listing.pk]))
    assert response.status_code == 200
    thumb = uploads.thumbnail_name(picture.image.name, 720)
    assert thumb in stored(s3_media)
    page = response.content.decode()
    assert f"{s3_media.endpoint_url}/media/{s3_media.prefix}{thumb}" in page
    assert f'<meta property="og:image" content="{s3_media.endpoint_url}/' in page
    assert not settings.MEDIA_ROOT.exists()


def test_thumbnails_are_made_once_in_the_bucket(s3_media, settings):
    name = default_storage.save("listings/source.jpg", io.BytesIO(jpeg_bytes((1600, 1200))))
    url = uploads.thumbnail_url(name, 360)
    thumb = uploads.thumbnail_name(name, 360)
    assert Image.open(io.BytesIO(urllib.request.urlopen(url).read())).size == (360, 270)
    modified = default_storage.get_modified_time(thumb)
    # Another host (no memory of it) finds the thumbnail in the store and keeps it.
    uploads._known_thumbnails.clear()
    assert uploads.thumbnail_url(name, 360) == url
    assert default_storage.get_modified_time(thumb) == modified
    assert [k for k in stored(s3_media) if k.startswith("thumbnails/")] == [thumb]
    assert not settings.MEDIA_ROOT.exists()
