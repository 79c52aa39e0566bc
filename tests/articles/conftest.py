import io

import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from tests import factories


def picture_bytes(size=(800, 600), fmt="PNG", colour=(11, 92, 173), **save_args):
    image = Image.new("RGB", size, colour)
    buffer = io.BytesIO()
    image.save(buffer, fmt, **save_args)
    return buffer.getvalue()


def picture_upload(name="picture.png", **kwargs):
    fmt = kwargs.get("fmt", "PNG")
    content_type = {"PNG": "image/png", "JPEG": "image/jpeg"}.get(fmt, "application/octet-stream")
    return SimpleUploadedFile(name, picture_bytes(**kwargs), content_type=content_type)


@pytest.fixture
def category(db):
    return factories.make_category(name="政策解读", slug="policy")


@pytest.fixture
def editor(db):
    """A member of the editors group, as set up by the migrations."""
    user = factories.make_user(is_staff=True)
    user.groups.add(Group.objects.get(name="editors"))
    return user
