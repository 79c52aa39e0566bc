import re
from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from leads import services
from leads.dashboard.figures import share_figures
from leads.models import ShareMade, ShareVisit
from leads.sharing import record_share
from tests import factories
from tests.leads.conftest import make_agent_user, make_manager

pytestmark = pytest.mark.django_db


@pytest.fixture
def activity():
    """Agent A shared a listing twice (once as a poster); two visits, one inquiry that
    A answered after 12 minutes. Agent B did nothing."""
    user_a, agent_a = make_agent_user(name="甲顾问")
    user_b, agent_b = make_agent_user(name="乙顾问")
    listing = factories.make_listing(agent=agent_b)
    share = record_share(agent_a, listing)
    record_share(agent_a, listing, form=ShareMade.Form.POSTER)
    ShareVisit.objects.create(share=share)
    ShareVisit.objects.create(share=share)
    start = timezone.now() - timedelta(hours=1)
    with time_machine.travel(start, tick=False):
        inquiry = services.submit_inquiry(
            subject=listing, share=share, name="客户", mobile="13800138000"
        )
    with time_machine.travel(start + timedelta(minutes=12), tick=False):
        services.change_status(inquiry, "contacted", actor=user_a)
    # An old visit falls out of the window.
    ShareVisit.objects.create(share=share, created_at=timezone.now() - timedelta(days=400))
    return user_a, agent_a, user_b, agent_b


def test_figures_per_agent(activity):
    _ua, agent_a, _ub, agent_b = activity
    row = share_figures(agent=agent_a)[0]
    assert row == {
        "agent": "甲顾问",
        "shares": 2,
        "posters": 1,
        "visits": 2,
        "inquiries": 1,
        "won": 0,
        "median_minutes": 12.0,
    }
    assert share_figures(agent=agent_b)[0]["shares"] == 0
    assert [row["agent"] for row in share_figures()][0] == "甲顾问"


def figure(html, name):
    return re.search(rf'data-figure="{name}">([^<]*)<', html).group(1)


def test_the_workbench_shows_the_agent_their_own_figures(client, activity):
    user_a, _agent_a, user_b, _agent_b = activity
    client.force_login(user_a)
    html = client.get(reverse("leads:agent-queue")).content.decode()
    assert (figure(html, "shares"), figure(html, "visits"), figure(html, "inquiries")) == (
        "2",
        "2",
        "1",
    )
    assert figure(html, "response") == "12.0"
    client.force_login(user_b)
    html = client.get(reverse("leads:agent-queue")).content.decode()
    assert (figure(html, "shares"), figure(html, "visits"), figure(html, "inquiries")) == (
        "0",
        "0",
        "0",
    )


def test_the_managers_dashboard_lists_share_figures(client, activity):
    client.force_login(make_manager())
    html = client.get(reverse("admin:leads_inquiry_dashboard")).content.decode()
    section = html[html.index('id="share-figures"') :]
    assert "顾问分享效果" in section
    assert "<td>甲顾问</td>" in section
