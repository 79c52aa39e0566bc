"""Small factories: each makes a valid object with sensible defaults; pass what matters."""

import io
import itertools
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.utils import timezone
from PIL import Image

from articles.models import Article, Category
from listings.models import Agent, LandParcel, Listing, Park

_seq = itertools.count(1)


def seq():
    return next(_seq)


def make_user(username=None, password="pw-for-tests-only", **kwargs):
    username = username or f"user{seq()}"
    kwargs.setdefault("email", f"{username}@example.com")
    return get_user_model().objects.create_user(username=username, password=password, **kwargs)


def make_agent(**kwargs):
    n = seq()
    kwargs.setdefault("name", f"顾问{n}")
    kwargs.setdefault("mobile", f"139{n:08d}")
    kwargs.setdefault("email", f"agent{n}@example.com")
    return Agent.objects.create(**kwargs)


def make_park(**kwargs):
    n = seq()
    kwargs.setdefault("name", f"测试园区{n}")
    kwargs.setdefault("slug", f"park-{n}")
    kwargs.setdefault("town", "新桥镇")
    return Park.objects.create(**kwargs)


def make_listing(**kwargs):
    n = seq()
    kwargs.setdefault("code", f"T-{n:05d}")
    kwargs.setdefault("title", f"测试厂房{n}")
    kwargs.setdefault("kind", Listing.Kind.FACTORY)
    kwargs.setdefault("deal", Listing.Deal.RENT)
    kwargs.setdefault("status", Listing.Status.AVAILABLE)
    kwargs.setdefault("town", "新桥镇")
    kwargs.setdefault("building_area", Decimal("1000"))
    if kwargs["deal"] == Listing.Deal.RENT:
        kwargs.setdefault("rent_price", Decimal("1.20"))
    else:
        kwargs.setdefault("sale_price", Decimal("2000"))
    kwargs.setdefault("published_at", timezone.now() - timezone.timedelta(days=1))
    kwargs.setdefault("last_verified_at", timezone.now())
    return Listing.objects.create(**kwargs)


def make_parcel(**kwargs):
    n = seq()
    now = timezone.now()
    kwargs.setdefault("code", f"YF-{n:02d}-001")
    kwargs.setdefault("location", f"永丰街道测试路{n}号")
    kwargs.setdefault("town", "永丰街道")
    kwargs.setdefault("area", Decimal("11875.3"))
    kwargs.setdefault("starting_price", Decimal("1104"))
    kwargs.setdefault("announced_at", now - timezone.timedelta(days=5))
    kwargs.setdefault("registration_closes_at", now + timezone.timedelta(days=10))
    kwargs.setdefault("bidding_opens_at", now + timezone.timedelta(days=2))
    kwargs.setdefault("bidding_closes_at", now + timezone.timedelta(days=12))
    kwargs.setdefault("published_at", now - timezone.timedelta(days=5))
    return LandParcel.objects.create(**kwargs)


def make_category(**kwargs):
    n = seq()
    kwargs.setdefault("name", f"栏目{n}")
    kwargs.setdefault("slug", f"cat-{n}")
    return Category.objects.create(**kwargs)


def make_article(**kwargs):
    n = seq()
    kwargs.setdefault("title", f"测试文章{n}")
    if "category" not in kwargs:
        kwargs["category"] = make_category()
    kwargs.setdefault("summary", "摘要")
    kwargs.setdefault("body", "<p>正文</p>")
    kwargs.setdefault("status", Article.Status.PUBLISHED)
    kwargs.setdefault("published_at", timezone.now() - timezone.timedelta(hours=1))
    tags = kwargs.pop("tags", None)
    article = Article.objects.create(**kwargs)
    if tags:
        article.tags.add(*tags)
    return article


# ---- pictures -----------------------------------------------------------------------


def jpeg_bytes(size=(800, 600), exif_gps=False):
    image = Image.new("RGB", size, (120, 140, 160))
    out = io.BytesIO()
    kwargs = {}
    if exif_gps:
        exif = Image.Exif()
        exif[0x010F] = "PhoneMaker"  # Make
        exif[0x8825] = {1: "N", 2: (31.0, 4.0, 0.0), 3: "E", 4: (121.0, 14.0, 0.0)}
        kwargs["exif"] = exif
    image.save(out, "JPEG", **kwargs)
    return out.getvalue()


def png_bytes(size=(40, 30)):
    out = io.BytesIO()
    Image.new("RGBA", size, (0, 0, 0, 0)).save(out, "PNG")
    return out.getvalue()
