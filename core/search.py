"""Chinese full-text search on PostgreSQL: segmentation, index vectors, queries, snippets.

PostgreSQL's parsers don't split Chinese into words, so the text is segmented here with
jieba and handed to PostgreSQL as ready-made lexemes: the index is a ``tsvector`` literal
(positions and weights included) and the query a ``tsquery`` literal, both under the
``simple`` configuration's rule of "the lexeme is the word". Building both literals
ourselves, with every lexeme quoted, means nothing a visitor types is ever parsed as
tsquery syntax, and codes such as YF-19-001 stay one lexeme instead of three.

A leaf module: it imports no app and knows no model. A searchable model mixes in
``Indexed`` and says itself which of its texts go into which weight.
"""

import logging
import re
import threading
import time
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path

import jieba
from django.contrib.postgres.search import SearchQueryField, SearchVector
from django.db import connections
from django.db.models import BooleanField, Expression, F, Func, Q
from django.utils import translation
from django.utils.html import escape
from django.utils.safestring import mark_safe

logger = logging.getLogger(__name__)
# jieba sets its own logger to DEBUG on import; the start-up chatter is not for our logs.
jieba.setLogLevel(logging.WARNING)

USER_DICT = Path(__file__).with_name("search_dict.txt")
# A query is a few words; anything longer is cut here (a visitor pasting a page of text
# gets results for its beginning, not a slow query).
MAX_QUERY_CHARS = 100
MAX_QUERY_TERMS = 10
MAX_TOKEN_CHARS = 64
MAX_FIELD_CHARS = 30_000
# PostgreSQL keeps positions up to 16383 and at most 256 positions per lexeme.
MAX_POSITION = 16_383
MAX_POSITIONS_PER_LEXEME = 256
# ts_rank's weight array is ordered {D, C, B, A}.
RANK_WEIGHTS = [0.05, 0.2, 0.4, 1.0]
# Recency: score × (1 + RECENCY_BOOST × H / (H + age in days)); half the boost at H days.
RECENCY_BOOST = 0.5
RECENCY_HALF_LIFE_DAYS = 30.0
# Words too common to help; dropped from documents and queries alike.
STOP_WORDS = frozenset("的了和与及或在是之等为对其将把被也都就而并于")
SQM_PER_MU = Decimal("666.67")

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Codes of listings and parcels: letters/digits joined by hyphens (YF-19-001, XQ-F-0012).
# The boundaries are ASCII-only so that a code glued to Chinese text is still found.
_CODE = re.compile(r"(?<![a-z0-9-])[a-z0-9]+(?:-[a-z0-9]+)+(?![a-z0-9-])")
_WORD = re.compile(r"[^\W_]+(?:\.[0-9]+)?")
_HAN = re.compile(r"[\u3400-\u9fff]")
_ASCII_ALNUM = re.compile(r"[a-z0-9]")
_NUMBER = r"(\d{1,9}(?:\.\d{1,4})?)\s*(万)?"
_AREA = re.compile(
    rf"{_NUMBER}\s*(?:(?:-|~|至|到)\s*{_NUMBER}\s*)?(平方米|平米|平方|平(?![台面均衡安行整])|m2|亩)"
)
MAX_AREA = Decimal("99999999")

_tokenizer = None
_tokenizer_lock = threading.Lock()
startup_seconds = None


def tokenizer():
    """The process's jieba tokenizer with our user dictionary, loaded on first use.

    Loading takes about a second (the cached prefix dictionary), so it happens once per
    process; the lock keeps two threads of one worker from loading it twice."""
    global _tokenizer, startup_seconds
    if _tokenizer is None:
        with _tokenizer_lock:
            if _tokenizer is None:
                started = time.perf_counter()
                tk = jieba.Tokenizer()
                tk.initialize()
                for word, freq in _user_words():
                    tk.add_word(word, freq)
                startup_seconds = time.perf_counter() - started
                logger.debug("jieba loaded in %.2f s", startup_seconds)
                _tokenizer = tk
    return _tokenizer


