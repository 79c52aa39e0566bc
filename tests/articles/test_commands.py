import csv
import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from articles.models import Article
from tests import factories
from tests.articles.conftest import picture_bytes

pytestmark = pytest.mark.django_db


def _jsonl(path, rows):
    path.write_text("\n".join(json.dumps(row, ensure_ascii=False) for row in rows) + "\n")
    return path


def _csv(path, rows):
    columns = sorted({key for row in rows for key in row})
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)
    return path


def _run(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command("import_articles", *map(str, args), stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def _run_failing(*args):
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError) as error:
        call_command("import_articles", *map(str, args), stdout=out, stderr=err)
    return out.getvalue(), err.getvalue(), str(error.value)


ROWS = [
    {
        "title": "松江区发布智能制造专项资金申报指南",
        "category": "政策解读",
        "tags": "智能制造，专项资金",
        "source_name": "松江区经委",
        "source_url": "https://old.example.cn/news/1.html",
        "published_at": "2024-05-01 09:30",
        "body": "<p>正文一</p><script>alert(1)</script>",
        "cover": "cover.png",
    },
    {
        "title": "园区开放日回顾",
        "category": "events",
        "tags": ["园区开放日"],
        "published_at": "2024年4月20日",
        "body": '<p onclick="x()">正文二</p>',
    },
]


@pytest.fixture
def categories(db):
    factories.make_category(name="政策解读", slug="policy")
    factories.make_category(name="招商活动", slug="events")


def test_import_creates_articles_with_tags_cover_and_clean_bodies(tmp_path, categories):
    (tmp_path / "cover.png").write_bytes(picture_bytes())
    path = _jsonl(tmp_path / "news.jsonl", ROWS)

    out, err = _run(path)

    assert "2 created, 0 updated, 0 unchanged, 0 skipped." in out
    assert "[100%] 2/2 rows" in out
    assert err == ""
    first = Article.objects.get(source_url="https://old.example.cn/news/1.html")
    assert first.category.slug == "policy"
    assert sorted(first.tags.names()) == sorted(["智能制造", "专项资金"])
    assert first.body == "<p>正文一</p>"
    assert first.is_public
    assert timezone.localtime(first.published_at).isoformat() == "2024-05-01T09:30:00+08:00"
    assert first.cover.name.startswith("articles/covers/")
    second = Article.objects.get(title="园区开放日回顾")
    assert second.category.slug == "events"
    assert second.body == "<p>正文二</p>"
    assert second.summary == "正文二"


def test_importing_the_same_file_again_updates_and_never_duplicates(tmp_path, categories):
    (tmp_path / "cover.png").write_bytes(picture_bytes())
    path = _jsonl(tmp_path / "news.jsonl", ROWS)
    _run(path)
    cover_name = Article.objects.get(title=ROWS[0]["title"]).cover.name

    out, _ = _run(path)
    assert "0 created, 0 updated, 2 unchanged, 0 skipped." in out

    changed = [
        dict(ROWS[0], title="新标题：专项资金申报指南"),
        dict(ROWS[1], body="<p>改过的正文</p>"),
    ]
    out, _ = _run(_jsonl(tmp_path / "news2.jsonl", changed))
    assert "0 created, 2 updated, 0 unchanged, 0 skipped." in out
    assert Article.objects.count() == 2
    renamed = Article.objects.get(source_url="https://old.example.cn/news/1.html")
    assert renamed.title == "新标题：专项资金申报指南"
    assert renamed.cover.name == cover_name
    assert Article.objects.get(title="园区开放日回顾").body == "<p>改过的正文</p>"


def test_bad_rows_are_reported_by_row_and_field_and_the_good_rows_land(tmp_path, categories):
    rows = [
        dict(ROWS[1], title="好的一行"),
        dict(ROWS[1], title="日期不对", published_at="下周二"),
        dict(ROWS[1], title="栏目不存在", category="体育新闻"),
        dict(ROWS[1], title="正文太大", body="<p>" + "x" * (5 * 1024 * 1024) + "</p>"),
        dict(ROWS[1], title="封面不存在", cover="missing.jpg"),
        dict(ROWS[1], title="", source_url="javascript:alert(1)"),
        dict(ROWS[1], title="另一行好的", published_at="2024-04-21"),
    ]
    path = _csv(tmp_path / "news.csv", rows)

    out, err, message = _run_failing(path)

    assert "2 created, 0 updated, 0 unchanged, 5 skipped." in out
    assert "5 row(s) were skipped" in message
    assert "row 2 (line 3), published_at: cannot read the date '下周二'" in err
    assert "row 3 (line 4), category: unknown category '体育新闻'" in err
    assert "row 4 (line 5), body: is 5.0 MB; the limit is 1 MB" in err
    assert "row 5 (line 6), cover: no such file" in err
    assert "row 6 (line 7), title: is required" in err
    assert "row 6 (line 7), source_url: is not a web address" in err
    assert sorted(Article.objects.values_list("title", flat=True)) == sorted(
        ["好的一行", "另一行好的"]
    )


def test_unreadable_json_lines_are_reported(tmp_path, categories):
    path = tmp_path / "news.jsonl"
    path.write_text(json.dumps(ROWS[1], ensure_ascii=False) + "\n{not json\n[1, 2]\n")
    out, err, _ = _run_failing(path)
    assert "row 2 (line 2), -: unreadable row" in err
    assert "row 3 (line 3), -: unreadable row: a line must be a JSON object" in err
    assert Article.objects.count() == 1


def test_dry_run_checks_everything_and_changes_nothing(tmp_path, categories):
    (tmp_path / "cover.png").write_bytes(picture_bytes())
    path = _jsonl(tmp_path / "news.jsonl", ROWS)
    out, _ = _run(path, "--dry-run")
    assert "Dry run, nothing saved. Would have: 2 created" in out
    assert not Article.objects.exists()
    assert not list((tmp_path / "media").rglob("*.png")) if (tmp_path / "media").exists() else True


def test_a_file_in_another_encoding_gets_a_clear_message(tmp_path, categories):
    path = tmp_path / "news.csv"
    path.write_bytes("title,category,published_at\n标题,政策解读,2024-05-01\n".encode("gb18030"))
    with pytest.raises(CommandError, match="gb18030"):
        _run(path)
    out, _ = _run(path, "--encoding", "gb18030")
    assert "1 created" in out


def test_missing_files_and_unknown_formats_are_refused(tmp_path):
    with pytest.raises(CommandError, match="No such file"):
        _run(tmp_path / "nope.jsonl")
    other = tmp_path / "news.txt"
    other.write_text("x")
    with pytest.raises(CommandError, match="--format"):
        _run(other)
