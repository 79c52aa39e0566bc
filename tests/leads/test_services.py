import datetime
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
import time_machine
from django.db import connection, transaction
from django.utils import timezone

from leads import models, services
from leads.models import Inquiry, InquiryEvent, Notification, RoutingRule
from tests import factories

pytestmark = pytest.mark.django_db


def submit(n=None, **kwargs):
    n = n if n is not None else factories.seq()
    kwargs.setdefault("name", f"客户{n}")
    kwargs.setdefault("mobile", f"137{n:08d}")
    return services.submit_inquiry(**kwargs)


def test_the_attached_listings_agent_gets_it(listing, agent):
    factories.make_agent()  # someone else in the rotation
    inquiry = submit(subject=listing)
    assert inquiry.assigned_agent == agent
    assert inquiry.routing_reason == Inquiry.RoutingReason.OBJECT
    assert inquiry.source_kind == "listing"
    assert inquiry.need_kind == listing.kind


def test_an_inactive_or_unwilling_agent_is_skipped(listing, agent):
    agent.accepts_leads = False
    agent.save()
    other = factories.make_agent()
    inquiry = submit(subject=listing)
    # The listing's park has the same agent: not eligible either, so the rotation decides.
    assert inquiry.assigned_agent == other
    assert inquiry.routing_reason == Inquiry.RoutingReason.ROTATION


def test_a_listing_without_agent_falls_back_to_its_parks_agent():
    park_agent = factories.make_agent()
    park = factories.make_park(agent=park_agent)
    listing = factories.make_listing(park=park)
    assert submit(subject=listing).assigned_agent == park_agent


def test_land_and_park_inquiries_go_to_their_agents():
    a1, a2 = factories.make_agent(), factories.make_agent()
    parcel = factories.make_parcel(agent=a1)
    park = factories.make_park(agent=a2)
    assert submit(subject=parcel).assigned_agent == a1
    assert submit(subject=parcel).source_kind in ("land",)
    assert submit(subject=park).assigned_agent == a2


def test_an_article_routes_through_its_first_park_with_an_agent():
    agent = factories.make_agent()
    article = factories.make_article()
    article.parks.add(factories.make_park(position=0), factories.make_park(agent=agent, position=1))
    inquiry = submit(subject=article)
    assert inquiry.assigned_agent == agent
    assert inquiry.source_kind == "article"
    assert inquiry.routing_reason == Inquiry.RoutingReason.OBJECT


def test_an_article_without_park_agent_goes_by_the_rules():
    agent = factories.make_agent()
    rule = RoutingRule.objects.create(name="资讯", priority=1)
    rule.agents.add(agent)
    factories.make_agent()
    inquiry = submit(subject=factories.make_article())
    assert inquiry.assigned_agent == agent
    assert inquiry.routing_reason == Inquiry.RoutingReason.RULE
    assert inquiry.routing_rule == rule


def test_the_first_matching_rule_by_priority_wins_and_rotates():
    warehouse_team = [factories.make_agent(), factories.make_agent()]
    big_team = [factories.make_agent()]
    big = RoutingRule.objects.create(name="大面积", priority=5, area_min=5000)
    big.agents.add(*big_team)
    wh = RoutingRule.objects.create(name="仓库", priority=10, kind="warehouse")
    wh.agents.add(*warehouse_team)
    RoutingRule.objects.create(name="停用", priority=1, is_active=False).agents.add(big_team[0])

    picks = [submit(need_kind="warehouse", need_area=1000).assigned_agent for _ in range(4)]
    assert picks == warehouse_team * 2
    assert submit(need_kind="warehouse", need_area=8000).assigned_agent == big_team[0]
    assert submit(need_kind="office").routing_reason == Inquiry.RoutingReason.ROTATION


def test_rule_conditions_use_the_attached_listing():
    agent = factories.make_agent()
    rule = RoutingRule.objects.create(name="泗泾厂房出售", town="泗泾镇", deal="sale")
    rule.agents.add(agent)
    factories.make_agent()
    listing = factories.make_listing(town="泗泾镇", deal="sale")
    assert submit(subject=listing).assigned_agent == agent