def warm_up():
    """Load the tokenizer now (e.g. when a web worker starts); returns the seconds taken."""
    started = time.perf_counter()
    tokenizer()
    return time.perf_counter() - started


def _user_words():
    # Lower-cased, like the text it is matched against: "G60科创走廊" is typed both ways.
    for line in USER_DICT.read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if not parts or parts[0].startswith("#"):
            continue
        freq = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None
        yield normalize(parts[0]), freq


def normalize(text):
    """NFKC (full-width letters and digits to ASCII, ㎡ to m2), no control characters,
    lower case."""
    text = unicodedata.normalize("NFKC", str(text or ""))
    return _CONTROL.sub(" ", text).lower()


def display_text(raw):
    """What the visitor typed, fit to show back in the search box: no control
    characters, whitespace collapsed, cut to the length that is searched."""
    text = _CONTROL.sub(" ", str(raw or ""))
    return re.sub(r"\s+", " ", text).strip()[:MAX_QUERY_CHARS]


def _segments(text):
    """(is_code, piece) parts of normalized text."""
    pos = 0
    for match in _CODE.finditer(text):
        if match.start() > pos:
            yield False, text[pos : match.start()]
        yield True, match.group()
        pos = match.end()
    if pos < len(text):
        yield False, text[pos:]


def _code_lexemes(code):
    """YF-19-001 → yf, yf-19, yf-19-001: a code matches exactly, its leading parts find
    the whole series."""
    parts = code.split("-")
    return ["-".join(parts[: i + 1]) for i in range(len(parts))][::-1]


def _subwords(word, freq):
    """Dictionary words inside a longer word: the search-mode expansion, for every length
    (jieba's own search mode stops at three characters, which would miss 科创走廊 in
    G60科创走廊)."""
    if len(word) <= 2 or len(word) > 16 or not _HAN.search(word):
        return []
    found = []
    for size in range(len(word) - 1, 1, -1):
        for start in range(len(word) - size + 1):
            part = word[start : start + size]
            if freq.get(part) and part not in found:
                found.append(part)
    return found


def _words(text, search_mode):
    """The lexemes of normalized text, one list per position."""
    tk = tokenizer()
    for is_code, piece in _segments(text):
        if is_code:
            yield _code_lexemes(piece) if search_mode else [piece]
            continue
        # HMM off: unknown words split into single characters the same way in documents
        # and queries, whatever surrounds them.
        for token in tk.cut(piece, HMM=False):
            for word in _WORD.findall(token):
                if len(word) > MAX_TOKEN_CHARS or word in STOP_WORDS:
                    continue
                yield [word, *_subwords(word, tk.FREQ)] if search_mode else [word]


def segment(text, search_mode=False):
    """Flat list of lexemes of ``text`` (for tests and debugging)."""
    return [lexeme for lexemes in _words(normalize(text), search_mode) for lexeme in lexemes]


def _quote(lexeme):
    return "'" + lexeme.replace("\\", "\\\\").replace("'", "''") + "'"


# ---- Index ---------------------------------------------------------------------------


@lru_cache(maxsize=20_000)
def _short_field_lexemes(text):
    return tuple(tuple(lexemes) for lexemes in _words(normalize(text), search_mode=True))


def _field_lexemes(text):
    # Towns, parks, labels and many titles repeat from row to row: segment them once.
    if len(text) <= 80:
        return _short_field_lexemes(text)
    return _words(normalize(text), search_mode=True)


def build_vector(document):
    """A tsvector literal from {"A": [texts], "B": [...], "C": [...], "D": [...]}."""
    positions = {}
    pos = 0
    for weight in "ABCD":
        for text in document.get(weight) or ():
            if not text:
                continue
            for lexemes in _field_lexemes(str(text)[:MAX_FIELD_CHARS]):
                pos = min(pos + 1, MAX_POSITION)
                for lexeme in lexemes:
                    entries = positions.setdefault(lexeme, [])
                    if len(entries) < MAX_POSITIONS_PER_LEXEME:
                        entries.append(f"{pos}{weight}")
            # A gap so that the end of one field and the start of the next aren't adjacent.
            pos = min(pos + 1, MAX_POSITION)
    return " ".join(f"{_quote(lex)}:{','.join(dict.fromkeys(e))}" for lex, e in positions.items())


