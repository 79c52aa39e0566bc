"""An editor writes, schedules and publishes an article; a reader finds it on a phone."""

import io
import re
from datetime import timedelta

import pytest
from django.utils import timezone
from PIL import Image

from articles.models import Article
from tests import factories

PASSWORD = "pw-for-tests-only"


def _picture(path):
    image = Image.new("RGB", (1200, 800), (11, 92, 173))
    for x in range(0, 1200, 60):
        for y in range(0, 800, 60):
            if (x + y) % 120 == 0:
                image.paste((232, 89, 12), (x, y, x + 30, y + 30))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    path.write_bytes(buffer.getvalue())
    return path


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_editor_writes_schedules_and_publishes_and_a_phone_reader_finds_it(
    desktop, phone, screenshot, tmp_path
):
    factories.make_user(username="editor", password=PASSWORD, is_staff=True, is_superuser=True)
    policy = factories.make_category(name="政策解读", slug="policy")
    agent = factories.make_agent(name="张顾问", wechat_id="zhang-g60")
    factories.make_park(name="松江经济技术开发区", slug="sjetdz", agent=agent)
    factories.make_article(
        title="长三角集成电路产业扶持政策汇编",
        category=policy,
        tags=["智能制造", "集成电路"],
        published_at=timezone.now() - timedelta(days=3),
    )
    picture = _picture(tmp_path / "plant.png")

    # The editor logs in and writes an article.
    desktop.goto("/admin/login/?next=/admin/articles/article/add/")
    desktop.fill("#id_username", "editor")
    desktop.fill("#id_password", PASSWORD)
    desktop.click("input[type=submit]")
    desktop.fill("#id_title_zh_hans", "松江智能制造专项资金申报指南发布")
    desktop.select_option("#id_category", label="政策解读")
    editor = desktop.locator(".ProseMirror[contenteditable=true]").first
    editor.click()
    desktop.keyboard.type("今年的专项资金重点支持智能工厂和数字化车间改造项目。")

    # A picture: the editor's figure dialog, "Browse…" opens our upload window.
    desktop.click("button[data-name=figure]")
    dialog = desktop.locator("dialog[open]")
    with desktop.expect_popup() as popup_info:
        dialog.get_by_role("button", name="Browse...").click()
    popup = popup_info.value
    popup.set_input_files("#id_image", str(picture))
    popup.fill("#id_alt_text", "智能工厂车间")
    # The window closes itself once the upload is saved: listen before clicking.
    with popup.expect_event("close"):
        popup.click("input[type=submit]")
    assert not desktop.csp_problems, desktop.csp_problems
    image_url = dialog.locator("input[name=imageUrl]").input_value()
    assert re.match(r"^/media/articles/body/\d{4}/\d{2}/.+\.png$", image_url), image_url
    assert dialog.locator("input[name=altText]").input_value() == "智能工厂车间"
    dialog.locator("input[name=caption]").fill("数字化车间")
    dialog.get_by_role("button", name="Insert").click()
    assert editor.locator(f"img[src='{image_url}']").count() == 1

    # Tags with suggestions of the existing ones.
    desktop.locator("#id_tags").press_sequentially("智能")
    desktop.locator(".tag-suggestions li", has_text="智能制造").click()
    desktop.locator("#id_tags").press_sequentially("专项资金")
    desktop.get_by_label("松江经济技术开发区").check()

    # Scheduled for tomorrow: published, but its time has not come.
    tomorrow = timezone.localtime() + timedelta(days=1)
    desktop.select_option("#id_status", "published")
    desktop.fill("#id_published_at_0", tomorrow.strftime("%Y-%m-%d"))
    desktop.fill("#id_published_at_1", "09:30:00")
    screenshot(desktop, "articles-admin-editor")
    desktop.click("input[name=_save]")
    desktop.wait_for_selector(".messagelist")
    assert "自动上线" in desktop.locator(".messagelist").inner_text()
    screenshot(desktop, "articles-admin-scheduled")

    article = Article.objects.get(title="松江智能制造专项资金申报指南发布")
    assert article.is_scheduled
    assert sorted(article.tags.names()) == ["专项资金", "智能制造"]
    assert f'src="{image_url}"' in article.body
    assert "<figcaption>数字化车间</figcaption>" in article.body

    # Not visible to readers yet.
    phone.goto("/news/")
    assert "松江智能制造专项资金申报指南发布" not in phone.content()
    response = phone.goto(article.get_absolute_url())
    assert response.status == 404

    # The editor publishes it now with the bulk action.
    desktop.goto("/admin/articles/article/")
    desktop.locator(f"input[name=_selected_action][value='{article.pk}']").check()
    desktop.select_option("select[name=action]", "publish_selected")
    desktop.click("button[name=index]")
    assert "已发布 1 篇文章" in desktop.locator(".messagelist").inner_text()

    # A reader on a phone finds it in the news list and opens it.
    phone.goto("/news/")
    phone.get_by_role("link", name="松江智能制造专项资金申报指南发布").first.click()
    phone.wait_for_selector("h1#article-title")
    assert phone.locator("h1#article-title").inner_text() == "松江智能制造专项资金申报指南发布"
    breadcrumb = phone.locator("nav.breadcrumb").inner_text()
    assert "首页" in breadcrumb and "政策解读" in breadcrumb and "正文" in breadcrumb
    tags = phone.locator(".article__tags").inner_text()
    assert "智能制造" in tags and "专项资金" in tags
    assert "长三角集成电路产业扶持政策汇编" in phone.locator(".article-related").inner_text()
    assert phone.locator(".article-share__qr svg").is_visible()
    assert "张顾问" in phone.locator(".agent-card").inner_text()
    body_picture = phone.locator(f".article__body img[src='{image_url}']")
    assert body_picture.evaluate("img => img.complete && img.naturalWidth > 0")
    screenshot(phone, "articles-phone-article")

    # The tag link leads to the tag's page, Chinese slug and all.
    phone.locator(".article__tags a", has_text="智能制造").click()
    phone.wait_for_selector("h1")
    assert "智能制造" in phone.locator("h1").inner_text()
    assert phone.get_by_role("link", name="松江智能制造专项资金申报指南发布").count() == 1
    phone.goto("/news/")
    screenshot(phone, "articles-phone-news-list")
