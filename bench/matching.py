"""`make bench` for matching (issue 13): /match/ server time on 100,000 listings (target
p95 ≤ 60 ms), matching one inquiry as the admin does (≤ 40 ms), and the daily alert run
for 10,000 subscriptions (≤ 2 minutes; inside a rolled-back transaction, mail kept in
memory)."""

import secrets
import time
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.db import transaction
from django.test import Client
from django.test.utils import override_settings
from django.utils import timezone

from bench.listings import ensure_listings
from bench.timing import time_call
from leads import alerts
from leads.matching import match_inquiry
from leads.models import Inquiry, Subscription
from listings.models import Listing

TARGET_LISTINGS = 100_000
MATCH_P95_MS = 60
INQUIRY_P95_MS = 40
SUBSCRIPTIONS = 10_000
ALERT_RUN_SECONDS = 120

CASES = [
    ("kind=factory", "kind=factory"),
    (
        "factory rent 1000–2000 ㎡ ≤ 1.2",
        "kind=factory&deal=rent&area_min=1000&area_max=2000&rent_max=1.2",
    ),
    (
        "factory, town, height, power, eia",
        "kind=factory&deal=rent&town=新桥镇&height_min=8&power_min=630&eia=1",
    ),
    (
        "warehouse 5000 ㎡, load, monthly",
        "kind=warehouse&area_min=5000&load_min=2000&monthly_max=20",
    ),
    ("office sale ≤ 3000 万元", "kind=office&deal=sale&sale_max=3000"),
    ("rare: crane 50 t, standalone", "kind=factory&crane_min=50&standalone=1&single_storey=1"),
    ("land 15–30 亩, investment, tax", "kind=land&mu_min=15&mu_max=30&investment=30000&tax=900"),
]

INQUIRIES = [
    {
        "need_kind": "factory",
        "need_deal": "rent",
        "need_area": 2000,
        "need_budget": "1元/㎡/天以内",
    },
    {"need_kind": "warehouse", "need_deal": "rent", "need_area": 8000, "need_budget": "每月25万"},
    {"need_kind": "office", "need_deal": "sale", "need_area": 500, "need_budget": "总价800万元"},
    {"need_kind": "land", "need_area": 20000, "expected_tax": 900},
    {"need_kind": "", "need_deal": "", "need_area": None, "need_budget": ""},
]

ALERT_QUERIES = [
    ("listings", "kind=factory&town=新桥镇"),
    ("listings", "kind=warehouse&area_min=3000"),
    ("listings", "deal=rent&rent_max=1.2&eia=1"),
    ("land", "town=永丰街道"),
    ("match", "kind=factory&deal=rent&area_min=1000&area_max=3000&height_min=8"),
    ("match", "kind=office&sale_max=3000"),
]


class _Rollback(Exception):
    pass


def run(command, repeat=30):
    ensure_listings(command, TARGET_LISTINGS)
    # The pages render hashed static URLs: collect them once (not where tests run).
    root = settings.STATIC_ROOT
    if root and not (Path(root) / "staticfiles.json").exists():
        call_command("collectstatic", interactive=False, verbosity=0)
    command.stdout.write(
        f"/match/ with {Listing.objects.count()} listings "
        f"({Listing.objects.published().count()} public), target p95 ≤ {MATCH_P95_MS} ms"
    )
    client = Client()
    with override_settings(DEBUG=False):
        for label, query in CASES:
            url = f"/match/?{query}"
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)
            samples = time_call(lambda url=url: client.get(url), repeat)
            command.report(f"/match/ {label}", samples, target=MATCH_P95_MS)
        samples = []
        for fields in INQUIRIES:
            inquiry = Inquiry(name="基准", **fields)
            match_inquiry(inquiry)  # warm up
            samples += time_call(lambda inquiry=inquiry: match_inquiry(inquiry), repeat)
        command.report("admin: ten best matches of an inquiry", samples, target=INQUIRY_P95_MS)
        alert_run(command)


def alert_run(command):
    now = timezone.now()
    memory_mail = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
    try:
        with override_settings(MAILERS=memory_mail), transaction.atomic():
            Subscription.objects.bulk_create(
                [
                    Subscription(
                        email=f"bench{n}@example.com",
                        scope=ALERT_QUERIES[n % len(ALERT_QUERIES)][0],
                        query=ALERT_QUERIES[n % len(ALERT_QUERIES)][1],
                        token=secrets.token_urlsafe(32),
                        confirmed_at=now - timedelta(days=7),
                    )
                    for n in range(SUBSCRIPTIONS)
                ],
                batch_size=2000,
            )
            started = time.perf_counter()
            result = alerts.send_digests(now)
            elapsed = time.perf_counter() - started
            raise _Rollback
    except _Rollback:
        pass
    verdict = "ok" if elapsed <= ALERT_RUN_SECONDS else f"OVER target {ALERT_RUN_SECONDS} s"
    command.report(
        f"daily alert run, {SUBSCRIPTIONS} subscriptions ({result['sent']} digests) {verdict}",
        value=elapsed,
        unit="s",
    )
