"""Demo routing rules and inquiries from demo/data/routing.yaml and inquiries.yaml.

Idempotent; seed_demo runs it after the listings (the rules name agents, the inquiries
are sent from listings, parks, parcels and articles)."""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from demo.content import load
from leads import services
from leads.models import SUBJECT_BY_KEY, Inquiry, Notification, RoutingRule
from listings.models import Agent

S = Inquiry.Status


def _say(command, text):
    if command is not None:
        command.stdout.write(text)


def _subject(source, index):
    kind = SUBJECT_BY_KEY.get(source)
    if kind is None:
        return None
    candidates = list(kind.model.objects.published().order_by("pk")[:20])
    return candidates[index % len(candidates)] if candidates else None


def seed_rules():
    agents = {
        agent.user.username: agent
        for agent in Agent.objects.filter(is_active=True, accepts_leads=True, user__isnull=False)
    }
    count = 0
    for row in load("routing")["rules"]:
        conditions = {k: v for k, v in row.items() if k not in ("name", "priority", "agents")}
        pool = [agents[login] for login in row["agents"] if login in agents]
        if not pool:
            continue
        rule, _created = RoutingRule.objects.update_or_create(
            name=row["name"],
            defaults={"priority": row["priority"], "is_active": True, **conditions},
        )
        rule.agents.set(pool)
        count += 1
    return count


def seed_inquiries():
    content = load("inquiries")
    now = timezone.now()
    created = 0
    for index, row in enumerate(content["inquiries"]):
        token = f"demo-{index + 1:03d}"
        if Inquiry.objects.filter(submission_token=token).exists():
            continue
        status, minutes = row["status"], row.get("contacted_after_minutes")
        at = now - timedelta(days=row["days_ago"], hours=(index * 5) % 9)
        inquiry = services.submit_inquiry(
            subject=_subject(row["from"], index),
            submission_token=token,
            now=at,
            name=row["name"],
            mobile=row["mobile"],
            company=row.get("company") or "",
            need_kind=row["need_kind"],
            need_deal=row.get("need_deal") or "",
            need_area=row.get("need_area"),
            industry=row.get("industry") or "",
            expected_tax=row.get("expected_tax"),
            message=content["message"],
            page_url=f"{settings.SITE_URL}/",
            utm_source="wechat" if index % 3 == 0 else "",
        )
        # Demo inquiries were "delivered" long ago: the worker must not mail anyone.
        inquiry.notifications.update(
            state=Notification.State.SENT, attempts=1, sent_at=at + timedelta(seconds=5)
        )
        if minutes is not None:
            contacted = at + timedelta(minutes=minutes)
            services.change_status(inquiry, S.CONTACTED, now=contacted)
            services.add_note(inquiry, content["first_call_note"], now=contacted)
            path = [S.VISITING, S.NEGOTIATING, S.WON]
            if status == S.LOST:
                path = [S.LOST]
            for step, next_status in enumerate(path, start=1):
                if status == S.CONTACTED:
                    break
                services.change_status(inquiry, next_status, now=contacted + timedelta(days=step))
                if next_status == status:
                    break
        elif status == S.SPAM:
            services.change_status(inquiry, S.SPAM, now=at + timedelta(minutes=3))
        created += 1
    return created


def seed(command=None, **options):
    if settings.PRODUCTION:
        _say(command, "leads: production mode, demo content skipped")
        return
    rules = seed_rules()
    created = seed_inquiries()
    _say(command, f"leads: {rules} routing rules, {created} new demo inquiries")
