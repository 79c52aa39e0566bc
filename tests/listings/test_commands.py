from datetime import timedelta
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from listings.models import Listing
from tests import factories

pytestmark = pytest.mark.django_db


def run(*args):
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


@pytest.fixture
def stale_setup(settings):
    settings.LISTING_STALE_DAYS = 90
    old = timezone.now() - timedelta(days=120)
    wang = factories.make_agent(name="王建国", email="wang@example.com")
    li = factories.make_agent(name="李敏", email="li@example.com")
    factories.make_listing(code="W-1", agent=wang, last_verified_at=old)
    factories.make_listing(code="W-2", agent=wang, last_verified_at=old)
    factories.make_listing(code="L-1", agent=li, last_verified_at=old)
    factories.make_listing(code="L-FRESH", agent=li)
    factories.make_listing(code="L-LET", agent=li, last_verified_at=old, status=Listing.Status.LET)
    return wang, li


def test_stale_listings_lists_them_per_agent(stale_setup):
    output = run("stale_listings")
    assert "王建国: 2" in output and "李敏: 1" in output
    assert "W-1" in output and "L-1" in output
    assert "L-FRESH" not in output and "L-LET" not in output
    assert "3 stale listing(s)" in output
    assert mail.outbox == []


def test_stale_listings_notify_mails_each_agent_their_list(stale_setup):
    run("stale_listings", "--notify")
    assert sorted(m.to[0] for m in mail.outbox) == ["li@example.com", "wang@example.com"]
    wang_mail = next(m for m in mail.outbox if m.to == ["wang@example.com"])
    assert "2 套房源待核实" in wang_mail.subject
    assert "W-1" in wang_mail.body and "W-2" in wang_mail.body and "L-1" not in wang_mail.body
    assert "标记为今天已核实" in wang_mail.body


def test_stale_listings_dry_run_sends_nothing(stale_setup):
    output = run("stale_listings", "--notify", "--dry-run")
    assert "would mail wang@example.com" in output
    assert mail.outbox == []
