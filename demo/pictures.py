"""Pictures drawn for the demo with Pillow (and segno for QR codes): nothing is downloaded."""

import io
import random

import segno
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import Image, ImageDraw, ImageFont

PICTURE_POOL = 24
PICTURE_COLOURS = [(70, 110, 160), (120, 140, 120), (170, 120, 80), (90, 90, 120), (150, 150, 160), (60, 130, 140)]  # fmt: skip


def _draw_building(rng, colour, size=(800, 600)):
    """A simple picture of a building: sky, ground, a block with windows and a door."""
    image = Image.new("RGB", size, (200, 220, 240))
    draw = ImageDraw.Draw(image)
    width, height = size
    draw.rectangle([0, int(height * 0.75), width, height], fill=(120, 125, 115))
    left = rng.randint(40, 160)
    right = width - rng.randint(40, 160)
    top = rng.randint(120, 260)
    draw.rectangle([left, top, right, int(height * 0.78)], fill=colour)
    draw.polygon(
        [(left - 10, top), (right + 10, top), ((left + right) // 2, top - 60)], fill=(80, 80, 90)
    )
    for x in range(left + 30, right - 50, 70):
        for y in range(top + 30, int(height * 0.7) - 40, 70):
            draw.rectangle([x, y, x + 40, y + 35], fill=(225, 235, 245))
    door = (left + right) // 2
    draw.rectangle([door - 50, int(height * 0.6), door + 50, int(height * 0.78)], fill=(60, 60, 70))
    return image


def ensure_pictures():
    """A pool of generated pictures under MEDIA_ROOT/demo/, made once."""
    names = []
    for index in range(PICTURE_POOL):
        name = f"demo/building-{index:02d}.jpg"
        if not default_storage.exists(name):
            rng = random.Random(index)
            image = _draw_building(rng, PICTURE_COLOURS[index % len(PICTURE_COLOURS)])
            out = io.BytesIO()
            image.save(out, "JPEG", quality=80)
            name = default_storage.save(name, ContentFile(out.getvalue()))
        names.append(name)
    return names


def avatar(colour, name):
    image = Image.new("RGB", (240, 240), colour)
    draw = ImageDraw.Draw(image)
    draw.ellipse([70, 40, 170, 140], fill=(245, 225, 205))
    draw.rectangle([50, 150, 190, 240], fill=(40, 60, 90))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return ContentFile(out.getvalue(), name=f"{name}.jpg")


def wechat_qr(wechat_id):
    out = io.BytesIO()
    segno.make(f"https://u.wechat.com/demo-{wechat_id}", error="m").save(out, kind="png", scale=6)
    return ContentFile(out.getvalue(), name=f"{wechat_id}-qr.png")


def article_cover(colour, seed):
    """A 1200×675 picture: a gradient sky in the category's colour and factory roofs."""
    rng = random.Random(seed)
    width, height = 1200, 675
    image = Image.new("RGB", (width, height), colour)
    draw = ImageDraw.Draw(image)
    for y in range(height):
        mix = y / height
        draw.line(
            [(0, y), (width, y)],
            fill=tuple(int(c * (1 - mix) + 245 * mix * 0.6) for c in colour),
        )
    ground = int(height * 0.72)
    x = rng.randint(-80, 40)
    while x < width:
        w = rng.randint(160, 320)
        h = rng.randint(120, 260)
        shade = tuple(max(0, c - rng.randint(30, 70)) for c in colour)
        draw.rectangle([x, ground - h, x + w, ground], fill=shade)
        for tooth in range(x, x + w, 40):  # saw-tooth roof of a factory
            draw.polygon(
                [(tooth, ground - h), (tooth + 40, ground - h - 24), (tooth + 40, ground - h)],
                fill=shade,
            )
        for wx in range(x + 16, x + w - 24, 36):
            draw.rectangle([wx, ground - h + 40, wx + 18, ground - h + 64], fill=(255, 236, 179))
        x += w + rng.randint(10, 40)
    draw.rectangle([0, ground, width, height], fill=(60, 66, 74))
    try:
        font = ImageFont.load_default(size=72)
    except TypeError:  # Pillow without FreeType
        font = ImageFont.load_default()
    draw.text((60, 50), "G60", fill=(255, 255, 255), font=font)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=82, optimize=True)
    return ContentFile(out.getvalue(), name=f"demo-cover-{seed}.jpg")
