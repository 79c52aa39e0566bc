"""Every project template is laid out one structure per line, with short lines and no
boolean chains: conditions that decide the page's shape are computed in the view or form.

"One tag per line" applies to the tags that give a template its structure (if, for, with,
block, include, cache and their else/empty/end tags): a line holds at most one of them. A
structure that opens and closes on the same line counts as one, whatever it holds
(``{% block title %}{{ heading }} · {{ SITE_NAME }}{% endblock %}``,
``{{ n }}{% if capped %}+{% endif %}``): Django has no whitespace control, and split over
lines these would put spaces into a title, an attribute or a sentence. Inline tags such
as ``{% translate %}`` or ``{% url %}`` may sit anywhere; the length limit keeps
one-liners short. A line of prose (no tag, no HTML) may be longer: a Chinese sentence
cannot be cut without putting a space into it."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.template.base import Lexer, TokenType

MAX_LINE = 120
OPENERS = {"if", "for", "with", "block", "cache", "spaceless", "autoescape", "filter"}
MIDDLES = {"elif", "else", "empty"}
CLOSERS = {f"end{name}" for name in OPENERS}
SINGLES = {"include"}
BOOLEAN_CHAIN = re.compile(r"\s(and|or)\s")
# Partials included inside a line of text (a page title): a final newline would show.
INLINE_PARTIALS = ["includes/page_number.html", "articles/includes/page_number.html"]


def project_templates():
    roots = [Path(d) for d in settings.TEMPLATES[0]["DIRS"]]
    base = Path(settings.BASE_DIR)
    roots += [base / app / "templates" for app in settings.INSTALLED_APPS if (base / app).is_dir()]
    return sorted(path for root in roots if root.is_dir() for path in root.rglob("*.html"))


def structure_tags(line):
    """(name, contents) of the structure tags on a line, in order."""
    found = []
    for token in Lexer(line).tokenize():
        if token.token_type is TokenType.BLOCK:
            name = token.contents.split()[0]
            if name in OPENERS | MIDDLES | CLOSERS | SINGLES:
                found.append((name, token.contents))
    return found


def too_many_structures(tags):
    """True when a line holds more than one structure; what a structure opened and closed
    on the line holds is part of it."""
    units, depth = 0, 0
    for name, _contents in tags:
        if not depth:
            units += 1
        if name in OPENERS:
            depth += 1
        elif name in CLOSERS and depth:
            depth -= 1
    return units > 1


def is_prose(line):
    return "{%" not in line and "<" not in line


def problems(path):
    found = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        where = f"{path.relative_to(settings.BASE_DIR)}:{number}"
        if len(line) > MAX_LINE and not is_prose(line):
            found.append(f"{where}: {len(line)} characters")
        tags = structure_tags(line)
        if too_many_structures(tags):
            found.append(f"{where}: more than one tag: {line.strip()[:80]}")
        for name, contents in tags:
            if name in ("if", "elif") and BOOLEAN_CHAIN.search(f" {contents} "):
                found.append(f"{where}: boolean chain: {{% {contents} %}}")
    return found


def name(path):
    return str(path.relative_to(settings.BASE_DIR))


@pytest.mark.parametrize("path", project_templates(), ids=name)
def test_templates_have_one_structure_per_line_short_lines_and_no_boolean_chains(path):
    assert problems(path) == []


@pytest.mark.parametrize("partial", INLINE_PARTIALS)
def test_partials_used_inside_a_title_end_without_a_newline(partial):
    assert not (Path(settings.BASE_DIR) / "templates" / partial).read_text().endswith("\n")


def test_the_checker_catches_what_it_should():
    assert too_many_structures(structure_tags("{% for x in y %}{% endfor %}{% include 'x' %}"))
    assert too_many_structures(structure_tags("{% else %}{% if b %}"))
    assert too_many_structures(structure_tags("{% endif %}{% if b %}"))
    assert too_many_structures(structure_tags("{% block a %}{% endblock %}{% include 'x' %}"))
    assert not too_many_structures(structure_tags("{{ n }}{% if capped %}+{% endif %}"))
    assert not too_many_structures(
        structure_tags("{% block t %}{% if a %}b{% endif %}{% endblock %}")
    )
    assert not too_many_structures(structure_tags("{% if a %}x{% else %}y{% endif %}"))
    assert not too_many_structures(
        structure_tags('<a href="{% url "search" %}">{% translate "x" %}</a>')
    )