def test_with_nobody_to_take_it_it_stays_unassigned_and_managers_are_alerted(settings):
    settings.SITE_WEBHOOK_URL = ""
    inquiry = submit()
    assert inquiry.assigned_agent is None
    assert inquiry.routing_reason == Inquiry.RoutingReason.UNASSIGNED
    channels = set(inquiry.notifications.values_list("channel", "purpose"))
    assert channels == {("mgr_email", "unassigned")}


def test_a_repeat_within_the_window_is_linked_and_keeps_the_agent(settings):
    a1, a2 = factories.make_agent(), factories.make_agent()
    first = submit(mobile="13912345678")
    second = submit(mobile="13912345678")
    third = submit(mobile="13912345678")
    assert first.assigned_agent in (a1, a2)
    assert second.duplicate_of == first
    assert third.duplicate_of == first
    assert second.assigned_agent == third.assigned_agent == first.assigned_agent
    assert second.routing_reason == Inquiry.RoutingReason.DUPLICATE
    assert second.notifications.get(channel="agent_email").purpose == "repeat"


def test_a_repeat_after_the_window_or_of_a_closed_inquiry_is_new(settings):
    settings.LEAD_DUPLICATE_DAYS = 30
    first = submit(mobile="13912345679")
    factories.make_agent()
    with time_machine.travel(timezone.now() + timedelta(days=31)):
        assert submit(mobile="13912345679").duplicate_of is None
    closed = submit(mobile="13912345670")
    services.change_status(closed, Inquiry.Status.LOST)
    assert submit(mobile="13912345670").duplicate_of is None
    assert first.duplicate_of is None


def test_references_count_up_per_day():
    factories.make_agent()
    with time_machine.travel("2026-11-26 09:00 +0800", tick=False):
        refs = [submit().reference for _ in range(3)]
    with time_machine.travel("2026-11-27 09:00 +0800", tick=False):
        refs.append(submit().reference)
    assert refs == [
        "G60-20261126-0001",
        "G60-20261126-0002",
        "G60-20261126-0003",
        "G60-20261127-0001",
    ]


def test_it_records_the_created_and_assigned_events(agent):
    inquiry = submit()
    kinds = list(inquiry.events.values_list("kind", flat=True))
    assert kinds == ["created", "assigned"]
    assert inquiry.events.get(kind="assigned").agent == agent


def test_the_same_submission_token_gives_back_the_same_inquiry(agent):
    first = submit(mobile="13911112222", submission_token="tok-1")
    again = submit(mobile="13911112222", submission_token="tok-1")
    assert again.pk == first.pk
    assert Inquiry.objects.count() == 1


def test_a_failure_leaves_nothing_half_written(agent, monkeypatch):
    def boom(*args, **kwargs):
        raise RuntimeError("routing broke")

    monkeypatch.setattr(services, "schedule_notifications", boom)
    with pytest.raises(RuntimeError):
        submit()
    assert Inquiry.objects.count() == 0
    assert InquiryEvent.objects.count() == 0


def test_status_changes_stamp_the_first_contact_once(agent):
    inquiry = submit()
    with time_machine.travel(inquiry.created_at + timedelta(minutes=7), tick=False):
        services.change_status(inquiry, Inquiry.Status.CONTACTED)
    first = inquiry.first_contacted_at
    assert first == inquiry.created_at + timedelta(minutes=7)
    services.change_status(inquiry, Inquiry.Status.VISITING)
    inquiry.refresh_from_db()
    assert inquiry.first_contacted_at == first
    assert inquiry.events.filter(kind="status").count() == 2


def test_marking_spam_is_not_a_first_contact(agent):
    inquiry = submit()
    services.change_status(inquiry, Inquiry.Status.SPAM)
    assert inquiry.first_contacted_at is None


