"""core.search: segmentation, query building, vectors, snippets."""

from decimal import Decimal

import pytest
from django.db import connection

from core import search


@pytest.mark.parametrize(
    "word",
    ["可环评", "独栋", "单层", "行车", "科创走廊", "g60科创走廊", "新桥镇", "松江综合保税区"],
)
def test_domain_words_segment_as_one_word(word):
    assert word in search.segment(f"位于{word}的厂房")


def test_search_mode_also_indexes_the_words_inside_a_longer_word():
    lexemes = search.segment("G60科创走廊新桥镇", search_mode=True)
    for word in ["g60科创走廊", "科创走廊", "g60", "新桥镇", "新桥"]:
        assert word in lexemes


def test_the_tokenizer_is_loaded_once_per_process():
    first = search.tokenizer()
    assert search.tokenizer() is first
    assert search.startup_seconds is not None


def test_codes_stay_one_lexeme_and_index_their_leading_parts():
    assert search.segment("宗地编号：YF-19-001", search_mode=True)[-3:] == [
        "yf-19-001",
        "yf-19",
        "yf",
    ]
    # Full-width input is folded to ASCII first.
    assert search.parse_query("ＹＦ－１９－００１").terms == ("yf-19-001",)


def test_a_query_requires_every_term_and_takes_the_last_one_as_a_prefix():
    query = search.parse_query("新桥 独栋厂")
    assert query.terms == ("新桥", "独栋", "厂")
    assert query.tsquery == "'新桥' & '独栋' & '厂':*"


def test_a_code_is_matched_exactly_even_as_the_last_term():
    assert search.parse_query("YF-19-001").tsquery == "'yf-19-001'"


def test_a_mixed_latin_and_chinese_word_also_matches_as_its_parts():
    query = search.parse_query("厂房 G60科创走廊")
    assert query.tsquery == "'厂房' & ('g60科创走廊' | 'g60' & '科创走廊')"


def test_a_half_typed_last_word_is_a_prefix_a_whole_one_is_exact():
    assert search.parse_query("独栋 研").tsquery == "'独栋' & '研':*"
    assert search.parse_query("独栋 vip").tsquery == "'独栋' & 'vip':*"
    # 研发 is a dictionary word: every longer word starting with it (研发楼) is indexed
    # with 研发 inside, so the prefix would add nothing.
    assert search.parse_query("独栋 研发").tsquery == "'独栋' & '研发'"
    assert "研发" in search.segment("研发楼", search_mode=True)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "raw",
    [
        "a & b | !c",
        "foo:* & (bar | !baz)",
        "'quoted' \"double\" \\ backslash",
        "<->",
        "!!!",
        "，。？！、",
        "   ",
        "😀🏭🚚",
        "ab\x00cd",
        "x" * 5000,
        "厂房" * 2500,
    ],
)
def test_no_input_makes_an_invalid_tsquery(raw):
    query = search.parse_query(raw)
    assert len(query.terms) <= search.MAX_QUERY_TERMS
    if query.terms:
        with connection.cursor() as cursor:
            cursor.execute("SELECT %s::tsquery", [query.tsquery])
            assert cursor.fetchone()[0]


def test_syntax_only_queries_are_empty():
    for raw in ["&|!():*", "   ", "😀", "，。", "\x00"]:
        assert not search.parse_query(raw)


def test_long_queries_are_cut():
    query = search.parse_query("厂房 " * 2000)
    assert query.truncated
    assert query.terms == ("厂房",)


@pytest.mark.django_db
def test_vector_literals_survive_quotes_and_backslashes():
    literal = search.build_vector({"A": ["it's a \\ test 厂房"], "C": ["O'Neil"]})
    with connection.cursor() as cursor:
        cursor.execute("SELECT %s::tsvector @@ %s::tsquery", [literal, "'厂房'"])
        assert cursor.fetchone()[0] is True


def test_vectors_carry_weights():
    literal = search.build_vector({"A": ["厂房"], "C": ["仓库"]})
    assert "'厂房':1A" in literal
    assert "'仓库':3C" in literal


@pytest.mark.parametrize(
    ("raw", "low", "high"),
    [
        ("可环评 1000平", "800.00", "1250.00"),
        ("1000㎡ 厂房", "800.00", "1250.00"),
        ("2-3万平米", "20000.00", "30000.00"),
        ("1000 平方米", "800.00", "1250.00"),
    ],
)
def test_an_area_in_the_query_becomes_an_area_range(raw, low, high):
    query = search.parse_query(raw)
    assert query.area.low == Decimal(low)
    assert query.area.high == Decimal(high)
    assert not any(term in ("1000", "平", "m2") for term in query.terms)


def test_mu_are_converted_to_square_metres():
    query = search.parse_query("20亩 工业用地")
    assert query.area.point == Decimal("13333.40")
    assert query.terms == ("工业用地",)


def test_highlight_escapes_first_and_marks_terms():
    html = search.highlight('<script>alert("厂房")</script> & 厂房', "厂房")
    assert "<script>" not in html
    assert html == (
        "&lt;script&gt;alert(&quot;<mark>厂房</mark>&quot;)&lt;/script&gt; &amp; <mark>厂房</mark>"
    )


def test_highlight_never_marks_inside_an_entity():
    assert search.highlight("A&B amp", "amp") == "A&amp;B <mark>amp</mark>"


def test_snippet_shows_the_text_around_the_first_match():
    text = "开头" * 100 + "这里说到G60科创走廊的规划" + "结尾" * 100
    html = search.snippet(text, "科创走廊", width=40)
    assert html.startswith("…")
    assert html.endswith("…")
    assert "<mark>科创走廊</mark>" in html
    assert len(html.replace("<mark>", "").replace("</mark>", "")) <= 42


def test_snippet_without_a_match_shows_the_beginning():
    assert search.snippet("短文本", "仓库") == "短文本"
