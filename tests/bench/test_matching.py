"""The matching part of `manage.py bench` runs (on a small data set here)."""

import io

import pytest
from django.core.management import call_command

from bench import matching
from leads.models import Subscription
from tests import factories


@pytest.mark.django_db
def test_the_matching_bench_prints_its_figures(monkeypatch):
    monkeypatch.setattr(matching, "TARGET_LISTINGS", 0)
    monkeypatch.setattr(matching, "SUBSCRIPTIONS", 12)
    factories.make_listing()
    factories.make_parcel()
    out = io.StringIO()
    call_command("bench", only="matching", repeat=2, stdout=out)
    text = out.getvalue()
    assert "/match/ kind=factory" in text
    assert "admin: ten best matches of an inquiry" in text
    assert "daily alert run, 12 subscriptions" in text
    assert not Subscription.objects.exists()  # the alert run was rolled back
