"""Issue 16, item 5: the English inquiry form speaks English, takes a mobile number from
any country (E.164), records the language, and the agent is told the prospect wrote in
English. The Chinese form is unchanged."""

import pytest
from django.core import mail

from leads import notifications
from leads.models import Inquiry, Notification
from tests.leads.conftest import form_data


@pytest.fixture
def english_data(listing):
    return form_data(
        listing,
        name="Anna Schmidt",
        mobile="+49 151 23456789",
        company="Schmidt Präzision GmbH",
        industry="Precision parts",
        need_budget="",
        message="We need 2,000 m² on the ground floor.",
    )


def test_an_international_mobile_is_accepted_from_the_english_form(client, english_data):
    response = client.post("/en/inquiry/", english_data)
    assert response.status_code == 303
    inquiry = Inquiry.objects.get()
    assert inquiry.mobile == "+4915123456789"
    assert inquiry.language == "en"
    assert inquiry.masked_mobile == "+4915****6789"


def test_a_mainland_mobile_still_works_on_the_english_form(client, english_data):
    english_data["mobile"] = "+86 138 0013 8000"
    assert client.post("/en/inquiry/", english_data).status_code == 303
    assert Inquiry.objects.get().mobile == "13800138000"


def test_the_english_form_explains_itself_in_english(client, english_data):
    html = client.get("/en/inquiry/").content.decode()
    assert "+49 151 23456789" in html
    assert "11位" not in html
    english_data["mobile"] = "12345"
    response = client.post("/en/inquiry/", english_data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Please enter a mobile number with its country code" in html
    assert not Inquiry.objects.exists()


def test_the_chinese_form_is_unchanged(client, english_data):
    response = client.post("/inquiry/", english_data)
    assert response.status_code == 200
    assert "请输入11位中国大陆手机号" in response.content.decode()
    assert not Inquiry.objects.exists()


def test_the_agent_is_told_the_prospect_wrote_in_english(client, english_data, agent, run_worker):
    client.post("/en/inquiry/", english_data)
    run_worker()
    message = next(m for m in mail.outbox if m.to == [agent.email])
    assert "【英文】" in message.subject
    assert "访客在英文页面提交，请用英文联系" in message.body
    inquiry = Inquiry.objects.get()
    notification = Notification.objects.filter(inquiry=inquiry).first()
    _title, lines, _link = notifications.bot_message(notification)
    assert lines[0].startswith("【英文咨询】")


def test_a_chinese_inquiry_says_nothing_about_language(client, listing, agent, run_worker):
    client.post("/inquiry/", form_data(listing))
    run_worker()
    message = next(m for m in mail.outbox if m.to == [agent.email])
    assert "英文" not in message.subject
    assert "英文" not in message.body
