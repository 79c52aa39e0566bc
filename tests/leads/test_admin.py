import csv
import io

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from leads.models import InquiryEvent, Notification
from tests import factories
from tests.leads.conftest import inquiry_for, staff_group

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:leads_inquiry_changelist")


def change_url(inquiry):
    return reverse("admin:leads_inquiry_change", args=[inquiry.pk])


def test_an_agent_sees_only_their_own_inquiries(client, two_agents):
    user_a, agent_a, _user_b, agent_b = two_agents
    mine = inquiry_for(agent_a)
    theirs = inquiry_for(agent_b)
    client.force_login(user_a)
    html = client.get(CHANGELIST).content.decode()
    assert mine.reference in html
    assert theirs.reference not in html
    response = client.get(change_url(theirs))
    assert response.status_code == 302  # "doesn't exist", back to the admin index
    client.post(change_url(theirs), {"status": "spam", "note": "hijack"})
    theirs.refresh_from_db()
    assert theirs.status == "new" and not theirs.events.filter(kind="note").exists()
    assert client.get(change_url(mine)).status_code == 200


def test_an_agent_marks_an_inquiry_contacted_with_a_note(client, two_agents):
    user_a, agent_a, _u, agent_b = two_agents
    inquiry = inquiry_for(agent_a)
    client.force_login(user_a)
    response = client.post(
        change_url(inquiry),
        {
            "status": "contacted",
            "assigned_agent": agent_b.pk,  # not theirs to change: ignored
            "note": "已电话联系，周二带看",
            "events-TOTAL_FORMS": "0",
            "events-INITIAL_FORMS": "0",
            "notifications-TOTAL_FORMS": "0",
            "notifications-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    inquiry.refresh_from_db()
    assert inquiry.status == "contacted"
    assert inquiry.first_contacted_at is not None
    assert inquiry.assigned_agent == agent_a
    assert inquiry.events.filter(kind="note", message="已电话联系，周二带看", actor=user_a).exists()
    assert inquiry.events.filter(kind="status", actor=user_a).exists()
    page = client.get(change_url(inquiry)).content.decode()
    assert "已电话联系，周二带看" in page  # on the timeline


def test_actions_touch_only_the_agents_own_rows(client, two_agents):
    user_a, agent_a, _u, agent_b = two_agents
    mine, theirs = inquiry_for(agent_a), inquiry_for(agent_b)
    client.force_login(user_a)
    client.post(
        CHANGELIST,
        {"action": "mark_contacted", "_selected_action": [mine.pk, theirs.pk]},
    )
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert mine.status == "contacted"
    assert theirs.status == "new"


def test_agents_cannot_export(client, two_agents):
    user_a, agent_a, _u, _b = two_agents
    mine = inquiry_for(agent_a)
    client.force_login(user_a)
    html = client.get(CHANGELIST).content.decode()
    assert "export_csv" not in html and "export_xlsx" not in html
    response = client.post(CHANGELIST, {"action": "export_csv", "_selected_action": [mine.pk]})
    assert response.get("Content-Type", "").startswith("text/html")
    assert not InquiryEvent.objects.filter(kind="export").exists()


def test_a_staff_user_who_is_no_agent_sees_nothing(client, staff_user, agent):
    staff_user.groups.add(staff_group("agents"))
    inquiry_for(agent)
    client.force_login(staff_user)
    response = client.get(CHANGELIST)
    assert response.status_code == 200
    assert response.context["cl"].result_count == 0


def test_a_manager_sees_all_and_exports_csv_with_an_event(client, manager, two_agents):
    _ua, agent_a, _ub, agent_b = two_agents
    first = inquiry_for(agent_a, company='=HYPERLINK("http://evil")')
    second = inquiry_for(agent_b)
    client.force_login(manager)
    html = client.get(CHANGELIST).content.decode()
    assert first.reference in html and second.reference in html
    response = client.post(
        CHANGELIST, {"action": "export_csv", "_selected_action": [first.pk, second.pk]}
    )
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][0] == "编号"
    assert {rows[1][0], rows[2][0]} == {first.reference, second.reference}
    assert '\'=HYPERLINK("http://evil")' in [cell for row in rows for cell in row]
    event = InquiryEvent.objects.get(kind="export")
    assert event.actor == manager and event.data == {"rows": 2, "format": "csv"}


def test_a_manager_exports_excel(client, manager, agent):
    inquiry = inquiry_for(agent, message="+1 call me")
    client.force_login(manager)
    response = client.post(CHANGELIST, {"action": "export_xlsx", "_selected_action": [inquiry.pk]})
    workbook = load_workbook(io.BytesIO(response.content))
    sheet = workbook.active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[1][0] == inquiry.reference
    assert "'+1 call me" in values[1]
    assert InquiryEvent.objects.get(kind="export").data == {"rows": 1, "format": "xlsx"}


def test_a_manager_reassigns_and_the_new_agent_is_told(client, manager, two_agents):
    _ua, agent_a, _ub, agent_b = two_agents
    inquiry = inquiry_for(agent_a)
    client.force_login(manager)
    response = client.post(
        change_url(inquiry),
        {
            "status": "new",
            "assigned_agent": agent_b.pk,
            "note": "",
            "events-TOTAL_FORMS": "0",
            "events-INITIAL_FORMS": "0",
            "notifications-TOTAL_FORMS": "0",
            "notifications-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302
    inquiry.refresh_from_db()
    assert inquiry.assigned_agent == agent_b
    assert inquiry.routing_reason == "manual"
    event = inquiry.events.get(kind="reassigned")
    assert event.actor == manager and event.agent == agent_b
    assert Notification.objects.filter(
        inquiry=inquiry, purpose="reassigned", agent=agent_b
    ).exists()


@pytest.mark.parametrize(
    "query",
    [
        "status=new",
        "source_kind__exact=listing",
        "sla=breached",
        "sla=ok",
        "delivery=failed",
        "delivery=pending",
        "agent=none",
        "agent=abc",
        "q=%3Cscript%3E",
        "q=13",
        "o=2",
        "p=999",
        "created_at__gte=notadate",
    ],
)
def test_filters_and_search_never_fail(client, manager, agent, query):
    inquiry_for(agent)
    client.force_login(manager)
    assert client.get(f"{CHANGELIST}?{query}").status_code in (200, 302)


def test_search_finds_by_reference_mobile_name_and_company(client, manager, agent):
    inquiry = inquiry_for(agent, name="欧阳女士", company="松江精密机械", mobile="13677778888")
    inquiry_for(agent)
    client.force_login(manager)
    for term in [inquiry.reference, "13677778888", "欧阳", "精密机械"]:
        response = client.get(CHANGELIST, {"q": term})
        assert response.context["cl"].result_count == 1, term


def test_the_sla_filter_finds_overdue_inquiries(client, manager, agent):
    late = inquiry_for(agent)
    client.force_login(manager)
    with time_machine.travel(timezone.now() + timezone.timedelta(hours=1)):
        fresh = inquiry_for(agent)
        response = client.get(CHANGELIST, {"sla": "breached"})
        found = {i.pk for i in response.context["cl"].result_list}
    assert late.pk in found and fresh.pk not in found


def test_visitor_text_is_escaped_in_the_admin(client, manager, agent):
    inquiry = inquiry_for(agent, name="<script>alert(1)</script>", company="<img src=x onerror=y>")
    client.force_login(manager)
    for url in [CHANGELIST, change_url(inquiry)]:
        html = client.get(url).content.decode()
        assert "<script>alert(1)</script>" not in html
        assert "<img src=x onerror=y>" not in html


def test_the_changelist_has_a_query_budget(client, manager, django_assert_max_num_queries):
    agents = [factories.make_agent() for _ in range(3)]
    for n in range(12):
        inquiry_for(agents[n % 3])
    client.force_login(manager)
    with django_assert_max_num_queries(14):
        response = client.get(CHANGELIST)
    assert response.context["cl"].result_count == 12


def test_routing_rules_are_for_managers(client, manager, two_agents):
    user_a, *_ = two_agents
    url = reverse("admin:leads_routingrule_changelist")
    client.force_login(user_a)
    assert client.get(url).status_code == 403
    client.force_login(manager)
    assert client.get(url).status_code == 200
    assert client.get(reverse("admin:leads_routingrule_add")).status_code == 200