def labels(*values):
    """The non-empty values as strings: a helper for models' ``search_document()``."""
    return [str(v) for v in values if v]


class Indexed:
    """What a searchable model declares (mix into the model class).

    ``search_document()`` returns ``{"A": [texts], "B": [...], "C": [...], "D": [...]}``,
    heaviest weight first; ``search_related`` names the relations it reads (loaded with
    ``select_related`` when re-indexing in bulk); ``search_area_fields`` is
    ``(area field, smallest divisible part field or None)`` for models where an area in
    the query ("1000平") narrows the results. The model keeps a ``search_vector`` field."""

    search_related = ()
    search_area_fields = None

    def search_document(self):
        raise NotImplementedError


def vector_for(instance):
    # Choice labels and badges in Chinese whatever the request's language.
    with translation.override("zh-hans"):
        return build_vector(instance.search_document())


def set_search_vector(instance, save_kwargs):
    """Call from ``save()`` before saving: fills ``search_vector`` from the instance's
    text, and adds it to ``update_fields`` when the caller saves only some fields."""
    instance.search_vector = vector_for(instance)
    update_fields = save_kwargs.get("update_fields")
    if update_fields is not None and "search_vector" not in update_fields:
        save_kwargs["update_fields"] = [*update_fields, "search_vector"]


def update_search_vectors(queryset, batch_size=500, progress=None):
    """Rebuild the vectors of every row of ``queryset`` in batches; returns the count.

    For rows written without ``save()`` (bulk_create, queryset.update, imports), and by
    ``manage.py rebuild_search_index``. ``progress(done)`` is called after each batch."""
    model = queryset.model
    rows = queryset.order_by("pk").defer("search_vector")
    if model.search_related:
        rows = rows.select_related(*model.search_related)
    done, last_pk = 0, None
    with translation.override("zh-hans"):
        while True:
            batch_qs = rows if last_pk is None else rows.filter(pk__gt=last_pk)
            batch = list(batch_qs[:batch_size])
            if not batch:
                break
            _write_vectors(
                model, queryset.db, [(o.pk, build_vector(o.search_document())) for o in batch]
            )
            done += len(batch)
            last_pk = batch[-1].pk
            if progress:
                progress(done)
    update_english_vectors(queryset)
    return done


def _write_vectors(model, using, rows):
    """One UPDATE for a batch: bulk_update's CASE expression costs more to build in
    Python than the whole segmentation."""
    connection = connections[using]
    table = connection.ops.quote_name(model._meta.db_table)
    pk = connection.ops.quote_name(model._meta.pk.column)
    values = ", ".join(["(%s, %s::tsvector)"] * len(rows))
    params = [value for row in rows for value in row]
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET search_vector = v.vector FROM (VALUES {values}) "  # noqa: S608
            f"AS v(id, vector) WHERE {table}.{pk} = v.id",
            params,
        )


def update_dependent_search_vectors(obj, *related_names):
    """After ``obj`` (a park, a news category) is saved: the rows behind ``related_names``
    carry its name in their vectors; re-index those that don't match the current name
    (i.e. after a rename)."""
    query = parse_query(obj.name, prefix_last=False)
    if not query.terms:
        return 0
    count = 0
    for related in related_names:
        stale = getattr(obj, related).filter(
            Q(search_vector__isnull=True) | ~Q(Matches(F("search_vector"), TsQuery(query.tsquery)))
        )
        count += update_search_vectors(stale)
    return count


# ---- Query ---------------------------------------------------------------------------


class TsQuery(Expression):
    """A tsquery built by ``ParsedQuery.tsquery``: sent as a parameter and cast, never
    parsed by to_tsquery."""

    output_field = SearchQueryField()

    def __init__(self, literal):
        super().__init__()
        self.literal = literal

    def as_sql(self, compiler, connection):
        return "%s::tsquery", [self.literal]


class Matches(Func):
    """vector @@ query"""

    template = "%(expressions)s"
    arg_joiner = " @@ "
    output_field = BooleanField()


