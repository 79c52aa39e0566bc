"""Issue 16, items 1 and 7: editors write both languages side by side in the admin, find
what still lacks English with the "缺少英文" filter, and managers see the count."""

import re

from django.urls import reverse

from articles.models import Category
from tests import factories
from tests.leads.conftest import make_manager


def test_the_listing_form_has_each_text_in_chinese_and_english(client, superuser, listing):
    client.force_login(superuser)
    response = client.get(reverse("admin:listings_listing_change", args=[listing.pk]))
    html = response.content.decode()
    for name in ("title", "address", "payment_terms", "description"):
        assert f'name="{name}_zh_hans"' in html
        assert f'name="{name}_en"' in html
    assert 'name="images-0-caption_en"' in html
    # Nothing from another site: the admin runs under the project's CSP.
    assert "Content-Security-Policy" in response.headers
    assert not re.search(r'<script[^>]+src="(https?:)?//', html)


def test_english_written_in_the_admin_is_saved_beside_the_chinese(client, superuser):
    client.force_login(superuser)
    response = client.post(
        reverse("admin:articles_category_add"),
        {
            "name_zh_hans": "政策解读",
            "name_en": "Policy explained",
            "slug": "policy",
            "description_zh_hans": "",
            "description_en": "",
            "position": 10,
        },
    )
    assert response.status_code == 302
    category = Category.objects.get(slug="policy")
    assert (category.name_zh_hans, category.name_en) == ("政策解读", "Policy explained")
    assert category.name == "政策解读"


def test_the_missing_english_filter_lists_what_lacks_english(client, superuser):
    done = factories.make_listing(title="新桥厂房", title_en="Xinqiao factory")
    done.description_en = ""
    done.save()
    missing = factories.make_listing(title="九亭厂房", description="说明")
    client.force_login(superuser)
    url = reverse("admin:listings_listing_changelist")
    shown = client.get(url, {"english": "missing"}).context["cl"].result_list
    assert [row.pk for row in shown] == [missing.pk]
    shown = client.get(url, {"english": "done"}).context["cl"].result_list
    assert [row.pk for row in shown] == [done.pk]
    for name in ("park", "landparcel", "agent"):
        response = client.get(reverse(f"admin:listings_{name}_changelist"), {"english": "missing"})
        assert response.status_code == 200
    for name in ("article", "category"):
        response = client.get(reverse(f"admin:articles_{name}_changelist"), {"english": "missing"})
        assert response.status_code == 200


def test_the_dashboard_counts_public_items_without_english(client, db):
    factories.make_listing(title="新桥厂房", title_en="Xinqiao factory", description="")
    factories.make_listing(title="九亭厂房")
    factories.make_listing(title="草稿", status="draft", published_at=None)
    factories.make_article(title="新闻", body="<p>正文</p>")
    client.force_login(make_manager())
    response = client.get(reverse("admin:leads_inquiry_dashboard"))
    rows = {str(row["label"]): row for row in response.context["untranslated"]}
    assert (rows["房源"]["public"], rows["房源"]["missing"]) == (2, 1)
    assert (rows["文章"]["public"], rows["文章"]["missing"]) == (1, 1)
    assert "?english=missing" in response.content.decode()


def test_tags_are_translated_in_the_admin(client, superuser):
    factories.make_article(tags=["智能制造"])
    client.force_login(superuser)
    response = client.get(reverse("admin:articles_tag_changelist"), {"english": "missing"})
    assert [tag.name for tag in response.context["cl"].result_list] == ["智能制造"]
    tag = response.context["cl"].result_list[0]
    html = client.get(reverse("admin:articles_tag_change", args=[tag.pk])).content.decode()
    assert 'name="name_zh_hans"' in html
    assert 'name="name_en"' in html
