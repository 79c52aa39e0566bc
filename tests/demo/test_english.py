"""The demo content in English (issue 16): hand-written English in demo/data/*.yaml, loaded
by seed_demo, so that the English pages read as English."""

import re
from html.parser import HTMLParser

import pytest
from django.utils import translation

from articles.models import Article, Category, Tag
from core.translations import missing_english_q
from demo.content import load
from listings.models import Agent, LandParcel, Listing, ListingImage, Park
from listings.places import place_name

pytestmark = pytest.mark.django_db

HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ffff]")
# Full-width and CJK punctuation (，。、；：！？（）【】《》「」 …) and Chinese curly quotes.
FULL_WIDTH = re.compile(r"[\u3000-\u303f\uff00-\uffef\u201c\u201d\u2018\u2019]")
MAX_HAN_SHARE = 0.02


class VisibleText(HTMLParser):
    """The text of an HTML page a visitor sees: the body without scripts, styles,
    templates and hidden elements."""

    VOID = {
        "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr",
    }  # fmt: skip
    UNSEEN = {"head", "script", "style", "template", "noscript", "svg"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack = []  # (tag, hidden?) of the open elements
        self.parts = []

    def handle_starttag(self, tag, attrs):
        if tag in self.VOID:
            return
        attrs = dict(attrs)
        style = (attrs.get("style") or "").replace(" ", "")
        hidden = (
            tag in self.UNSEEN
            or "hidden" in attrs
            or attrs.get("aria-hidden") == "true"
            or "display:none" in style
        )
        self.stack.append((tag, hidden))

    def handle_endtag(self, tag):
        for depth in range(len(self.stack) - 1, -1, -1):
            if self.stack[depth][0] == tag:
                del self.stack[depth:]
                return

    def handle_data(self, data):
        if not any(hidden for _, hidden in self.stack):
            self.parts.append(data)

    @classmethod
    def of(cls, html):
        parser = cls()
        parser.feed(html)
        parser.close()
        return " ".join(" ".join(parser.parts).split())


def han_share(text):
    """Han characters as a share of all letters (Han and Latin alike)."""
    letters = sum(1 for char in text if char.isalpha())
    return len(HAN.findall(text)) / letters if letters else 0.0


def english_walk(value, where, english=False):
    """(where, text) of every English string in a data file's content."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from english_walk(item, f"{where}.{key}", english or key in ("en", "tags_en"))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from english_walk(item, f"{where}[{index}]", english)
    elif isinstance(value, str) and english:
        yield where, value


# ---- the data files -------------------------------------------------------------------------


def test_every_park_agent_category_and_article_has_english_in_the_data_files():
    parks = load("parks")["parks"]
    assert all(
        {"name", "summary", "introduction", "leading_industries", "address"} <= set(row["en"])
        for row in parks
    )
    assert all({"name", "title"} <= set(row["en"]) for row in load("agents")["agents"])
    categories = load("categories")["categories"]
    assert all({"name", "description"} <= set(row["en"]) for row in categories)
    articles = load("articles")
    rows = articles["published"] + articles["not_published"]
    assert len(rows) >= 10
    for row in rows:
        assert row["en"]["title"] and row["en"]["body"], row["title"]
        # Paragraph for paragraph, subheadings in the same places.
        assert [text.startswith("## ") for text in row["en"]["body"]] == [
            text.startswith("## ") for text in row["body"]
        ], row["title"]
    assert {tag for row in rows for tag in row["tags"]} <= set(articles["tags_en"])


def test_every_word_the_listings_and_parcels_are_made_of_has_english():
    listings, land, places = load("listings"), load("land"), load("places")
    en = listings["en"]
    assert {w for words in listings["suited_for"].values() for w in words} <= set(en["suited_for"])
    assert set(listings["kind_words"]) <= set(en["kind_words"])
    assert set(listings["payment_terms"]) <= set(en["payment_terms"])
    assert set(listings["picture_captions"]) <= set(en["picture_captions"])
    assert {town["name"] for town in places["towns"]} <= set(places["en"]["towns"])
    assert set(places["roads"]) <= set(places["en"]["roads"])
    assert set(places["expressways"]) <= set(places["en"]["expressways"])
    assert set(land["south_boundaries"]) <= set(land["en"]["south_boundaries"])
    assert set(land["north_boundaries"]) <= set(land["en"]["north_boundaries"])
    assert en["payment_terms"]["押三付三"] == "3 months' deposit, 3 months' rent in advance"


@pytest.mark.parametrize(
    "name", ["agents", "articles", "categories", "land", "listings", "parks", "places"]
)
def test_the_english_has_no_chinese_characters_or_full_width_punctuation(name):
    texts = list(english_walk(load(name), name))
    assert texts
    assert [(where, text) for where, text in texts if HAN.search(text)] == []
    assert [(where, text) for where, text in texts if FULL_WIDTH.search(text)] == []


# ---- seeded -----------------------------------------------------------------------------------


def _english_pages():
    listing = Listing.objects.published().order_by("code").first()
    article = Article.objects.published().order_by("-published_at").first()
    # A parcel with a land-office announcement number (kept Chinese, marked zh-Hans) and
    # the park with the most listings and parcels on its page.
    parcel = LandParcel.objects.published().exclude(announcement_no="").order_by("code").first()
    park = Park.objects.published().order_by("slug").get(slug="songjiang-etdz")
    with translation.override("en"):
        return {
            "home": "/en/",
            "listings": "/en/listings/",
            "parks": "/en/parks/",
            "listing": listing.get_absolute_url(),
            "article": article.get_absolute_url(),
            "news": "/en/news/",
            "parcel": parcel.get_absolute_url(),
            "park": park.get_absolute_url(),
        }


def _measure(client):
    shares = {}
    for name, url in _english_pages().items():
        assert url.startswith("/en/"), url
        response = client.get(url)
        assert response.status_code == 200, url
        shares[name] = round(han_share(VisibleText.of(response.content.decode())), 4)
    return shares


@pytest.mark.usefixtures("demo_site")
class TestSeededInEnglish:
    def test_every_park_parcel_listing_and_article_has_its_english(self):
        assert not Park.objects.filter(name_en__isnull=True).exists()
        assert not Park.objects.filter(introduction_en="").exists()
        assert not LandParcel.objects.filter(title_en="").exists()
        assert not LandParcel.objects.filter(location_en="").exists()
        assert not Listing.objects.filter(title_en="").exists()
        assert not Listing.objects.filter(description_en="").exists()
        assert not Listing.objects.filter(address_en="").exists()
        assert not Listing.objects.exclude(payment_terms="").filter(payment_terms_en="").exists()
        assert not ListingImage.objects.filter(caption_en="").exists()
        assert not Article.objects.filter(title_en="").exists()
        assert not Article.objects.filter(body_en="").exists()
        assert not Agent.objects.filter(name_en="").exists()
        assert not Category.objects.filter(name_en__isnull=True).exists()
        assert Tag.objects.get(name_zh_hans="标准地").name_en == "standard land"
        assert not Tag.objects.filter(name_en__isnull=True).exists()
        parcel = LandParcel.objects.get(code="YF-19-001")
        assert parcel.title_en.endswith(", Yongfeng Sub-district")
        assert parcel.boundary_east_en.startswith("Planned Road No. ")
        park = Park.objects.get(slug="songjiang-etdz")
        assert park.name_en == "Songjiang Economic and Technological Development Zone"
        terms = set(Listing.objects.values_list("payment_terms_en", flat=True))
        assert "3 months' deposit, 3 months' rent in advance" in terms

    def test_no_demo_row_is_missing_its_english(self):
        # The rule of the admin's "缺少英文" filter and the dashboard's count.
        for model in (Agent, Park, Listing, LandParcel, Article, Category, Tag):
            if model.english_fields:
                missing = model.objects.filter(missing_english_q(model.english_fields))
                assert list(missing.values_list("pk", flat=True)) == [], model.__name__
        assert Listing.objects.count() >= 120 and Article.objects.count() >= 30

    def test_english_pages_show_at_most_2_percent_han_characters(self, client):
        shares = _measure(client)
        print("Han share of the visible letters:", shares)
        assert {name: share for name, share in shares.items() if share > MAX_HAN_SHARE} == {}

    def test_english_pages_name_towns_and_districts_in_english(self, client):
        english = VisibleText.of(client.get("/en/parks/").content.decode())
        with translation.override("en"):
            district, town = place_name("松江区"), place_name("永丰街道")
        assert town.startswith("Yongfeng ")
        assert f"{district} {town}" in english
        assert "G60 Sci-Tech Cloud Corridor, Songjiang District, Shanghai" in english  # footer
        assert "松江区 永丰街道" in VisibleText.of(client.get("/parks/").content.decode())
        filters = client.get("/en/listings/").content.decode()
        assert '<option value="新桥镇">Xinqiao Town</option>' in filters  # the filter form
        listing = Listing.objects.published().filter(park__isnull=False).first()
        with translation.override("en"):
            page = client.get(listing.get_absolute_url()).content.decode()
        message = page.split('id="id_message">')[1].split("</textarea>")[0]
        assert message.strip().startswith(f"I am interested in this space: {listing.title_en} (")
        assert not HAN.search(message) and not FULL_WIDTH.search(message), message

    def test_without_the_english_content_the_same_pages_are_mostly_chinese(self, client):
        # What the measurement above catches: the Chinese originals on English pages.
        for model, fields in (
            (Listing, ["title", "address", "description", "payment_terms", "expressway_name"]),
            (Park, ["leading_industries", "summary", "introduction", "address"]),
            (Article, ["title", "summary", "body"]),
            (ListingImage, ["caption"]),
            (LandParcel, ["title", "location", "boundary_east", "boundary_south"]),
            (LandParcel, ["boundary_west", "boundary_north", "winner", "notes"]),
        ):
            model.objects.update(**{f"{field}_en": "" for field in fields})
        Park.objects.update(name_en=None)
        Category.objects.update(name_en=None, description_en="")
        Tag.objects.update(name_en=None)
        shares = _measure(client)
        print("Without the English content:", shares)
        assert all(share > MAX_HAN_SHARE for share in shares.values()), shares