@dataclass(frozen=True)
class AreaHint:
    """An area typed in the query ("1000平", "2-3万平米", "20亩"), in ㎡."""

    low: Decimal
    high: Decimal
    point: Decimal | None = None

    def q(self, area_field, divisible_field=None):
        condition = Q(**{f"{area_field}__gte": self.low, f"{area_field}__lte": self.high})
        if divisible_field:
            # A divisible space whose smallest part is small enough and whole big enough.
            wanted_low = self.point if self.point is not None else self.low
            wanted_high = self.point if self.point is not None else self.high
            condition |= Q(
                **{
                    f"{divisible_field}__isnull": False,
                    f"{divisible_field}__lte": wanted_high,
                    f"{area_field}__gte": wanted_low,
                }
            )
        return condition


@dataclass(frozen=True)
class ParsedQuery:
    text: str = ""
    terms: tuple = ()
    prefix: tuple = ()
    alternatives: tuple = ()
    area: AreaHint | None = None
    truncated: bool = False
    highlight_terms: tuple = field(default=(), repr=False)
    tsquery_sql = "%s::tsquery"
    vector_column = "search_vector"

    def __bool__(self):
        return bool(self.terms or self.area)

    @property
    def tsquery(self):
        """All terms must match; prefix terms as ``term:*``; a compound term also
        matches as its parts."""
        operands = []
        for i, term in enumerate(self.terms):
            operand = _quote(term) + (":*" if self.prefix[i] else "")
            parts = self.alternatives[i] if self.alternatives else ()
            if parts:
                operand = f"({operand} | {' & '.join(_quote(p) for p in parts)})"
            operands.append(operand)
        return " & ".join(operands)


def _area_number(number, wan):
    value = Decimal(number)
    return value * 10000 if wan else value


def _parse_area(text):
    match = _AREA.search(text)
    if not match:
        return None, text
    n1, wan1, n2, wan2, unit = match.groups()
    try:
        scale = SQM_PER_MU if unit == "亩" else Decimal(1)
        first = _area_number(n1, wan1 or (wan2 if n2 else None)) * scale
        second = _area_number(n2, wan2) * scale if n2 else None
    except InvalidOperation:
        return None, text
    rest = text[: match.start()] + " " + text[match.end() :]
    if second is not None:
        low, high = sorted((first, second))
        hint = AreaHint(low, min(high, MAX_AREA))
    else:
        hint = AreaHint(first * Decimal("0.8"), min(first * Decimal("1.25"), MAX_AREA), first)
    if hint.low > MAX_AREA or hint.high <= 0:
        return None, rest
    q2 = Decimal("0.01")
    point = hint.point.quantize(q2) if hint.point is not None else None
    return AreaHint(hint.low.quantize(q2), hint.high.quantize(q2), point), rest


def parse_query(raw, prefix_last=True, parse_area=True):
    """Segment what a visitor typed into the terms of a query.

    Every term must match; the last one (and any single character) as a prefix, so that
    a half-typed word still finds (a whole dictionary word needs no prefix: its longer
    forms are indexed with it inside); codes match exactly. Anything not a word (tsquery
    operators, quotes, emoji, NUL) is dropped; an empty query is falsy."""
    text = normalize(raw)
    truncated = len(text) > MAX_QUERY_CHARS
    if truncated:
        # Cut at a space when there is one near the end, not through a word.
        space = text.rfind(" ", 0, MAX_QUERY_CHARS + 1)
        text = text[:space] if space > MAX_QUERY_CHARS // 2 else text[:MAX_QUERY_CHARS]
    area = None
    if parse_area:
        area, text = _parse_area(text)
    terms, codes = [], set()
    for is_code, piece in _segments(text):
        if is_code:
            if piece not in terms and len(piece) <= MAX_TOKEN_CHARS:
                terms.append(piece)
                codes.add(piece)
            continue
        for (word,) in _words(piece, search_mode=False):
            if word not in terms:
                terms.append(word)
    terms = terms[:MAX_QUERY_TERMS]
    freq = tokenizer().FREQ
    prefix = tuple(
        term not in codes
        and not _whole_word(term, freq)
        and ((prefix_last and i == len(terms) - 1) or bool(len(term) == 1 and _HAN.match(term)))
        for i, term in enumerate(terms)
    )
    alternatives = tuple(() if term in codes else _cover(term, freq) for term in terms)
    return ParsedQuery(
        text=text.strip(),
        terms=tuple(terms),
        prefix=prefix,
        alternatives=alternatives,
        area=area,
        truncated=truncated,
        highlight_terms=tuple(dict.fromkeys([*terms, *(a for alt in alternatives for a in alt)])),
    )


