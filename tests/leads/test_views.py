import re

import pytest
from django.core import mail
from django.urls import reverse

from leads.models import Inquiry
from tests.leads.conftest import form_data

pytestmark = pytest.mark.django_db


def submit(client, data, **extra):
    return client.post(reverse("leads:inquiry"), data, **extra)


def test_it_shows_the_general_form(client):
    response = client.get("/inquiry/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'action="/inquiry/"' in html
    assert 'name="mobile"' in html
    assert 'href="/privacy/"' in html
    assert 'name="csrfmiddlewaretoken"' in html


def test_it_saves_an_inquiry_and_shows_the_reference_and_agent(client, listing, agent):
    response = submit(client, form_data(listing))
    assert response.status_code == 303
    inquiry = Inquiry.objects.get()
    assert inquiry.listing == listing
    assert inquiry.assigned_agent == agent
    assert inquiry.routing_reason == "object"
    page = client.get(response["Location"])
    text = page.content.decode()
    assert inquiry.reference in text
    assert re.fullmatch(r"G60-\d{8}-\d{4}", inquiry.reference)
    assert agent.name in text
    assert agent.mobile in text


def test_it_enqueues_notifications_on_commit(client, listing, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        submit(client, form_data(listing, email="boss@example.com"))
    inquiry = Inquiry.objects.get()
    channels = set(inquiry.notifications.values_list("channel", flat=True))
    assert channels == {"agent_email", "prospect"}
    assert not mail.outbox  # sent by the worker, not the request
