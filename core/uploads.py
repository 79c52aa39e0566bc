"""Checked picture uploads and cached thumbnails. A leaf module: it imports no app.

Every picture a person uploads is checked by its content (JPEG, PNG or WebP, whatever
its name says), its size and its pixel count, then re-encoded so that nothing but the
pixels survives: EXIF (camera, GPS position), comments and any trailing payload are
dropped. Thumbnails are made once per picture and width and kept under
MEDIA_ROOT/thumbnails/.

Stored names are unguessable: 128 random bits, nothing of the uploaded name. A picture of
a draft is reachable only by a name that no public page shows until the item is
published (the thumbnail names derive from it by a one-way hash).
"""

import hashlib
import io
import logging
import re
import secrets
import warnings
from pathlib import PurePosixPath

from django import forms
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models
from django.utils.text import get_valid_filename
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps, UnidentifiedImageError

logger = logging.getLogger(__name__)

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
MAX_PIXELS = 50_000_000
# Pillow format name → (file extension, MIME type)
ALLOWED_FORMATS = {
    "JPEG": ("jpg", "image/jpeg"),
    "PNG": ("png", "image/png"),
    "WEBP": ("webp", "image/webp"),
}
THUMBNAIL_DIR = "thumbnails"


def _open_checked(data):
    """Open `data` (bytes) as a picture we accept, or raise ValidationError."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            if image.format not in ALLOWED_FORMATS:
                raise ValidationError(_("只接受 JPEG、PNG 或 WebP 图片。"), code="image_format")
            width, height = image.size
            if width * height > MAX_PIXELS:
                raise ValidationError(
                    _("图片像素过多（%(mp)s 百万像素），上限为 50 百万像素。"),
                    code="image_pixels",
                    params={"mp": round(width * height / 1_000_000, 1)},
                )
            image.load()
    except ValidationError:
        raise
    except (Image.DecompressionBombWarning, Image.DecompressionBombError):
        raise ValidationError(
            _("图片像素过多，上限为 50 百万像素。"), code="image_pixels"
        ) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
        raise ValidationError(
            _("无法识别该文件，请上传 JPEG、PNG 或 WebP 图片。"), code="image_invalid"
        ) from None
    return image


def reencode_image(data, name="image"):
    """Check picture bytes and re-encode them without metadata.

    Returns (bytes, file name with the right extension, MIME type)."""
    if len(data) > MAX_UPLOAD_BYTES:
        raise ValidationError(_("图片不能超过 20 MB。"), code="image_size")
    image = _open_checked(data)
    source_format = image.format
    extension, content_type = ALLOWED_FORMATS[source_format]
    # Apply the camera's rotation before the EXIF that carries it is dropped.
    image = ImageOps.exif_transpose(image)
    out = io.BytesIO()
    if source_format == "JPEG":
        if image.mode not in ("RGB", "L"):
            image = image.convert("RGB")
        image.save(out, "JPEG", quality=88, optimize=True, progressive=True)
    elif source_format == "PNG":
        if image.mode not in ("RGB", "RGBA", "L", "LA", "P"):
            image = image.convert("RGBA")
        image.save(out, "PNG", optimize=True)
    else:
        image.save(out, "WEBP", quality=88, method=4)
    stem = get_valid_filename(PurePosixPath(str(name)).stem)[:80] or "image"
    return out.getvalue(), f"{stem}.{extension}", content_type


class CheckedImageFormField(forms.ImageField):
    """An image form field that checks and re-encodes what was uploaded."""

    def to_python(self, data):
        if data in self.empty_values:
            return None
        if getattr(data, "size", 0) > MAX_UPLOAD_BYTES:
            raise ValidationError(_("图片不能超过 20 MB。"), code="image_size")
        data.seek(0)
        raw = data.read()
        content, name, content_type = reencode_image(raw, getattr(data, "name", "image"))
        return SimpleUploadedFile(name, content, content_type=content_type)


def unguessable_name(filename):
    """A random file name that keeps only the (already checked) extension of `filename`."""
    extension = PurePosixPath(str(filename)).suffix.lower().lstrip(".")
    if not re.fullmatch(r"[a-z0-9]{1,5}", extension):
        extension = "bin"
    return f"{secrets.token_hex(16)}.{extension}"


class CheckedImageField(models.ImageField):
    """A model ImageField whose forms (admin included) check and re-encode uploads, stored
    under an unguessable name in the field's upload_to folder."""

    def generate_filename(self, instance, filename):
        return super().generate_filename(instance, unguessable_name(filename))

    def formfield(self, **kwargs):
        kwargs.setdefault("form_class", CheckedImageFormField)
        return super().formfield(**kwargs)


def thumbnail_name(source_name, width):
    key = hashlib.sha256(str(source_name).encode("utf-8")).hexdigest()[:20]
    return f"{THUMBNAIL_DIR}/{key[:2]}/{key}-{int(width)}.jpg"


def thumbnail_url(source, width, storage=None):
    """URL of a JPEG of `source` (a FieldFile or a storage name) at most `width` wide.

    Made on first use and kept; None when the source is missing or unreadable."""
    storage = storage or getattr(source, "storage", None) or default_storage
    source_name = getattr(source, "name", source)
    if not source_name:
        return None
    name = thumbnail_name(source_name, width)
    known = _known_thumbnails.get((_storage_key(storage), name))
    if known:
        return known
    if storage.exists(name):
        return _remember(storage, name)
    try:
        with storage.open(source_name, "rb") as fh:
            image = Image.open(fh)
            image.draft("RGB", (width, width * 4))
            image = ImageOps.exif_transpose(image)
            image.thumbnail((width, width * 4))
            if image.mode != "RGB":
                image = image.convert("RGB")
            out = io.BytesIO()
            image.save(out, "JPEG", quality=80, optimize=True, progressive=True)
    except (FileNotFoundError, OSError, UnidentifiedImageError, ValueError, SyntaxError):
        logger.warning("thumbnail: cannot read %s", source_name)
        return None
    if not storage.exists(name):
        name = storage.save(name, ContentFile(out.getvalue()))
    return _remember(storage, name)


# Thumbnails are never changed once made, so each process remembers the URLs of those it
# has seen and skips asking the storage again (a file-system stat, or a request to S3).
_known_thumbnails = {}
_KNOWN_LIMIT = 20_000


def _remember(storage, name):
    url = storage.url(name)
    if len(_known_thumbnails) >= _KNOWN_LIMIT:
        _known_thumbnails.clear()
    _known_thumbnails[(_storage_key(storage), name)] = url
    return url


def _storage_key(storage):
    return (id(storage), str(getattr(storage, "location", "")))
