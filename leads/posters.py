"""Share posters: a 1080×1920 PNG of a listing, parcel, park or article for the agent
who asks for it, with their name, phone and a QR code of their share link.

Chinese text needs a CJK font: Debian's fonts-noto-cjk by default, POSTER_FONT to point
at another file. A poster is cached until the object or the agent's details change."""

import hashlib
import io
from functools import cache

import segno
from django.conf import settings
from django.core.cache import cache as default_cache
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import get_language, gettext
from PIL import Image, ImageDraw, ImageFont, ImageOps

from articles.models import Article
from core.numbers import wan_text
from leads.models import ShareMade
from leads.sharing import record_share, share_url
from leads.workbench import workbench_view
from listings.models import LandParcel, Listing, Park
from listings.permissions import agent_for

WIDTH, HEIGHT = 1080, 1920
COVER_HEIGHT = 810
MARGIN = 72
BRAND = (11, 92, 173)
INK = (33, 37, 41)
MUTED = (91, 103, 118)
CACHE_SECONDS = 7 * 86400
CACHE_VERSION = 1


@cache
def font(size):
    path = settings.POSTER_FONT
    try:
        return ImageFont.truetype(path, size)
    except OSError as exc:
        raise ImproperlyConfigured(
            f"Poster font {path!r} cannot be read ({exc}). Install Debian's fonts-noto-cjk "
            "(apt-get install fonts-noto-cjk) or set POSTER_FONT to a CJK font file."
        ) from exc


def wrap(text, face, width, max_lines):
    """Lines of text no wider than width; Chinese breaks anywhere, so break by character."""
    lines, line = [], ""
    for char in text.replace("\n", " "):
        if face.getlength(line + char) > width and line:
            lines.append(line)
            line = char.lstrip()
            if len(lines) == max_lines:
                break
        else:
            line += char
    else:
        if line:
            lines.append(line)
        return lines
    lines[-1] = lines[-1][:-1] + "…"
    return lines


def qr_image(data, size):
    qr = segno.make(data, error="m", micro=False)
    rows = list(qr.matrix_iter(scale=1, border=2))
    pixels = bytes(0 if dark else 255 for row in rows for dark in row)
    img = Image.frombytes("L", (len(rows[0]), len(rows)), pixels)
    return img.resize((size, size), Image.Resampling.NEAREST)


def cover_image(field):
    """The cover picture fitted to the top of the poster, or None."""
    if not field:
        return None
    try:
        with field.open("rb") as handle, Image.open(handle) as img:
            img.draft("RGB", (WIDTH, COVER_HEIGHT))  # JPEG: decode at a smaller scale
            img = ImageOps.exif_transpose(img).convert("RGB")
            # Crop to the poster's proportions and scale in one step.
            scale = max(WIDTH / img.width, COVER_HEIGHT / img.height)
            crop_w, crop_h = WIDTH / scale, COVER_HEIGHT / scale
            left, top = (img.width - crop_w) / 2, (img.height - crop_h) / 2
            return img.resize(
                (WIDTH, COVER_HEIGHT),
                Image.Resampling.BILINEAR,
                box=(left, top, left + crop_w, top + crop_h),
                reducing_gap=2.0,
            )
    except (OSError, ValueError):
        return None  # a missing or broken file: the poster goes on without it


