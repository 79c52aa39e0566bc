"""Writes with side effects: publishing, pictures in the body, importing articles."""

import csv
import hashlib
import io
import json
import re
from dataclasses import dataclass, field
from datetime import datetime, time
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from PIL import Image

from articles.forms import split_tags, validate_tag_names
from articles.models import Article, ArticleImage, Category
from core.sanitize import clean_html
from core.uploads import reencode_image
from listings.models import Park

BODY_IMAGE_MAX_SIDE = 1600
IMPORT_MAX_BODY_CHARS = 1_000_000
IMPORT_MAX_COVER_BYTES = 20 * 1024 * 1024


# ---- Publishing -----------------------------------------------------------------


def publish_now(queryset, *, now=None):
    """Publish the articles of ``queryset`` at once. A scheduled or missing publication
    time becomes now; an article already out keeps its date. Returns how many changed."""
    now = now or timezone.now()
    changed = 0
    with transaction.atomic():
        for article in queryset.select_for_update():
            if article.is_public:
                continue
            article.status = Article.Status.PUBLISHED
            if article.published_at is None or article.published_at > now:
                article.published_at = now
            article.save(update_fields=["status", "published_at", "updated_at"])
            changed += 1
    return changed


def unpublish(queryset):
    """Take the articles of ``queryset`` off the site (back to draft)."""
    return queryset.exclude(status=Article.Status.DRAFT).update(
        status=Article.Status.DRAFT, updated_at=timezone.now()
    )


# ---- Pictures in the body -------------------------------------------------------


def _fit_within(content, max_side):
    """Shrink an already checked, re-encoded picture so its longer side is ≤ max_side."""
    image = Image.open(io.BytesIO(content))
    if max(image.size) <= max_side:
        return content
    fmt = image.format
    image.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    if fmt == "JPEG":
        image.save(out, "JPEG", quality=85, optimize=True, progressive=True)
    elif fmt == "WEBP":
        image.save(out, "WEBP", quality=85, method=4)
    else:
        image.save(out, "PNG", optimize=True)
    return out.getvalue()


def store_body_image(upload, *, alt_text="", user=None):
    """Save a picture for an article's body. ``upload`` has passed the form's checks
    (type by content, size, pixels; re-encoded without metadata); large pictures are
    shrunk so phones do not download camera-sized files."""
    upload.seek(0)
    content = _fit_within(upload.read(), BODY_IMAGE_MAX_SIDE)
    picture = ArticleImage(alt_text=alt_text, uploaded_by=user)
    picture.image.save(upload.name, ContentFile(content), save=False)
    picture.full_clean()
    picture.save()
    return picture


# ---- Import ---------------------------------------------------------------------


@dataclass
class ImportRowError(Exception):
    """A row that cannot be imported; ``errors`` is a list of (field, message)."""

    errors: list = field(default_factory=list)


@dataclass
class ImportOutcome:
    action: str  # "created", "updated" or "unchanged"
    article: Article


_DATE_FORMATS = [
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%Y/%m/%d",
    "%Y.%m.%d",
]
_CHINESE_DATE = re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日(?:\s*(\d{1,2})[:：时](\d{1,2})分?)?$")
_TRUE = {"1", "true", "yes", "y", "是", "on"}
_FALSE = {"", "0", "false", "no", "n", "否", "off"}
_STATUS_WORDS = {
    "": Article.Status.PUBLISHED,
    "published": Article.Status.PUBLISHED,
    "已发布": Article.Status.PUBLISHED,
    "发布": Article.Status.PUBLISHED,
    "draft": Article.Status.DRAFT,
    "草稿": Article.Status.DRAFT,
}


def parse_datetime_value(value):
    """A publication time as written in exports: ISO 8601, 2024-05-01 09:30, 2024/05/01
    or 2024年5月1日. Times without a zone are Shanghai time. Raises ValueError."""
    text = str(value).strip()
    if not text:
        raise ValueError("empty")
    parsed = None
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        for fmt in _DATE_FORMATS:
            try:
                parsed = datetime.strptime(text, fmt)
                break
            except ValueError:
                continue
    if parsed is None and (match := _CHINESE_DATE.match(text)):
        year, month, day, hour, minute = match.groups()
        parsed = datetime(int(year), int(month), int(day), int(hour or 0), int(minute or 0))
    if parsed is None:
        raise ValueError(text)
    if parsed.year < 1990 or parsed.year > 2100:
        raise ValueError(text)
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)
    return parsed


