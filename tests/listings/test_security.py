"""Findings of the outside audit (issue 11) that concern listings: each test reproduces
one finding and shows it closed."""

import pytest
from django.contrib.auth.models import Group

from listings.models import Agent
from tests import factories

pytestmark = pytest.mark.django_db

HOOK = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=TOKEN-OF-THE-OTHER-AGENT"
SECRET = "SEC-signing-secret-of-the-other-agent"


def staff_in(group, **agent_fields):
    user = factories.make_user(is_staff=True)
    user.groups.add(Group.objects.get(name=group))
    agent = factories.make_agent(user=user, **agent_fields) if group == "agents" else None
    return user, agent


def change_url(agent):
    return f"/admin/listings/agent/{agent.pk}/change/"


# ---- 1. webhook URLs and secrets: managers only; an agent sets their own, write-only ----


@pytest.mark.parametrize("group", ["agents", "editors"])
def test_staff_cannot_read_another_agents_webhook(client, group):
    other = factories.make_agent(webhook_kind="wecom", webhook_url=HOOK, webhook_secret=SECRET)
    user, _agent = staff_in(group)
    client.force_login(user)
    response = client.get(change_url(other))
    html = response.content.decode()
    assert response.status_code == 200
    assert other.name in html
    assert "TOKEN-OF-THE-OTHER-AGENT" not in html and SECRET not in html
    assert "已设置" in html
    assert (
        client.post(change_url(other), {"webhook_url": "https://evil.example/"}).status_code == 403
    )


def test_an_agent_sees_only_that_their_own_webhook_is_set_and_can_replace_it(client):
    user, agent = staff_in("agents", webhook_kind="wecom", webhook_url=HOOK, webhook_secret=SECRET)
    client.force_login(user)
    html = client.get(change_url(agent)).content.decode()
    assert "TOKEN-OF-THE-OTHER-AGENT" not in html and SECRET not in html
    assert 'type="password"' in html and "已设置" in html

    # Blank boxes keep what is stored.
    response = client.post(change_url(agent), {"webhook_kind": "wecom"})
    assert response.status_code == 302
    agent.refresh_from_db()
    assert agent.webhook_url == HOOK and agent.webhook_secret == SECRET

    new_hook = "https://oapi.dingtalk.com/robot/send?access_token=NEW"
    response = client.post(
        change_url(agent),
        {"webhook_kind": "dingtalk", "webhook_url": new_hook, "webhook_secret": "SECnew"},
    )
    assert response.status_code == 302
    agent.refresh_from_db()
    assert (agent.webhook_kind, agent.webhook_url, agent.webhook_secret) == (
        "dingtalk",
        new_hook,
        "SECnew",
    )

    client.post(change_url(agent), {"clear_webhook": "on"})
    agent.refresh_from_db()
    assert (agent.webhook_kind, agent.webhook_url, agent.webhook_secret) == ("", "", "")


def test_an_agent_cannot_change_anything_else_on_their_own_record(client):
    user, agent = staff_in("agents", name="顾问甲")
    client.force_login(user)
    client.post(
        change_url(agent),
        {"name": "改名", "is_active": "", "accepts_leads": "", "webhook_kind": ""},
    )
    agent.refresh_from_db()
    assert agent.name == "顾问甲" and agent.is_active and agent.accepts_leads


def test_a_manager_sees_and_edits_webhooks(client):
    other = factories.make_agent(webhook_kind="wecom", webhook_url=HOOK, webhook_secret=SECRET)
    manager, _ = staff_in("managers")
    client.force_login(manager)
    html = client.get(change_url(other)).content.decode()
    assert "TOKEN-OF-THE-OTHER-AGENT" in html and SECRET in html
    assert Agent.objects.get(pk=other.pk).webhook_secret == SECRET