def render_poster(*, title, facts, price, cover, agent_name, agent_phone, link, site_name):
    """The PNG bytes of one poster."""
    poster = Image.new("RGB", (WIDTH, HEIGHT), "white")
    draw = ImageDraw.Draw(poster)
    picture = cover_image(cover)
    if picture is not None:
        poster.paste(picture, (0, 0))
    else:
        draw.rectangle((0, 0, WIDTH, COVER_HEIGHT), fill=BRAND)
        draw.text((MARGIN, COVER_HEIGHT // 2 - 40), site_name, font=font(64), fill="white")
    y = COVER_HEIGHT + 56
    for line in wrap(title, font(64), WIDTH - 2 * MARGIN, 2):
        draw.text((MARGIN, y), line, font=font(64), fill=INK)
        y += 86
    if price:
        y += 10
        draw.text((MARGIN, y), price, font=font(72), fill=(201, 42, 42))
        y += 100
    y += 10
    for fact in facts[:5]:
        for line in wrap(fact, font(40), WIDTH - 2 * MARGIN, 2):
            draw.text((MARGIN, y), line, font=font(40), fill=MUTED)
            y += 58
    # The agent's band at the bottom: name and phone on the left, the QR code right.
    band_top = HEIGHT - 420
    draw.rectangle((0, band_top, WIDTH, HEIGHT), fill=(241, 245, 250))
    qr_size = 320
    poster.paste(qr_image(link, qr_size), (WIDTH - MARGIN - qr_size, band_top + 50))
    draw.text((MARGIN, band_top + 60), gettext("招商顾问"), font=font(36), fill=MUTED)
    draw.text((MARGIN, band_top + 112), agent_name, font=font(64), fill=INK)
    draw.text((MARGIN, band_top + 200), agent_phone, font=font(56), fill=BRAND)
    draw.text((MARGIN, band_top + 300), gettext("扫码查看详情"), font=font(36), fill=MUTED)
    draw.text((MARGIN, band_top + 350), site_name, font=font(30), fill=MUTED)
    out = io.BytesIO()
    # Level 1: most of the time goes to compressing the photo; higher levels save little.
    poster.save(out, "PNG", compress_level=1)
    return out.getvalue()


# ---- what each kind of page puts on its poster -------------------------------------


def listing_content(listing):
    cover = listing.cover
    facts = [
        f"{listing.get_kind_display()} · {listing.get_deal_display()} · {listing.building_area:g}㎡",
        listing.place_name,
        " · ".join(str(badge) for badge in listing.badges),
    ]
    return listing.title, facts, listing.price_text, cover.image if cover else None


def parcel_content(parcel):
    facts = [
        f"{parcel.get_land_use_display()} · {parcel.area:g}㎡ ({parcel.area_mu:g}亩)",
        f"{parcel.town} · {parcel.get_method_display()}",
        parcel.location,
    ]
    price = gettext("起始价 %(price)s 万元") % {"price": wan_text(f"{parcel.starting_price:g}")}
    return f"{parcel.code} {parcel.location}", facts, price, None


def park_content(park):
    cover = park.cover
    if not cover:
        first = park.images.first()
        cover = first.image if first else None
    facts = [" · ".join(p for p in (park.district, park.town) if p), park.leading_industries]
    return park.name, facts, "", cover


def article_content(article):
    published = timezone.localtime(article.published_at) if article.published_at else None
    facts = [
        " · ".join(
            p for p in (article.category.name, f"{published:%Y-%m-%d}" if published else "") if p
        ),
        article.summary,
    ]
    return article.title, facts, "", article.cover


def poster_response(request, obj, content):
    agent = agent_for(request.user)
    if agent is None:
        raise PermissionDenied  # a poster carries an agent's name and link
    share = record_share(agent, obj, form=ShareMade.Form.POSTER)
    link = share_url(request, share)
    stamp = "|".join(
        str(part)
        for part in (
            CACHE_VERSION,
            type(obj).__name__,
            obj.pk,
            obj.updated_at.isoformat(),
            agent.pk,
            agent.name,
            agent.mobile,
            link,
            get_language(),
            settings.POSTER_FONT,
        )
    )
    key = f"poster:{hashlib.sha256(stamp.encode()).hexdigest()}"
    png = default_cache.get(key)
    if png is None:
        title, facts, price, cover = content(obj)
        png = render_poster(
            title=title,
            facts=[fact for fact in facts if fact],
            price=price,
            cover=cover,
            agent_name=agent.name,
            agent_phone=agent.mobile,
            link=link,
            site_name=settings.SITE_NAME if get_language() == "zh-hans" else settings.SITE_NAME_EN,
        )
        default_cache.set(key, png, CACHE_SECONDS)
    response = HttpResponse(png, content_type="image/png")
    response["Content-Disposition"] = (
        f'inline; filename="poster-{type(obj).__name__.lower()}-{obj.pk}.png"'
    )
    return response


@workbench_view
def listing_poster(request, pk):
    listing = get_object_or_404(
        Listing.objects.published().select_related("park").prefetch_related("images"), pk=pk
    )
    return poster_response(request, listing, listing_content)


@workbench_view
def parcel_poster(request, pk):
    parcel = get_object_or_404(LandParcel.objects.published(), pk=pk)
    return poster_response(request, parcel, parcel_content)


@workbench_view
def park_poster(request, slug):
    park = get_object_or_404(Park.objects.published(), slug=slug)
    return poster_response(request, park, park_content)


@workbench_view
def article_poster(request, pk):
    article = get_object_or_404(Article.objects.published().select_related("category"), pk=pk)
    return poster_response(request, article, article_content)
