from datetime import timedelta
from io import StringIO

import pytest
import time_machine
from django.core import mail
from django.core.management import CommandError, call_command
from django.utils import timezone

from leads import demo, services
from leads.models import Inquiry, RoutingRule
from tests import factories

pytestmark = pytest.mark.django_db


def run(*args):
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_escalate_inquiries_dry_run_changes_nothing(settings):
    a1 = factories.make_agent()
    factories.make_agent()
    inquiry = services.submit_inquiry(
        name="周", mobile="13922223333", subject=factories.make_listing(agent=a1)
    )
    with time_machine.travel(timezone.now() + timedelta(minutes=31)):
        output = run("escalate_inquiries", "--dry-run")
        assert f"[dry run] {inquiry.reference}: reassigned to" in output
        inquiry.refresh_from_db()
        assert inquiry.assigned_agent == a1 and inquiry.reassign_count == 0
        output = run("escalate_inquiries")
    inquiry.refresh_from_db()
    assert f"{inquiry.reference}: reassigned to {inquiry.assigned_agent}" in output
    assert inquiry.assigned_agent != a1


def test_escalate_inquiries_says_when_there_is_nothing_to_do():
    assert "No inquiry is still new" in run("escalate_inquiries")


def test_purge_inquiries_anonymizes_old_closed_ones_with_dry_run(agent):
    closed = services.submit_inquiry(name="吴", mobile="13922224444", company="吴氏")
    services.change_status(closed, Inquiry.Status.SPAM)
    recent = services.submit_inquiry(name="郑", mobile="13922225555")
    services.change_status(recent, Inquiry.Status.LOST)
    with time_machine.travel(timezone.now() + timedelta(days=100)):
        services.change_status(
            services.submit_inquiry(name="新", mobile="13922226666"), Inquiry.Status.WON
        )
        assert "[dry run] 2 closed" in run("purge_inquiries", "--older-than", "90", "--dry-run")
        assert Inquiry.objects.filter(anonymized_at__isnull=False).count() == 0
        assert "Anonymized 2 closed" in run("purge_inquiries", "--older-than", "90")
    closed.refresh_from_db()
    assert closed.mobile == "" and closed.company == ""
    assert Inquiry.objects.filter(mobile="13922226666").exists()


def test_purge_inquiries_refuses_a_silly_age():
    with pytest.raises(CommandError):
        call_command("purge_inquiries", "--older-than", "0")


def test_purge_inquiries_defaults_to_the_retention_setting(settings, agent):
    settings.LEAD_RETENTION_DAYS = 10
    assert "older than 10 days" in run("purge_inquiries", "--dry-run")


def test_the_demo_is_idempotent_and_sends_nothing(run_worker):

    agents = [factories.make_agent() for _ in range(5)]
    factories.make_listing(agent=agents[0])
    demo.seed()
    demo.seed()
    assert Inquiry.objects.count() == len(demo.INQUIRIES)
    assert RoutingRule.objects.count() == len(demo.RULES)
    statuses = set(Inquiry.objects.values_list("status", flat=True))
    assert {"won", "lost", "spam", "new", "contacted"} <= statuses
    run_worker()
    assert mail.outbox == []
