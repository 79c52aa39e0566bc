"""Demo news from demo/data/categories.yaml and articles.yaml.

Idempotent: articles are matched on their title, categories on their slug; pictures are
drawn once. ``articles=N`` also builds N generated articles in bulk for benchmarks.
"""

import random
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from articles.models import Article, Category, Tag, TaggedArticle
from core.sanitize import clean_html
from demo.content import english, load
from demo.pictures import article_cover
from listings.models import Park

BENCH_SOURCE = "基准测试数据"


def _say(command, text):
    if command is not None:
        command.stdout.write(text)


def _body(paragraphs):
    parts = []
    for text in paragraphs:
        if text.startswith("## "):
            parts.append(f"<h2>{text[3:]}</h2>")
        else:
            parts.append(f"<p>{text}</p>")
    return "".join(parts)


def _set_english(article, row):
    """The article's English title, body (a list of paragraphs, like `body`), summary, …"""
    values = english(row, convert={"body": _body})
    if "body_en" in values and "summary_en" not in values:
        article.summary_en = ""  # taken from the English body on save
    for name, value in values.items():
        setattr(article, name, value)


def seed_categories():
    categories = {}
    for position, row in enumerate(load("categories")["categories"], start=1):
        category, _ = Category.objects.update_or_create(
            slug=row["slug"],
            defaults={
                "name": row["name"],
                "description": row["description"],
                "position": position * 10,
                **english(row),
            },
        )
        categories[row["slug"]] = category
    return categories


def _parks_named(names):
    return list(Park.objects.filter(name__in=names)) if names else []


def seed_articles(categories, now):
    colours = {row["slug"]: tuple(row["cover_colour"]) for row in load("categories")["categories"]}
    content = load("articles")
    count = 0
    for index, row in enumerate(content["published"]):
        slug, title = row["category"], row["title"]
        article = Article.objects.filter(title=title).first()
        if article is None:
            article = Article(
                title=title,
                published_at=now
                - timedelta(days=row["days_ago"], hours=index % 7, minutes=index * 7),
            )
        article.category = categories[slug]
        article.body = _body(row["body"])
        article.summary = ""  # taken from the body on save
        article.status = Article.Status.PUBLISHED
        article.featured = row.get("featured", False)
        article.source_name = row.get("source", "")
        _set_english(article, row)
        if row.get("cover") and not article.cover:
            article.cover.save(f"demo-{index}.jpg", article_cover(colours[slug], index), save=False)
        article.save()
        article.tags.set(row.get("tags", []))
        article.parks.set(_parks_named(row.get("parks")))
        count += 1
    for row in content["not_published"]:
        title = row["title"]
        article = Article.objects.filter(title=title).first() or Article(title=title)
        article.category = categories[row["category"]]
        article.body = _body(row["body"])
        if row.get("draft"):
            article.status = Article.Status.DRAFT
            article.published_at = None
        else:
            article.status = Article.Status.PUBLISHED
            article.published_at = now + timedelta(days=row["publish_in_days"])
        _set_english(article, row)
        article.save()
        article.tags.set(row.get("tags", []))
        article.parks.set(_parks_named(row.get("parks")))
    return count


def seed_tag_names():
    """The tags' English names (`tags_en` in articles.yaml)."""
    for tag in Tag.objects.filter(name_zh_hans__in=load("articles")["tags_en"]):
        english = load("articles")["tags_en"][tag.name_zh_hans]
        if tag.name_en != english:
            tag.name_en = english
            tag.save(update_fields=["name_en"])


def build_bench_articles(total, *, categories, command=None, batch=1000):
    """Bring the number of generated articles up to ``total`` with bulk inserts."""
    existing = Article.objects.filter(source_name=BENCH_SOURCE).count()
    missing = max(0, total - existing)
    if not missing:
        _say(command, f"articles: {existing} generated articles already there")
        return 0
    rng = random.Random(60)
    now = timezone.now()
    tag_names = [f"主题{n:02d}" for n in range(40)]
    tags = {name: Tag.objects.get_or_create(name=name)[0] for name in tag_names}
    category_list = list(categories.values())
    body = clean_html(
        "".join(
            f"<p>第{n}段：G60科创走廊园区招商资讯的示例正文，用于测量列表和文章页的速度。</p>"
            for n in range(1, 9)
        )
    )
    made = 0
    while made < missing:
        size = min(batch, missing - made)
        with transaction.atomic():
            articles = Article.objects.bulk_create(
                [
                    Article(
                        title=f"资讯样本 {existing + made + i + 1:06d}：园区产业动态",
                        category=rng.choice(category_list),
                        summary="示例摘要：园区招商、产业政策与厂房土地信息。",
                        body=body,
                        status=Article.Status.PUBLISHED,
                        published_at=now - timedelta(minutes=rng.randint(60, 3 * 365 * 24 * 60)),
                        source_name=BENCH_SOURCE,
                    )
                    for i in range(size)
                ]
            )
            TaggedArticle.objects.bulk_create(
                [
                    TaggedArticle(tag=tags[name], content_object=article)
                    for article in articles
                    for name in rng.sample(tag_names, 3)
                ]
            )
        made += size
        _say(command, f"articles: {existing + made}/{total} generated")
    return made


def seed(command=None, articles=0, **options):
    if settings.PRODUCTION:
        _say(command, "articles: production mode, demo content skipped")
        return
    now = timezone.now()
    categories = seed_categories()
    count = seed_articles(categories, now)
    seed_tag_names()
    _say(
        command,
        f"articles: {len(categories)} categories, {count} published articles, "
        f"{len(load('articles')['not_published'])} scheduled/draft",
    )
    if articles:
        build_bench_articles(articles, categories=categories, command=command)