def _whole_word(term, freq):
    """A Chinese dictionary word of two or more characters: every indexed word that
    begins with it holds it as a sub-word (see ``_subwords``), so ``term:*`` would find
    nothing that ``term`` doesn't. Matching it exactly also lets PostgreSQL estimate how
    common it is (it can't for a prefix), and so choose a fast plan."""
    return len(term) >= 2 and bool(_HAN.search(term)) and bool(freq.get(term))


def _cover(word, freq):
    """A word mixing Latin letters or digits with Chinese as a run of shorter dictionary
    words (g60科创走廊 → g60, 科创走廊), longest first from the left; () when no such
    run covers it. Lets "G60科创走廊" also find text that writes "G60 科创走廊". Words
    all in Chinese are not split: 科创走廊 must not match 科创 … 走廊 far apart."""
    if not (_HAN.search(word) and _ASCII_ALNUM.search(word)):
        return ()
    subwords = set(_subwords(word, freq))
    if not subwords:
        return ()
    parts, start = [], 0
    while start < len(word):
        for end in range(len(word), start + 1, -1):
            if word[start:end] in subwords:
                parts.append(word[start:end])
                start = end
                break
        else:
            return ()
    return tuple(parts)


def as_query(q):
    return q if isinstance(q, ParsedQuery | EnglishQuery) else parse_query(q)


# ---- English ---------------------------------------------------------------------------
# English pages search the English texts (docs/english.md). PostgreSQL's own 'english'
# configuration stems and drops stop words: each searchable model keeps a column
# ``search_vector_en``, written by PostgreSQL from the fields its ``english_search`` names
# after each save (``update_english_vector``), and the query is made by to_tsquery from
# words of letters and digits only, so nothing a visitor types is parsed as syntax.

ENGLISH_CONFIG = "english"
_ENGLISH_WORD = re.compile(r"[a-z0-9]+")


def english_vector(weighted_fields):
    """The generated ``search_vector_en`` of a model: {"A": [field names], ...}."""
    vectors = [
        SearchVector(*names, weight=weight, config=ENGLISH_CONFIG)
        for weight, names in weighted_fields.items()
    ]
    combined = vectors[0]
    for vector in vectors[1:]:
        combined = combined + vector
    return combined


def update_english_vectors(queryset):
    """Write ``search_vector_en`` of every row of ``queryset`` in one UPDATE."""
    weighted = getattr(queryset.model, "english_search", None)
    if not weighted:
        return 0
    return queryset.update(search_vector_en=english_vector(weighted))


def update_english_vector(instance):
    """After ``instance`` is saved: its English vector, from its row (one UPDATE)."""
    return update_english_vectors(type(instance)._base_manager.filter(pk=instance.pk))


@dataclass(frozen=True)
class EnglishQuery:
    """What an English page's search box asked for: lower-case words, the last one
    matched as a prefix (so "fact" finds factories while typing)."""

    text: str = ""
    terms: tuple = ()
    truncated: bool = False
    area = None
    tsquery_sql = "to_tsquery('english', %s)"
    vector_column = "search_vector_en"

    def __bool__(self):
        return bool(self.terms)

    @property
    def highlight_terms(self):
        return self.terms

    @property
    def tsquery(self):
        """The words for to_tsquery('english', …): "xinqiao & factory:*"."""
        return " & ".join([*self.terms[:-1], f"{self.terms[-1]}:*"]) if self.terms else ""


def has_han(text):
    return bool(_HAN.search(text))


