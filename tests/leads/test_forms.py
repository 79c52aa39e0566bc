import time

import pytest
import time_machine
from django.core import signing
from django.db import connection
from django.test.utils import CaptureQueriesContext

from leads.forms import InquiryForm, new_stamp, normalize_mobile, sign_subject
from leads.models import RateCount, drop_expired_rate_counts
from tests import factories
from tests.leads.conftest import form_data

pytestmark = pytest.mark.django_db


def errors_of(data, **kwargs):
    form = InquiryForm(data, ip=kwargs.pop("ip", "10.0.0.1"))
    assert not form.is_valid()
    return form.errors


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("13800138000", "13800138000"),
        ("138 0013 8000", "13800138000"),
        ("138-0013-8000", "13800138000"),
        ("+86 138 0013 8000", "13800138000"),
        ("+8613800138000", "13800138000"),
        ("0086 13800138000", "13800138000"),
        ("8613800138000", "13800138000"),
        ("（138）00138000", "13800138000"),
    ],
)
def test_it_accepts_mobiles_as_people_type_them(typed, expected):
    assert normalize_mobile(typed) == expected
    form = InquiryForm(form_data(mobile=typed), ip="10.0.0.1")
    assert form.is_valid(), form.errors
    assert form.cleaned_data["mobile"] == expected


@pytest.mark.parametrize(
    "mobile",
    [
        "",
        "12345",
        "12800138000",
        "1380013800",
        "138001380001",
        "abcdefghijk",
        "1" * 10_000,
        "13800138000'; DROP TABLE leads_inquiry;--",
        "１３８００１３８０００",
        "138\x0000138000",
    ],
)
def test_it_refuses_what_is_not_a_mainland_mobile(mobile):
    assert "mobile" in errors_of(form_data(mobile=mobile))


def test_it_requires_consent_and_a_name():
    errors = errors_of(form_data(consent="", name="   "))
    assert "请勾选同意隐私政策后再提交。" in errors["consent"]
    assert "name" in errors


@pytest.mark.parametrize("field", ["name", "company", "industry", "need_budget", "wechat_id"])
def test_it_refuses_ten_thousand_characters(field):
    assert field in errors_of(form_data(**{field: "厂" * 10_000}))


def test_it_refuses_a_ten_thousand_character_message():
    assert "message" in errors_of(form_data(message="x" * 10_000))


def test_it_refuses_nul_bytes():
    assert "company" in errors_of(form_data(company="abc\x00def"))


def test_it_keeps_html_emoji_and_mixed_scripts_as_plain_text():
    data = form_data(
        name="<script>alert(1)</script>",
        company="😀 Ünïcödé 公司 شركة",
        message="'; DROP TABLE leads_inquiry; --",
    )
    form = InquiryForm(data, ip="10.0.0.1")
    assert form.is_valid(), form.errors
    assert form.cleaned_data["name"] == "<script>alert(1)</script>"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("need_area", "-5"),
        ("need_area", "abc"),
        ("need_area", "1e400"),
        ("need_area", "99999999999"),
        ("expected_tax", "-1"),
        ("expected_tax", "NaN"),
        ("expected_tax", "1" * 40),
        ("need_kind", "castle"),
        ("need_deal", "steal"),
        ("email", "not-an-email"),
    ],
)
def test_it_refuses_bad_numbers_and_choices(field, value):
    assert field in errors_of(form_data(**{field: value}))


def test_the_honeypot_refuses_bots():
    assert "website" in errors_of(form_data(website="http://spam.example"))


def test_a_missing_or_forged_stamp_is_refused():
    assert "stamp" in errors_of(form_data(stamp=""))
    forged = signing.dumps({"n": "x", "t": int(time.time())}, salt="another")
    assert "stamp" in errors_of(form_data(stamp=forged))


def test_it_refuses_a_form_sent_faster_than_a_person_can_type(settings):
    settings.LEAD_MIN_FILL_SECONDS = 3
    errors = errors_of(form_data(stamp=new_stamp()))
    assert "提交过快，请稍候几秒再提交。" in errors["stamp"]


def test_a_forged_attached_object_is_refused(listing):
    forged = sign_subject(listing).replace(":", ";", 1)
    assert "subject" in errors_of(form_data(subject=forged))
    other = signing.dumps(f"listing:{listing.pk + 1000}", salt="not-ours")
    assert "subject" in errors_of(form_data(subject=other))


def test_a_signed_object_is_attached(listing):
    form = InquiryForm(form_data(listing), ip="10.0.0.1")
    assert form.is_valid(), form.errors
    assert form.subject_object == listing


def test_it_limits_submissions_per_ip(settings):
    settings.LEAD_RATE_LIMIT_IP = 2
    for n in range(2):
        form = InquiryForm(form_data(mobile=f"1390000000{n}"), ip="10.9.9.9")
        assert form.is_valid(), form.errors
    errors = errors_of(form_data(mobile="13900000009"), ip="10.9.9.9")
    assert "提交过于频繁" in errors["__all__"][0]
    assert InquiryForm(form_data(mobile="13900000008"), ip="10.9.9.8").is_valid()


def test_it_limits_submissions_per_mobile(settings):
    settings.LEAD_RATE_LIMIT_MOBILE = 1
    assert InquiryForm(form_data(), ip="10.0.0.1").is_valid()
    errors = errors_of(form_data(mobile="+86 138 0013 8000"), ip="10.0.0.2")
    assert "__all__" in errors


def test_invalid_forms_do_not_count_against_the_limits(settings):
    settings.LEAD_RATE_LIMIT_IP = 1
    errors_of(form_data(mobile="bad"), ip="10.1.1.1")
    assert InquiryForm(form_data(), ip="10.1.1.1").is_valid()


def test_both_limits_are_counted_in_one_statement(settings):
    form = InquiryForm(form_data(mobile="13900000077"), ip="10.3.3.3")
    with CaptureQueriesContext(connection) as queries:
        assert form.is_valid(), form.errors
    counting = [q["sql"] for q in queries if "leads_ratecount" in q["sql"]]
    assert len(counting) == 1
    assert sorted(RateCount.objects.values_list("count", flat=True)) == [1, 1]


def test_a_new_hour_starts_the_counts_again_and_old_counts_are_dropped(settings):
    settings.LEAD_RATE_LIMIT_IP = 1
    with time_machine.travel("2026-11-21 10:10 +0800", tick=False):
        assert InquiryForm(form_data(mobile="13900000061"), ip="10.4.4.4").is_valid()
        assert "__all__" in errors_of(form_data(mobile="13900000062"), ip="10.4.4.4")
    with time_machine.travel("2026-11-21 11:00 +0800", tick=False):
        assert drop_expired_rate_counts() == 0  # the last hour's rows are kept a while
        assert InquiryForm(form_data(mobile="13900000063"), ip="10.4.4.4").is_valid()
    with time_machine.travel("2026-11-21 11:30 +0800", tick=False):
        assert drop_expired_rate_counts() == 3  # ip and two mobiles of 10:00–11:00
        assert RateCount.objects.count() == 2


def test_an_article_can_be_attached():
    article = factories.make_article()
    form = InquiryForm(form_data(article), ip="10.0.0.1")
    assert form.is_valid(), form.errors
    assert form.subject_object == article
