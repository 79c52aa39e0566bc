import re

import pytest
from django.core import mail
from django.template import Context, Template
from django.test import Client, RequestFactory
from django.urls import reverse

from leads.forms import load_subject
from leads.models import Inquiry, RoutingRule
from tests import factories
from tests.leads.conftest import form_data

pytestmark = pytest.mark.django_db


def submit(client, data, **extra):
    return client.post(reverse("leads:inquiry"), data, **extra)


def test_it_shows_the_general_form(client):
    response = client.get("/inquiry/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'action="/inquiry/"' in html
    assert 'name="mobile"' in html
    assert 'href="/privacy/"' in html
    # No per-visitor CSRF token: /inquiry/ checks where a POST comes from instead.
    assert 'name="csrfmiddlewaretoken"' not in html


def test_it_saves_an_inquiry_and_shows_the_reference_and_agent(client, listing, agent):
    response = submit(client, form_data(listing))
    assert response.status_code == 303
    inquiry = Inquiry.objects.get()
    assert inquiry.listing == listing
    assert inquiry.assigned_agent == agent
    assert inquiry.routing_reason == "object"
    page = client.get(response["Location"])
    text = page.content.decode()
    assert inquiry.reference in text
    assert re.fullmatch(r"G60-\d{8}-\d{4}", inquiry.reference)
    assert agent.name in text
    assert agent.mobile in text


def test_it_enqueues_notifications_on_commit(client, listing, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        submit(client, form_data(listing, email="boss@example.com"))
    inquiry = Inquiry.objects.get()
    channels = set(inquiry.notifications.values_list("channel", flat=True))
    assert channels == {"agent_email", "prospect"}
    assert not mail.outbox  # sent by the worker, not the request


def test_a_rejected_form_comes_back_with_a_message_and_what_was_typed(client, listing):
    data = form_data(listing, mobile="12345", company="<b>甲&乙</b>", message="请回电 😀")
    response = submit(client, data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "请输入11位中国大陆手机号" in html
    assert 'value="12345"' in html
    assert "&lt;b&gt;甲&amp;乙&lt;/b&gt;" in html
    assert "<b>甲" not in html
    assert "请回电 😀" in html
    assert 'name="consent" checked' in html or "checked" in html
    assert listing.title in html  # still about the same listing
    assert Inquiry.objects.count() == 0


NASTY = [
    "",
    "x" * 10_000,
    "<script>alert(1)</script>",
    "' OR 1=1; DROP TABLE leads_inquiry; --",
    "😀🏭🚚",
    "Ünïcödé 中文 العربية",
    "a\x00b",
    "{{ settings.SECRET_KEY }}",
]


@pytest.mark.parametrize("value", NASTY)
@pytest.mark.parametrize(
    "field",
    [
        "name",
        "mobile",
        "company",
        "industry",
        "need_area",
        "expected_tax",
        "need_kind",
        "email",
        "message",
        "stamp",
        "subject",
        "page_url",
        "utm_source",
    ],
)
def test_nasty_input_never_causes_a_500(client, agent, field, value):
    response = submit(client, form_data(**{field: value}))
    assert response.status_code in (200, 303)
    if response.status_code == 200:
        html = response.content.decode()
        assert "<script>alert(1)</script>" not in html
        assert Inquiry.objects.count() == 0


def test_an_inquiry_with_odd_but_valid_text_is_stored_as_typed(client, agent):
    response = submit(
        client,
        form_data(
            name="<script>alert(1)</script>", company="😀 Ünïcödé", mobile="+86 139-0000-1111"
        ),
    )
    assert response.status_code == 303
    inquiry = Inquiry.objects.get()
    assert inquiry.name == "<script>alert(1)</script>"
    assert inquiry.mobile == "13900001111"
    page = client.get(response["Location"]).content.decode()
    assert "<script>alert(1)</script>" not in page


CROSS_SITE_POSTS = {
    "another site (fetch metadata)": {
        "HTTP_SEC_FETCH_SITE": "cross-site",
        "HTTP_ORIGIN": "https://evil.example",
    },
    "a sibling subdomain": {"HTTP_SEC_FETCH_SITE": "same-site"},
    "another site (Origin only)": {"HTTP_ORIGIN": "https://evil.example"},
    "another port of this host": {"HTTP_ORIGIN": "http://testserver:8080"},
    "a sandboxed frame": {"HTTP_ORIGIN": "null"},
    "another site (Referer only)": {"HTTP_REFERER": "https://evil.example/form.html"},
    "a Referer that is not a URL": {"HTTP_REFERER": "http://[testserver/"},
    "no word on where it comes from": {},
}


@pytest.mark.parametrize("headers", CROSS_SITE_POSTS.values(), ids=CROSS_SITE_POSTS.keys())
def test_a_post_from_another_site_gets_a_clean_403(agent, headers):
    response = Client(enforce_csrf_checks=True).post("/inquiry/", form_data(), **headers)
    assert response.status_code == 403
    assert Inquiry.objects.count() == 0


SAME_SITE_POSTS = {
    "fetch metadata": {"HTTP_SEC_FETCH_SITE": "same-origin", "HTTP_ORIGIN": "http://testserver"},
    "Origin only": {"HTTP_ORIGIN": "http://testserver"},
    "Referer only": {"HTTP_REFERER": "http://testserver/listings/1/"},
}


@pytest.mark.parametrize("headers", SAME_SITE_POSTS.values(), ids=SAME_SITE_POSTS.keys())
def test_a_post_from_a_page_of_the_site_needs_no_csrf_cookie(agent, headers):
    response = Client(enforce_csrf_checks=True).post("/inquiry/", form_data(), **headers)
    assert response.status_code == 303
    assert Inquiry.objects.count() == 1


def test_a_trusted_origin_may_post_across_sites(agent, settings):
    settings.CSRF_TRUSTED_ORIGINS = ["https://www.g60.example"]
    headers = {"HTTP_SEC_FETCH_SITE": "cross-site", "HTTP_ORIGIN": "https://www.g60.example"}
    response = Client(enforce_csrf_checks=True).post("/inquiry/", form_data(), **headers)
    assert response.status_code == 303


def test_a_double_click_or_resubmitted_page_creates_one_inquiry(client, agent):
    data = form_data()
    first = submit(client, data)
    second = submit(client, data)
    assert first.status_code == 303 and second.status_code == 302
    assert first["Location"] == second["Location"]
    assert Inquiry.objects.count() == 1


def test_a_used_stamp_is_refused_for_another_inquiry(client, agent):
    data = form_data()
    first = submit(client, data)
    for n in range(5):
        other = submit(client, {**data, "mobile": f"1370000000{n}"})
        assert other.status_code == 200
        assert "此页面已提交过一次咨询" in other.content.decode()
        assert first["Location"] not in other.content.decode()
    assert Inquiry.objects.count() == 1
    # The page comes back with a fresh stamp, so that a real second inquiry can be sent.
    fresh = other.context["form"].data["stamp"]
    assert submit(client, {**data, "mobile": "13700000009", "stamp": fresh}).status_code == 303
    assert Inquiry.objects.count() == 2


def test_a_stamp_used_at_the_same_moment_by_another_process_is_refused(client, agent, monkeypatch):
    """Both posts pass the checks before either is saved: the unique stamp decides."""
    data = form_data()
    submit(client, data)

    class NotYetVisible:
        class objects:  # noqa: N801 - stands in for Inquiry.objects
            @staticmethod
            def filter(**kwargs):
                return Inquiry.objects.none()

    monkeypatch.setattr("leads.views.Inquiry", NotYetVisible)
    monkeypatch.setattr("leads.forms.Inquiry", NotYetVisible)
    other = submit(client, {**data, "mobile": "13700000001"})
    assert other.status_code == 200
    assert "此页面已提交过一次咨询" in other.content.decode()
    assert Inquiry.objects.count() == 1


def test_an_expired_form_comes_back_with_a_fresh_stamp(client, agent):
    response = submit(client, form_data(stamp="garbage"))
    assert response.status_code == 200
    assert "页面已过期" in response.content.decode()
    fresh = response.context["form"].data["stamp"]
    assert fresh != "garbage"
    assert submit(client, form_data(stamp=fresh)).status_code == 303


def test_submitting_costs_at_most_15_queries(
    client, listing, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    # The stamp check and both rate limits are one statement; the day's first inquiry
    # also creates the reference sequence (3 more); two deliveries, two task rows.
    with (
        django_assert_max_num_queries(15),
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = submit(client, form_data(listing, email="x@example.com"))
    assert response.status_code == 303


def test_a_routed_general_submission_costs_at_most_12_queries(
    client, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    rule = RoutingRule.objects.create(name="厂房", kind="factory")
    rule.agents.add(factories.make_agent(webhook_url="http://127.0.0.1:9/hook"))
    submit(client, form_data(mobile="13600000000"))  # an earlier one, to look for duplicates
    with (
        django_assert_max_num_queries(12),
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = submit(client, form_data(mobile="13600000001", email="x@example.com"))
    assert response.status_code == 303


def test_a_general_submission_with_one_delivery_costs_at_most_10_queries(
    client, agent, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    # What the load bench posts: stamp and limits (1), the transaction (2), an earlier
    # inquiry of the mobile, the reference, the rotation, the inquiry, its events, its
    # delivery and its task (7); rules and agents are kept per process.
    submit(client, form_data(mobile="13600000000"))
    with (
        django_assert_max_num_queries(10),
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = submit(client, form_data(mobile="13600000001"))
    assert response.status_code == 303
    assert Inquiry.objects.get(mobile="13600000001").routing_reason == "rotation"


def test_routing_sees_rule_and_agent_changes_made_after_it_kept_them(client, agent):
    submit(client, form_data(mobile="13600000000"))  # rules and agents are now kept
    rule = RoutingRule.objects.create(name="厂房", kind="factory")
    other = factories.make_agent()
    rule.agents.add(other)
    submit(client, form_data(mobile="13600000001"))
    assert Inquiry.objects.get(mobile="13600000001").assigned_agent == other
    rule.agents.remove(other)
    submit(client, form_data(mobile="13600000002"))
    assert Inquiry.objects.get(mobile="13600000002").routing_reason == "rotation"
    other.accepts_leads = False
    other.save()
    rule.agents.add(other)
    submit(client, form_data(mobile="13600000003"))
    inquiry = Inquiry.objects.get(mobile="13600000003")
    assert (inquiry.routing_reason, inquiry.assigned_agent) == ("rotation", agent)


def test_the_general_form_can_attach_a_published_object_by_query(client, listing):
    html = client.get(f"/inquiry/?listing={listing.pk}").content.decode()
    assert listing.title in html
    assert "咨询此房源" in html
    for bad in ["abc", "-1", "99999999999999999999", "1;DROP", "0"]:
        assert client.get(f"/inquiry/?listing={bad}&land={bad}").status_code == 200


def test_a_draft_listing_cannot_be_attached_by_query(client, agent):
    draft = factories.make_listing(status="draft", agent=agent)
    html = client.get(f"/inquiry/?listing={draft.pk}").content.decode()
    assert draft.title not in html


def test_a_forged_thanks_link_is_a_404(client):
    assert client.get("/inquiry/thanks/abc/").status_code == 404
    assert client.get("/inquiry/thanks/" + "x" * 500 + "/").status_code == 404


def test_the_english_form_stays_in_english(client, agent):
    response = client.post("/en/inquiry/", form_data())
    assert response.status_code == 303
    assert response["Location"].startswith("/en/inquiry/thanks/")
    assert Inquiry.objects.get().language == "en"


def test_the_listing_page_shows_the_form_with_the_listing_attached(client, listing):
    response = client.get(listing.get_absolute_url())
    html = response.content.decode()
    assert 'action="/inquiry/"' in html
    signed = re.search(r'name="subject" value="([^"]+)"', html).group(1)
    assert load_subject(signed) == listing


def test_the_tag_renders_on_a_page_without_an_object(client):
    request = RequestFactory().get("/?utm_source=wechat&utm_campaign=<x>")
    html = Template("{% load leads_tags %}{% inquiry_form %}").render(Context({"request": request}))
    assert 'name="utm_source" value="wechat"' in html
    assert "&lt;x&gt;" in html
    assert "告诉我们您的需求" in html


def test_the_privacy_page_says_what_is_kept_and_for_how_long(client, settings):
    settings.LEAD_RETENTION_DAYS = 400
    html = client.get("/privacy/").content.decode()
    assert "手机号" in html and "400天" in html
    assert "个人信息保护法" in html
