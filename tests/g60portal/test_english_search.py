"""Issue 16, item 4: /en/search/ searches the English texts with PostgreSQL's 'english'
configuration (stems, stop words, prefix of the last word); Chinese search is unchanged."""

import re

from django.core.management import call_command

from listings.models import Listing
from tests import factories


def found(client, url, q):
    html = client.get(url, {"q": q}).content.decode()
    return re.findall(
        r'<h2 class="search-result__title"><a href="[^"]*">(.*?)</a></h2>', html, re.S
    )


def plain(titles):
    return [re.sub(r"</?mark>", "", t) for t in titles]


def test_english_search_finds_english_texts_by_their_stems(client, db):
    factories.make_listing(
        title="新桥 单层厂房",
        title_en="Single-storey factory near the G60 expressway",
        description_en="Suits precision machining; EIA approvable.",
    )
    factories.make_park(name="松江出口加工区", name_en="Songjiang Export Processing Zone")
    factories.make_article(title="政策", title_en="New subsidies for smart manufacturing")
    factories.make_listing(title="九亭 仓库")  # no English: not found in English
    assert plain(found(client, "/en/search/", "factories")) == [
        "Single-storey factory near the G60 expressway"
    ]
    assert plain(found(client, "/en/search/", "machining")) == [
        "Single-storey factory near the G60 expressway"
    ]
    assert plain(found(client, "/en/search/", "export zone")) == [
        "Songjiang Export Processing Zone"
    ]
    # The last word is a prefix while typing; stop words are ignored.
    assert plain(found(client, "/en/search/", "the subsid")) == [
        "New subsidies for smart manufacturing"
    ]
    assert found(client, "/en/search/", "warehouse") == []


def test_english_results_are_highlighted(client, db):
    factories.make_listing(title="厂房", title_en="Factory with crane")
    assert found(client, "/en/search/", "crane") == ["Factory with <mark>crane</mark>"]


def test_chinese_search_is_unchanged_and_chinese_words_work_on_english_pages(client, db):
    factories.make_listing(title="新桥 单层厂房", title_en="Single-storey factory")
    assert plain(found(client, "/search/", "新桥")) == ["新桥 单层厂房"]
    # Typed in Chinese on the English page: the Chinese texts are searched.
    assert plain(found(client, "/en/search/", "新桥")) == ["Single-storey factory"]


def test_nothing_typed_breaks_the_english_search(client, db):
    for q in ["&", "!factory", "fact:*", "a | b", "'", "(", "\\", "x" * 500, "the a of"]:
        assert client.get("/en/search/", {"q": q}).status_code == 200


def test_english_search_query_count(client, db, django_assert_max_num_queries):
    for n in range(5):
        factories.make_listing(title=f"厂房{n}", title_en=f"Factory {n}")
    with django_assert_max_num_queries(8):
        response = client.get("/en/search/", {"q": "factory"})
    assert len(response.context["results"]) == 5


def test_rebuild_search_index_writes_the_english_vectors(client, db):
    listing = factories.make_listing(title="冷库", title_en="Cold store")
    # A bulk write that bypasses save(), as an import may do.
    Listing.objects.filter(pk=listing.pk).update(title_en="Bonded warehouse", search_vector_en=None)
    assert found(client, "/en/search/", "bonded") == []
    call_command("rebuild_search_index", verbosity=0)
    assert plain(found(client, "/en/search/", "bonded")) == ["Bonded warehouse"]
