"""Inquiry submissions per second through the full Django stack, one process.

Runs inside a transaction that is rolled back at the end: nothing is kept, nobody is
mailed. The enqueueing of notifications (on commit in real life) is run and timed."""

import time

from django.db import transaction
from django.test import Client, TestCase, override_settings

from bench.timing import time_call
from leads.forms import new_stamp, sign_subject
from listings.models import Listing


class _Rollback(Exception):
    pass


def _payload(n, subject):
    return {
        "stamp": new_stamp(),
        "subject": sign_subject(subject) if subject is not None else "",
        "need_kind": "factory",
        "need_deal": "rent",
        "need_area": "2000",
        "industry": "智能制造",
        "company": f"基准测试公司{n}",
        "name": "基准测试",
        "mobile": f"1700000{n:04d}",
        "consent": "on",
        "website": "",
    }


def run(command, repeat=30):
    count = max(repeat * 2, 50)
    subject = Listing.objects.published().select_related("agent").first()
    client = Client()
    counter = iter(range(10**6))
    statuses = []

    def submit_once(with_subject):
        n = next(counter)
        with TestCase.captureOnCommitCallbacks(execute=True):
            response = client.post("/inquiry/", _payload(n, subject if with_subject else None))
        statuses.append(response.status_code)

    with override_settings(
        LEAD_RATE_LIMIT_IP=10**9, LEAD_RATE_LIMIT_MOBILE=10**9, LEAD_MIN_FILL_SECONDS=0
    ):
        try:
            with transaction.atomic():
                client.get("/inquiry/")  # warm up templates and connections
                started = time.perf_counter()
                on_listing = time_call(lambda: submit_once(True), count)
                general = time_call(lambda: submit_once(False), count)
                elapsed = time.perf_counter() - started
                raise _Rollback
        except _Rollback:
            pass
    if any(status != 303 for status in statuses):
        command.stdout.write(f"leads bench: unexpected statuses {sorted(set(statuses))}")
    label = "POST /inquiry/ (listing attached)" if subject else "POST /inquiry/ (general)"
    command.report(label, on_listing, target=150)
    command.report("POST /inquiry/ (general, routed by rules)", general, target=150)
    command.report(
        "inquiry submissions per second (1 process)",
        value=len(statuses) / elapsed,
        unit="submissions/s",
    )