def test_anonymizing_strips_personal_data_of_old_closed_inquiries_only(agent):
    old_closed = submit(email="a@example.com", company="甲公司", message="电话下午打")
    old_open = submit()
    services.change_status(old_closed, Inquiry.Status.WON)
    services.add_note(old_closed, "客户王总，手机13800000000")
    with time_machine.travel(timezone.now() + timedelta(days=400)):
        assert services.anonymize_closed_inquiries(older_than_days=365, dry_run=True) == 1
        assert services.anonymize_closed_inquiries(older_than_days=365) == 1
        assert services.anonymize_closed_inquiries(older_than_days=365) == 0
    old_closed.refresh_from_db()
    old_open.refresh_from_db()
    assert old_closed.mobile == "" and old_closed.email == "" and old_closed.company == ""
    assert old_closed.name == "—" and old_closed.anonymized_at is not None
    assert old_closed.events.get(kind="note").message == ""
    assert old_closed.events.filter(kind="anonymized").exists()
    assert old_closed.reference and old_closed.status == "won"
    assert old_open.mobile


@pytest.mark.django_db(transaction=True)
def test_rotation_stays_fair_under_concurrent_submissions():
    pool = [factories.make_agent() for _ in range(3)]
    rule = RoutingRule.objects.create(name="全部厂房", kind="factory")
    rule.agents.add(*pool)
    outsiders = [factories.make_agent() for _ in range(2)]  # the all-agents rotation
    start = threading.Barrier(8)

    def one(n):
        try:
            if n < 8:
                start.wait(timeout=10)
            kind = "factory" if n % 4 else "office"
            inquiry = services.submit_inquiry(name=f"并发{n}", mobile=f"136{n:08d}", need_kind=kind)
            return inquiry.assigned_agent_id, inquiry.reference, kind
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=8) as executor:
        results = list(executor.map(one, range(64)))

    assert len({ref for _a, ref, _k in results}) == 64
    factory_counts = Counter(a for a, _r, kind in results if kind == "factory")
    assert set(factory_counts) == {a.pk for a in pool}
    assert max(factory_counts.values()) - min(factory_counts.values()) <= 1
    office_counts = Counter(a for a, _r, kind in results if kind == "office")
    everyone = [a.pk for a in pool + outsiders]
    counts = [office_counts.get(pk, 0) for pk in everyone]
    assert sum(counts) == 16
    assert max(counts) - min(counts) <= 1
    assert Inquiry.objects.count() == 64
    assert Notification.objects.filter(channel="agent_email").count() == 64


@pytest.mark.django_db(transaction=True)
def test_a_submission_never_waits_for_another_ones_transaction():
    """References and rotations come from sequences: no row stays locked until commit."""
    factories.make_agent(), factories.make_agent()
    first_saved, second_done = threading.Event(), threading.Event()
    results = {}

    def slow_first():
        try:
            with transaction.atomic():
                results["first"] = services.submit_inquiry(name="甲", mobile="13622220001")
                first_saved.set()
                results["first_waited"] = not second_done.wait(timeout=10)
        finally:
            connection.close()

    def second():
        try:
            first_saved.wait(timeout=10)
            with transaction.atomic():
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL lock_timeout = '2s'")
                results["second"] = services.submit_inquiry(name="乙", mobile="13622220002")
            second_done.set()
        finally:
            connection.close()

    threads = [threading.Thread(target=slow_first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert results["first_waited"] is False  # the second finished while the first was open
    first, second_inquiry = results["first"], results["second"]
    assert first.reference != second_inquiry.reference
    assert first.assigned_agent_id != second_inquiry.assigned_agent_id  # still rotating


@pytest.mark.django_db
def test_reference_sequences_of_past_days_are_dropped():
    factories.make_agent()
    with time_machine.travel("2026-11-20 09:00 +0800", tick=False):
        submit()
    with time_machine.travel("2026-11-26 09:00 +0800", tick=False):
        submit()
    dropped = models.drop_old_reference_sequences(datetime.date(2026, 11, 26))
    assert dropped >= 1
    with time_machine.travel("2026-11-26 09:00 +0800", tick=False):
        assert submit().reference == "G60-20261126-0002"  # today's is kept