def parse_english_query(raw):
    text = display_text(raw)
    truncated = len(text) > MAX_QUERY_CHARS
    words = _ENGLISH_WORD.findall(normalize(text[:MAX_QUERY_CHARS]).lower())
    terms = tuple(dict.fromkeys(w[:MAX_TOKEN_CHARS] for w in words))[:MAX_QUERY_TERMS]
    return EnglishQuery(text=text, terms=terms, truncated=truncated)


class EnglishTsQuery(Expression):
    output_field = SearchQueryField()

    def __init__(self, words):
        super().__init__()
        self.words = words

    def as_sql(self, compiler, connection):
        return EnglishQuery.tsquery_sql, [self.words]


def filter_queryset(queryset, q):
    """Rows of ``queryset`` matching ``q`` (a string or ParsedQuery); /search/ ranks its
    results itself with ``score_sql``.

    An area in the query narrows models that have an area; a query with nothing
    searchable in it matches nothing."""
    query = as_query(q)
    if not query:
        return queryset.none()
    if isinstance(query, EnglishQuery):
        return queryset.filter(Matches(F("search_vector_en"), EnglishTsQuery(query.tsquery)))
    if query.terms:
        queryset = queryset.filter(Matches(F("search_vector"), TsQuery(query.tsquery)))
    if query.area:
        fields = queryset.model.search_area_fields
        if fields:
            queryset = queryset.filter(query.area.q(*fields))
    return queryset


def score_sql(query, vector_column, date_column=None, boost=1.0):
    """Relevance × recency × the kind's boost, as SQL over plain columns (e.g. of a
    subquery): (sql, params)."""
    if query.terms:
        sql, params = (
            "ts_rank(%s::float4[], " + vector_column + ", " + query.tsquery_sql + ")",
            [
                RANK_WEIGHTS,
                query.tsquery,
            ],
        )
    else:
        sql, params = "0.01", []
    if date_column:
        age_days = f"GREATEST(EXTRACT(EPOCH FROM (NOW() - {date_column})) / 86400.0, 0)"
        sql += f" * (1.0 + %s * %s / (%s + COALESCE({age_days}, 3650)))::float8"
        params += [RECENCY_BOOST, RECENCY_HALF_LIFE_DAYS, RECENCY_HALF_LIFE_DAYS]
    else:
        sql += " * %s"
        params.append(1.0 + RECENCY_BOOST)
    return f"({sql} * %s)::float8", [*params, float(boost)]


# ---- Snippets ------------------------------------------------------------------------


def _term_pattern(query):
    terms = sorted({t for t in query.highlight_terms if t}, key=len, reverse=True)
    if not terms:
        return None
    return re.compile("|".join(re.escape(t) for t in terms), re.IGNORECASE)


def highlight(text, query):
    """``text`` HTML-escaped, with the query's terms in <mark>.

    Matches are found in the plain text and each piece is escaped on its own, so a term
    can never match inside an entity such as &amp; or break the markup."""
    text = str(text or "")
    pattern = _term_pattern(as_query(query))
    if pattern is None:
        return escape(text)
    out, pos = [], 0
    for match in pattern.finditer(text):
        out.append(escape(text[pos : match.start()]))
        out.append(f"<mark>{escape(match.group())}</mark>")
        pos = match.end()
    out.append(escape(text[pos:]))
    return mark_safe("".join(out))  # noqa: S308 - every piece escaped above


def snippet(text, query, width=90):
    """About ``width`` characters of ``text`` around the first matched term, escaped and
    highlighted; the beginning of the text when nothing matches."""
    text = re.sub(r"\s+", " ", str(text or "")).strip()
    query = as_query(query)
    pattern = _term_pattern(query)
    match = pattern.search(text) if pattern else None
    start = 0
    if match and match.start() > width // 3:
        start = match.start() - width // 3
    end = min(len(text), start + width)
    start = max(0, min(start, end - width))
    piece = text[start:end]
    html = highlight(piece, query)
    return mark_safe(("…" if start > 0 else "") + html + ("…" if end < len(text) else ""))  # noqa: S308