def _text(row, name):
    value = row.get(name)
    if value is None:
        return ""
    if not isinstance(value, str):
        value = str(value)
    return value.replace("\x00", "").strip()


def _list_value(value):
    if isinstance(value, list):
        return [str(item).strip() for item in value if str(item).strip()]
    return split_tags(str(value or "").replace("\x00", ""))


def _read_cover(path_text, base_dir):
    path = Path(path_text)
    if not path.is_absolute():
        path = Path(base_dir) / path
    if not path.is_file():
        raise ValueError(f"no such file: {path}")
    if path.stat().st_size > IMPORT_MAX_COVER_BYTES:
        raise ValueError(f"file is larger than {IMPORT_MAX_COVER_BYTES // (1024 * 1024)} MB")
    try:
        content, name, _content_type = reencode_image(path.read_bytes(), path.name)
    except ValidationError as exc:
        raise ValueError(" ".join(str(m) for m in exc.messages)) from None
    return content, name


def _same_file_content(fieldfile, content):
    if not fieldfile:
        return False
    try:
        with fieldfile.open("rb") as fh:
            existing = fh.read()
    except OSError:
        return False
    return hashlib.sha256(existing).digest() == hashlib.sha256(content).digest()


def _clean_row(row, *, base_dir, categories, parks):
    """Validate one import row; return the cleaned values or raise ImportRowError."""
    errors = []
    values = {}

    title = _text(row, "title")
    if not title:
        errors.append(("title", "is required"))
    elif len(title) > 150:
        errors.append(("title", f"is {len(title)} characters long; the limit is 150"))
    values["title"] = title

    category_text = _text(row, "category")
    category = categories.get(category_text) or categories.get(category_text.lower())
    if not category_text:
        errors.append(("category", "is required"))
    elif category is None:
        errors.append(("category", f"unknown category {category_text!r} (create it in admin)"))
    values["category"] = category

    try:
        values["published_at"] = parse_datetime_value(row.get("published_at") or "")
    except ValueError:
        shown = _text(row, "published_at")[:40]
        errors.append(
            ("published_at", f"cannot read the date {shown!r} (use e.g. 2024-05-01 09:30)")
        )

    body = row.get("body") or ""
    if not isinstance(body, str):
        errors.append(("body", "must be text (HTML)"))
        body = ""
    if len(body) > IMPORT_MAX_BODY_CHARS:
        size_mb = len(body.encode("utf-8", "replace")) / (1024 * 1024)
        errors.append(
            (
                "body",
                f"is {size_mb:.1f} MB; the limit is {IMPORT_MAX_BODY_CHARS // 1_000_000} MB",
            )
        )
        body = ""
    values["body"] = body

    for name, limit in [
        ("summary", 300),
        ("source_name", 100),
        ("seo_title", 70),
        ("seo_description", 160),
    ]:
        text = _text(row, name)
        if len(text) > limit:
            errors.append((name, f"is {len(text)} characters long; the limit is {limit}"))
        values[name] = text

    source_url = _text(row, "source_url")
    if source_url:
        try:
            URLValidator(schemes=["http", "https"])(source_url)
            if len(source_url) > 500:
                raise ValidationError("too long")
        except ValidationError:
            errors.append(("source_url", f"is not a web address: {source_url[:60]!r}"))
    values["source_url"] = source_url

    status_text = _text(row, "status").lower()
    if status_text in _STATUS_WORDS:
        values["status"] = _STATUS_WORDS[status_text]
    else:
        errors.append(("status", f"must be published or draft, not {status_text[:20]!r}"))

    featured_text = _text(row, "featured").lower()
    if featured_text in _TRUE | _FALSE:
        values["featured"] = featured_text in _TRUE
    else:
        errors.append(("featured", f"must be 1 or 0, not {featured_text[:20]!r}"))

    try:
        values["tags"] = sorted(validate_tag_names(_list_value(row.get("tags"))))
    except ValidationError as exc:
        errors.append(("tags", " ".join(str(m) for m in exc.messages)))

    park_objects = []
    for name in _list_value(row.get("parks")):
        park = parks.get(name) or parks.get(name.lower())
        if park is None:
            errors.append(("parks", f"unknown park {name!r}"))
        else:
            park_objects.append(park)
    values["parks"] = park_objects

    cover_text = _text(row, "cover")
    values["cover"] = None
    if cover_text:
        try:
            values["cover"] = _read_cover(cover_text, base_dir)
        except ValueError as exc:
            errors.append(("cover", str(exc)))

    if errors:
        raise ImportRowError(errors)
    return values


