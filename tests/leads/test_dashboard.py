"""The inquiry dashboard for managers (leads/dashboard/)."""

import pytest
from django.urls import reverse

from leads import services
from leads.models import Inquiry
from tests.leads.conftest import inquiry_for

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:leads_inquiry_changelist")


def test_the_dashboard_is_for_managers_only(client, manager, two_agents):
    user_a, agent_a, _ub, agent_b = two_agents
    for inquiry in [inquiry_for(agent_a), inquiry_for(agent_b), inquiry_for(agent_b)]:
        services.change_status(inquiry, Inquiry.Status.CONTACTED)
    client.force_login(manager)
    url = reverse("admin:leads_inquiry_dashboard")
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert agent_b.name in html
    for chart in ["per-day", "by-source", "by-agent", "response", "funnel"]:
        chart_url = reverse("admin:leads_inquiry_chart", args=[chart])
        assert chart_url in html
        svg = client.get(chart_url)
        assert svg.status_code == 200
        assert svg["Content-Type"].startswith("image/svg+xml")
        body = svg.content.decode()
        assert body.lstrip().startswith(("<?xml", "<svg"))
        assert "<script" not in body
    funnel = dict(response.context["funnel"])
    assert funnel["已提交"] == 3 and funnel["已联系"] == 3 and funnel["已成交"] == 0
    assert dict(response.context["by_source"])["房源"] == 3

    client.force_login(user_a)
    assert client.get(url).status_code == 403
    assert client.get(reverse("admin:leads_inquiry_chart", args=["funnel"])).status_code == 403
    assert reverse("admin:leads_inquiry_dashboard") not in client.get(CHANGELIST).content.decode()