def lookup_tables():
    """Categories and parks by name and by slug, for matching import rows."""
    categories = {}
    for category in Category.objects.all():
        categories[category.name] = category
        categories[category.slug.lower()] = category
    parks = {}
    for park in Park.objects.all():
        parks[park.name] = park
        parks[park.slug.lower()] = park
    return categories, parks


def find_existing(*, source_url, title, published_at):
    """The article an import row means: same source link, else same title and day."""
    if source_url:
        match = Article.objects.filter(source_url=source_url).order_by("pk").first()
        if match:
            return match
    day = timezone.localtime(published_at).date()
    start = timezone.make_aware(datetime.combine(day, time.min))
    end = timezone.make_aware(datetime.combine(day, time.max))
    return (
        Article.objects.filter(Q(title=title), published_at__range=(start, end))
        .order_by("pk")
        .first()
    )


def import_article(row, *, base_dir, lookups, dry_run=False):
    """Create or update one article from an import row (a dict of column → value).

    Bodies are sanitized like every body (on save). Raises ImportRowError."""
    categories, parks = lookups
    values = _clean_row(row, base_dir=base_dir, categories=categories, parks=parks)
    article = find_existing(
        source_url=values["source_url"],
        title=values["title"],
        published_at=values["published_at"],
    )
    action = "updated" if article else "created"
    article = article or Article()

    simple_fields = [
        "title",
        "category",
        "published_at",
        "body",
        "summary",
        "source_name",
        "source_url",
        "status",
        "featured",
        "seo_title",
        "seo_description",
    ]
    before = {name: getattr(article, name, None) for name in simple_fields}
    before_tags = sorted(article.tags.names()) if article.pk else []
    before_parks = sorted(p.pk for p in article.parks.all()) if article.pk else []
    for name in simple_fields:
        setattr(article, name, values[name])
    # Compare what would be stored: the body as the sanitizer leaves it.
    article.body = clean_html(article.body)
    if values["summary"] == "" and action == "updated":
        article.summary = before["summary"] if before["body"] == article.body else ""

    cover_changed = False
    if values["cover"] is not None:
        content, name = values["cover"]
        cover_changed = not _same_file_content(article.cover, content)

    unchanged = (
        action == "updated"
        and not cover_changed
        and all(before[name] == getattr(article, name) for name in simple_fields)
        and before_tags == values["tags"]
        and before_parks == sorted(p.pk for p in values["parks"])
    )
    if unchanged:
        return ImportOutcome("unchanged", article)
    try:
        article.full_clean(exclude=["cover", "tags", "parks"])
    except ValidationError as exc:
        raise ImportRowError(
            [(name, " ".join(messages)) for name, messages in exc.message_dict.items()]
        ) from None
    if dry_run:
        return ImportOutcome(action, article)
    if cover_changed:
        content, name = values["cover"]
        article.cover.save(name, ContentFile(content), save=False)
    article.save()
    article.tags.set(values["tags"])
    article.parks.set(values["parks"])
    return ImportOutcome(action, article)


def read_import_rows(path, *, fmt, encoding):
    """Yield (row number, line number, dict or exception) from a JSON-lines or CSV file."""
    if fmt == "csv":
        # Bodies are long; the size limit is ours to report per row, not the csv module's.
        csv.field_size_limit(64 * 1024 * 1024)
        with open(path, encoding=encoding, newline="") as fh:
            reader = csv.DictReader(fh)
            number = 0
            while True:
                try:
                    record = next(reader)
                except StopIteration:
                    break
                except csv.Error as exc:
                    number += 1
                    yield number, reader.line_num, exc
                    continue
                number += 1
                yield number, reader.line_num, record
        return
    with open(path, encoding=encoding) as fh:
        number = 0
        for line_number, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            number += 1
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                yield number, line_number, exc
                continue
            if not isinstance(record, dict):
                yield number, line_number, ValueError("a line must be a JSON object")
                continue
            yield number, line_number, record
